"""Shared pieces of the kernels: a vectorisable exp, the activations built on it, jit options.

Why our own exp: numba calls libm's exp one element at a time (no SVML in PyPI's
llvmlite), ~5 ns each. Written in plain arithmetic, LLVM vectorises it (AVX2/AVX-512),
measured ~2 ns per sigmoid in float64 and ~1.5 ns in float32 here, accurate to ~1 ulp:

    exp(x) = 2^k · p(r),   k = round(x / ln 2),   r = x - k·ln 2  (Cody-Waite, two parts)
    p(r)   = Σ_{n<=13} r^n / n!  in float64 (Σ_{n<=7} in float32)   |r| <= ln2/2
    2^k    = the float whose exponent bits are k + bias (a bitcast)

Each is compiled per precision: float32 kernels stay in float32 (twice the SIMD lanes).

They are plain overloads, not ``inline="always"``: numba's IR-level inlining re-typed every
call site (5 per LSTM row loop) and cost 6 s of the 20.5 s first-use compile; as separate
small functions LLVM still inlines and vectorises them (the same AVX-512 code, checked in
the assembly): 20.5 -> 14.3 s (benchmarks/jit_compile.py).

Options: error_model="numpy" (no ZeroDivisionError branch, which blocks vectorisation);
fastmath without 'reassoc' (it would undo Cody-Waite) and without 'nnan'/'ninf'.
"""
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from .microkernel import empty, pack


FASTMATH = {"nsz", "arcp", "contract", "afn"}
JIT = dict(nogil=True, cache=True, fastmath=FASTMATH, error_model="numpy")

SUPPORTED = {("tanh", "sigmoid")}

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0          # 1.5 · 2^52: adding and subtracting it rounds to an integer
_C = [1.0 / math.factorial(n) for n in range(14)]
C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = _C


@intrinsic
def _bits_to_f64(typingctx, i):
    """Reinterpret an int64's bits as a float64 (no conversion)."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _bits_to_f32(typingctx, i):
    """Reinterpret an int32's bits as a float32."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


def exp(x):
    """e^x, compiled per precision below (only callable from kernels)."""
    raise NotImplementedError


def sigmoid(x):
    """σ(x) = 1 / (1 + e^-x)."""
    raise NotImplementedError


def tanh(x):
    """tanh x = 2 σ(2x) - 1."""
    raise NotImplementedError


_F32 = np.float32
_E32 = [_F32(c) for c in _C[:8]]
D0, D1, D2, D3, D4, D5, D6, D7 = _E32
_LOG2E_32, _LN2_HI_32, _LN2_LO_32 = _F32(_LOG2E), _F32(0.693359375), _F32(-2.12194440e-4)
_ROUND_32 = _F32(12582912.0)            # 1.5 · 2^23


@overload(exp, jit_options=dict(fastmath=FASTMATH, error_model="numpy"))
def _exp(x):
    if x == types.float32:
        def exp32(x):
            # float32 all through: clamp to [-87, 88], degree-7 polynomial (error < 1e-8).
            x = x if x > _F32(-87.0) else _F32(-87.0)
            x = x if x < _F32(88.0) else _F32(88.0)
            k = (x * _LOG2E_32 + _ROUND_32) - _ROUND_32
            r = (x - k * _LN2_HI_32) - k * _LN2_LO_32
            p = D7
            p = p * r + D6
            p = p * r + D5
            p = p * r + D4
            p = p * r + D3
            p = p * r + D2
            p = p * r + D1
            p = p * r + D0
            return p * _bits_to_f32((np.int32(k) + np.int32(127)) << np.int32(23))
        return exp32

    def exp64(x):
        x = x if x > -708.0 else -708.0
        x = x if x < 709.0 else 709.0
        k = (x * _LOG2E + _ROUND) - _ROUND                 # round(x / ln 2)
        r = (x - k * _LN2_HI) - k * _LN2_LO                # |r| <= ln2 / 2
        p = C13
        p = p * r + C12
        p = p * r + C11
        p = p * r + C10
        p = p * r + C9
        p = p * r + C8
        p = p * r + C7
        p = p * r + C6
        p = p * r + C5
        p = p * r + C4
        p = p * r + C3
        p = p * r + C2
        p = p * r + C1
        p = p * r + C0
        return p * _bits_to_f64((np.int64(k) + 1023) << 52)
    return exp64


@overload(sigmoid, jit_options=dict(fastmath=FASTMATH, error_model="numpy"))
def _sigmoid(x):
    if x == types.float32:
        one = _F32(1.0)
        return lambda x: one / (one + exp(-x))
    return lambda x: 1.0 / (1.0 + exp(-x))


