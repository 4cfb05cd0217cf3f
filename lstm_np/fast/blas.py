"""Matrix products inside the compiled loops, on the kernels' BLAS: a private single-threaded
copy of NumPy's own OpenBLAS (``fast/openblas.py``: why a copy, and its core type).

Two OpenBLAS thread pools in one process fight: NumPy wheels bundle one
(``scipy_openblas64_``), and numba's ``np.dot`` calls SciPy's (``scipy_openblas``); each keeps
worker threads spinning after a call, so alternating between them on two cores was measured
3-7x slower than either alone. The kernels call ``cblas_?gemm`` of the private copy (which has
no pool) by symbol — a declared external function, which numba can cache — and fall back to
``np.dot`` when NumPy's BLAS cannot be found (other NumPy builds).

    gemm(a, b, c, beta):   c = a @ b + beta * c      a (M, K), b (K, N) C- or F-contiguous,
                                                     c (M, N) C-contiguous (in compiled code);
                                                     b = (U, U packed, R) from microkernel.pack:
                                                     the micro-kernel where U was packed
    product(a, b, out)     a @ b from Python, on the same BLAS (the GIL is released)
    recurrent_product(h, rmask, hbuf, U, out, beta):
                           out = (h ⊙ r) U + beta · out, or h U + beta · out when the
                           recurrent-dropout mask r is empty (hbuf holds h ⊙ r)
"""
import os

import numpy as np
from numba import njit, types
from numba.extending import overload

from . import openblas
from .common import JIT
from .microkernel import packed_product

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def _pair(a, b, c, beta):
    """b = (U, U packed, tile height): the micro-kernel when U was packed, else BLAS on U."""
    if b[1].shape[0] > 0:
        packed_product(a, b[1], c, beta, b[2][0])
    else:
        gemm(a, b[0], c, beta)
MERGE_LIMIT = 32 * 2**20     # bytes of staging copy allowed to merge the two weight GEMMs


def _numpy_openblas():
    """{sgemm name: address, dgemm name: address} in the kernels' private single-threaded copy
    of NumPy's ILP64 OpenBLAS (``fast/openblas.py``), or None."""
    found = openblas.kernel_blas()
    if found is None:
        return None
    prefix = found[1]
    names = [f"{prefix}cblas_sgemm64_", f"{prefix}cblas_dgemm64_"]
    addresses = [openblas.address(n[len(prefix):]) for n in names]
    return None if None in addresses else dict(zip(names, addresses))


_FOUND = None if os.environ.get("LSTM_NP_KERNEL_BLAS") == "numba" else _numpy_openblas()
USING_NUMPY_BLAS = _FOUND is not None

if USING_NUMPY_BLAS:
    import llvmlite.binding as llvm
    _SGEMM, _DGEMM = _FOUND
    for _name, _address in _FOUND.items():
        # Known to the JIT's linker only (cached kernels resolve the name through it too).
        llvm.add_symbol(_name, _address)

    def _sig(f):
        # Pointers passed as 64-bit integers (same registers on x86-64 / aarch64).
        i32, i64 = types.int32, types.int64
        return types.void(i32, i32, i32, i64, i64, i64, f, i64, i64, i64, i64, f, i64, i64)

    _sgemm = types.ExternalFunction(_SGEMM, _sig(types.float32))
    _dgemm = types.ExternalFunction(_DGEMM, _sig(types.float64))

    def gemm(a, b, c, beta):
        """c = a @ b + beta c (compiled below, by dtype and layout)."""
        raise NotImplementedError("gemm is only callable from compiled kernels")

    @overload(gemm, jit_options={"nogil": True, "error_model": "numpy"})
    def _gemm(a, b, c, beta):
        if isinstance(b, types.BaseTuple):                        # (U, U packed, R): see microkernel.pack
            return _pair
        if a.layout not in "CF" or b.layout not in "CF":          # strided views: copy once
            def impl_copy(a, b, c, beta):
                gemm(np.ascontiguousarray(a), np.ascontiguousarray(b), c, beta)
            return impl_copy
        call, real = (_sgemm, np.float32) if a.dtype == types.float32 else (_dgemm, np.float64)
        # an F-contiguous operand is the transpose of a C-contiguous one: no copy
        ta, tb = (TRANS if a.layout == "F" else NO_TRANS), (TRANS if b.layout == "F" else NO_TRANS)

        def impl(a, b, c, beta):
            M, K = a.shape
            N = b.shape[1]
            if M > 0 and N > 0:
                lda = max(K, 1) if ta == NO_TRANS else max(M, 1)
                ldb = max(N, 1) if tb == NO_TRANS else max(K, 1)
                call(ROW_MAJOR, ta, tb, M, N, K, real(1.0), a.ctypes.data, lda, b.ctypes.data, ldb,
                     real(beta), c.ctypes.data, N)
        return impl
else:
    def gemm(a, b, c, beta):
        """c = a @ b + beta c on numba's np.dot (no NumPy OpenBLAS found)."""
        raise NotImplementedError("gemm is only callable from compiled kernels")

    @overload(gemm, jit_options={"nogil": True, "error_model": "numpy"})
    def _gemm(a, b, c, beta):
        if isinstance(b, types.BaseTuple):
            return _pair

        def impl(a, b, c, beta):
            if beta == 0.0:
                np.dot(a, b, c)
            else:
                c += np.dot(a, b)
        return impl


@njit(**JIT)
def matmul(a, b, out, beta=0.0):
    """out = a @ b + beta·out from Python, on the kernels' BLAS: a (M, K), b (K, N) C- or
    F-contiguous (a transposed view costs no copy), out (M, N) C-contiguous."""
    gemm(a, b, out, beta)


def product(a, b, out=None):
    """a @ b on the kernels' BLAS, into ``out`` (a fresh C-contiguous array by default)."""
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), a.dtype)
    matmul(a, b, out, 0.0)
    return out


@njit(inline="always", error_model="numpy")
def recurrent_product(h, rmask, hbuf, U, out, beta):
    """A step's recurrent term into ``out`` (see the module docstring)."""
    if rmask.shape[0] > 0:
        for b in range(h.shape[0]):
            for j in range(h.shape[1]):
                hbuf[b, j] = h[b, j] * rmask[b, j]
        gemm(hbuf, U, out, beta)
    else:
        gemm(h, U, out, beta)


def weight_gradients(x2, h2, dz):
    """dW = xᵀ dz and dU = hᵀ dz over all (T·B) rows. When the copy is small, one GEMM on
    [x | h] (fewer, larger BLAS calls: ~20 % faster at mid sizes); otherwise two GEMMs, so
    memory stays O(T·B·H) with no extra copy of the activations."""
    D = x2.shape[1]
    if x2.shape[0] * (D + h2.shape[1]) * x2.itemsize <= MERGE_LIMIT:
        both = product(np.concatenate([x2, h2], axis=1).T, dz)          # (D + H, G)
        return both[:D], both[D:]
    return product(x2.T, dz), product(h2.T, dz)
