"""Matrix products inside the kernels, on the *same* BLAS as NumPy.

Two OpenBLAS libraries in one process fight: NumPy wheels bundle one
(``scipy_openblas64_``), and numba's ``np.dot`` calls SciPy's (``scipy_openblas``).
Each keeps worker threads spinning after a call, so alternating between them on two
cores was measured 3-7x slower than either alone. So the kernels call NumPy's own
``cblas_?gemm`` by symbol (a declared external function, which numba can cache),
and fall back to ``np.dot`` when NumPy's BLAS cannot be found (other NumPy builds).

    gemm(a, b, c, beta):   c = a @ b + beta * c      a (M, K), b (K, N), c (M, N), C-contiguous
    recurrent_product(h, rmask, hbuf, U, out, beta):
                           out = (h ⊙ r) U + beta · out, or h U + beta · out when the
                           recurrent-dropout mask r is empty (hbuf holds h ⊙ r)
"""
import os

import numpy as np
from numba import njit, types
from numba.extending import overload

from .. import openblas
from .common import JIT

ROW_MAJOR, NO_TRANS = 101, 111


def _numpy_openblas():
    """{sgemm name: address, dgemm name: address} in NumPy's bundled ILP64 OpenBLAS (opened
    privately, see ``core/openblas.py``), or None."""
    found = openblas.numpy_openblas()
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
        """c = a @ b + beta c (compiled below, by dtype)."""
        raise NotImplementedError("gemm is only callable from compiled kernels")

    @overload(gemm, jit_options={"nogil": True, "error_model": "numpy"})
    def _gemm(a, b, c, beta):
        if a.dtype == types.float32:
            def impl(a, b, c, beta):
                M, K = a.shape
                N = b.shape[1]
                if M > 0 and N > 0:
                    _sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, np.float32(1.0), a.ctypes.data, K,
                           b.ctypes.data, N, np.float32(beta), c.ctypes.data, N)
            return impl

        def impl(a, b, c, beta):
            M, K = a.shape
            N = b.shape[1]
            if M > 0 and N > 0:
                _dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 1.0, a.ctypes.data, K,
                       b.ctypes.data, N, beta, c.ctypes.data, N)
        return impl
else:
    @njit(**JIT)
    def gemm(a, b, c, beta):
        if beta == 0.0:
            np.dot(a, b, c)
        else:
            c += np.dot(a, b)


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