@overload(tanh, jit_options=dict(fastmath=FASTMATH, error_model="numpy"))
def _tanh(x):
    if x == types.float32:
        one, two = _F32(1.0), _F32(2.0)
        return lambda x: two / (one + exp(-two * x)) - one
    return lambda x: 2.0 / (1.0 + exp(-2.0 * x)) - 1.0


@njit(inline="always", error_model="numpy")
def carry_padded(mask_t, prev, new):
    """new[b] = prev[b] for every row b that mask_t marks as padding: the state passes
    through a padded step unchanged."""
    for b in range(prev.shape[0]):
        if not mask_t[b]:
            for j in range(prev.shape[1]):
                new[b, j] = prev[b, j]


@njit(inline="always", error_model="numpy")
def add_output_grad(dy, t, b, dh, valid, zero_out):
    """dh[b] += dy[b, t] (dy (B, T, H) or empty) — unless the step is padding and its
    output was zeroed (zero_output_for_mask): that output is a constant."""
    if dy.shape[0] > 0 and (valid or not zero_out):
        dh_row, dy_row = dh[b], dy[b, t]
        for j in range(dh_row.shape[0]):
            dh_row[j] += dy_row[j]


@njit(inline="always", error_model="numpy")
def grad_through_product(back, rmask, mask, t, dh):
    """dh[b] = back[b] ⊙ r[b] (back[b] without recurrent dropout) for every row b that was
    not padding at step t; padded rows keep dh, which passed through the carried step."""
    has_r, has_mask = rmask.shape[0] > 0, mask.shape[0] > 0
    for b in range(dh.shape[0]):
        if has_mask and not mask[t, b]:
            continue
        dh_row, back_row = dh[b], back[b]
        if has_r:
            r_row = rmask[b]
            for j in range(dh_row.shape[0]):
                dh_row[j] = back_row[j] * r_row[j]
        else:
            for j in range(dh_row.shape[0]):
                dh_row[j] = back_row[j]


def to_time_major(a):
    """(B, T, ...) -> a new contiguous (T, B, ...) array (always a copy: the kernels
    write the input gradient into it, and it must never alias the caller's array)."""
    return np.swapaxes(a, 0, 1).copy(order="C")


def buffer(workspace, name, shape, dtype):
    """An uninitialised C-contiguous array of ``shape``, carved from a flat block kept in
    ``workspace`` (a dict the caller owns) under ``name``. The block is replaced only when it
    is too small or of another dtype, so calls of any shape up to the largest seen allocate
    nothing — batches of varying length (sorted sources, bucketed text) included. A fresh
    block for every new shape cost page faults: ~1.5 µs each on this VM, 10 ms of a 36 ms
    greedy decode of 1,000 dates."""
    if workspace is None:
        return np.empty(shape, dtype)
    n = 1
    for s in shape:
        n *= s
    block = workspace.get(name)
    if block is None or block.dtype != dtype or block.size < n:
        block = workspace[name] = np.empty(n, dtype)
    return block[:n].reshape(shape)


def time_major_into(a, out):
    """Copy (B, T, ...) into out (T, B, ...)."""
    out[...] = np.swapaxes(a, 0, 1)
    return out


def loop_inputs(mask, recurrent_mask, recurrent_kernel, dt):
    """What every forward loop takes besides its buffers: the mask time-major (T, B) and
    the recurrent-dropout mask, each an empty (0, 0) array when absent (one compiled
    signature either way), and U contiguous."""
    mask_tm = empty(2, np.bool_) if mask is None else to_time_major(mask)
    r = empty(2, dt) if recurrent_mask is None else np.ascontiguousarray(recurrent_mask, dt)
    return mask_tm, r, np.ascontiguousarray(recurrent_kernel)


def backward_inputs(dy, cache, dt):
    """The same for BPTT: dy read in place as (B, T, H) (empty when None), the cached mask
    and recurrent-dropout mask (empty when absent), and Uᵀ as the loops take it: the triple
    (Uᵀ, Uᵀ packed for the micro-kernel, its tile height) of ``microkernel.pack``."""
    dy_bm = empty(3, dt) if dy is None else np.ascontiguousarray(dy, dt)
    mask = cache["mask"] if cache["mask"] is not None else empty(2, np.bool_)
    r = cache["r"]
    rr = empty(2, dt) if r is None else np.ascontiguousarray(r, dt)
    rows = next((v.shape[1] for k in ("hseq", "x_tm") if (v := cache.get(k)) is not None), None)   # (T, B, .)
    return dy_bm, mask, rr, pack(cache["recurrent_kernel"].T, rows)
