"""The recurrent product of every step, h U, on a register-tiled micro-kernel with U packed
once per call.

A step's product has only B rows (a shard's rows), and BLAS packs U afresh on every call:
for U of 256 x 1024 that is 1 MB copied per step, as much memory traffic as the product
itself. Here U is packed once per forward (and Uᵀ once per backward) into panels of PW
columns, (P, K, PW), and each step runs

    for each panel p:                      # the panel stays in cache while
        for each block of R <= R_MAX rows: # every row block reads it
            C[rows, panel] (+)= A[rows, :] @ U_packed[p]     (R x K) @ (K x PW)

The R x PW tile of C lives in R·V vector registers for the whole loop over k: per k, V
vector loads of the panel, R broadcasts of A[r, k], R·V fused multiply-adds. Written in
LLVM IR (below) because numba's loops do not keep a tile in registers (a plain numba version
reached 32 GF/s); compiled once per process for this CPU by llvmlite (LLVM, which numba
ships), ~0.1 s. Measured on one core of this project's machine (Zen 5, AVX-512), float32,
step shapes (B, H, 4H) = (16..64, 128..512, 512..2048): 245–259 GF/s, vs 113–162 GF/s for
OpenBLAS's SkylakeX sgemm on the same shapes.

    pack(U)              (U, U packed as (P, K, PW), zero-padded) — the packed part empty where
                         the micro-kernel is unavailable or would not gain (then BLAS does it)
    packed_product(a, up, c, beta)   c = a @ U + beta·c, in compiled code (``blas.gemm`` calls
                         it when given the pair and its packed part is not empty)

Vector registers: AVX-512 (32 x 512 bit): V = 4 vectors per row, R_MAX = 6 rows — 24
accumulators + 4 panel vectors + 1 broadcast. AVX2 (16 x 256 bit): V = 2, R_MAX = 4. The sum
over k runs in one fixed order whatever the rows or the thread, so results do not depend on
how the batch is sharded. LSTM_NP_MICROKERNEL=0 turns it off; LSTM_NP_MICROKERNEL_ISA=avx2
builds the AVX2 kernels on an AVX-512 CPU (how the tests check them here).

The settings never change compiled code that numba caches: numba's cache key does not see
them, and a loop cached in a process with the micro-kernel on, loaded in one with it off, called
symbols that were never built (a segfault). So every process builds the same symbols — all six
tile heights of both precisions, whichever ISA (six rows fit the AVX2 registers too: 12
accumulators + 2 panel vectors + 1 broadcast of 16) — and ``packed_product`` reads the panel
width from the packed array. LSTM_NP_MICROKERNEL=0 acts only in ``pack`` (Python, not cached):
it packs nothing, and the loops take BLAS.
"""
import os

import numpy as np
from numba import njit, types

R_MAX_BY_ISA = {"avx512": (4, 6), "avx2": (2, 6)}          # (V, R_MAX): the same R_MAX for both (see above)


def _isa():
    """The widest vector set this CPU has (LSTM_NP_MICROKERNEL_ISA=avx2 asks for the narrower)."""
    import llvmlite.binding as llvm
    features = llvm.get_host_cpu_features()
    wanted = os.environ.get("LSTM_NP_MICROKERNEL_ISA", "avx512")
    if features.get("avx512f") and wanted == "avx512":
        return "avx512", 64
    if features.get("avx2") and features.get("fma"):
        return "avx2", 32
    return None, 0


def _kernel_ir(name, ty, W, V, R, masked):
    """void name(i64 K, ptr A, i64 lda, ptr Bp, ptr C, i64 ldc, ty beta, i64 ncols)
    C[0:R, 0:V·W] (+)= A[0:R, 0:K] @ Bp (K x V·W); the masked variant writes only ncols columns."""
    vec = f"<{W} x {ty}>"
    fma = f"@llvm.fma.v{W}{'f32' if ty == 'float' else 'f64'}"
    L = [f"define void @{name}(i64 %K, ptr %A, i64 %lda, ptr %Bp, ptr %C, i64 %ldc, {ty} %beta, i64 %ncols) {{",
         "entry:", "  br label %loop", "loop:", "  %k = phi i64 [0, %entry], [%k1, %loop]"]
    for r in range(R):
        for v in range(V):
            L.append(f"  %acc{r}_{v} = phi {vec} [zeroinitializer, %entry], [%nacc{r}_{v}, %loop]")
    L.append(f"  %boff = mul i64 %k, {W * V}")
    for v in range(V):
        L += [f"  %bo{v} = add i64 %boff, {v * W}", f"  %bp{v} = getelementptr {ty}, ptr %Bp, i64 %bo{v}",
              f"  %b{v} = load {vec}, ptr %bp{v}, align 4"]
    for r in range(R):
        L += [f"  %ro{r} = mul i64 %lda, {r}", f"  %ao{r} = add i64 %ro{r}, %k",
              f"  %ap{r} = getelementptr {ty}, ptr %A, i64 %ao{r}", f"  %a{r} = load {ty}, ptr %ap{r}, align 4",
              f"  %ai{r} = insertelement {vec} poison, {ty} %a{r}, i32 0",
              f"  %as{r} = shufflevector {vec} %ai{r}, {vec} poison, <{W} x i32> zeroinitializer"]
        for v in range(V):
            L.append(f"  %nacc{r}_{v} = call {vec} {fma}({vec} %as{r}, {vec} %b{v}, {vec} %acc{r}_{v})")
    L += ["  %k1 = add i64 %k, 1", "  %more = icmp slt i64 %k1, %K", "  br i1 %more, label %loop, label %done",
          "done:", f"  %bz = fcmp oeq {ty} %beta, 0.0", "  br i1 %bz, label %store, label %accum"]
    lanes = ", ".join(f"i64 {j}" for j in range(W))
    for label, with_beta in (("store", False), ("accum", True)):
        L.append(f"{label}:")
        if with_beta:
            L += [f"  %bi = insertelement {vec} poison, {ty} %beta, i32 0",
                  f"  %bs = shufflevector {vec} %bi, {vec} poison, <{W} x i32> zeroinitializer"]
        if masked:
            for v in range(V):
                L += [f"  %lim{label}{v} = sub i64 %ncols, {v * W}",
                      f"  %limi{label}{v} = insertelement <{W} x i64> poison, i64 %lim{label}{v}, i32 0",
                      f"  %lims{label}{v} = shufflevector <{W} x i64> %limi{label}{v}, <{W} x i64> poison, <{W} x i32> zeroinitializer",
                      f"  %m{label}{v} = icmp slt <{W} x i64> <{lanes}>, %lims{label}{v}"]
        for r in range(R):
            for v in range(V):
                s = f"{label}{r}_{v}"
                L += [f"  %co{s}a = mul i64 %ldc, {r}", f"  %co{s} = add i64 %co{s}a, {v * W}",
                      f"  %cp{s} = getelementptr {ty}, ptr %C, i64 %co{s}"]
                out = f"%nacc{r}_{v}"
                if with_beta:
                    if masked:
                        L.append(f"  %cv{s} = call {vec} @llvm.masked.load.v{W}{ty[0]}{'32' if ty == 'float' else '64'}.p0("
                                 f"ptr %cp{s}, i32 4, <{W} x i1> %m{label}{v}, {vec} zeroinitializer)")
                    else:
                        L.append(f"  %cv{s} = load {vec}, ptr %cp{s}, align 4")
                    L.append(f"  %res{s} = call {vec} {fma}({vec} %bs, {vec} %cv{s}, {vec} {out})")
                    out = f"%res{s}"
                if masked:
                    L.append(f"  call void @llvm.masked.store.v{W}{ty[0]}{'32' if ty == 'float' else '64'}.p0("
                             f"{vec} {out}, ptr %cp{s}, i32 4, <{W} x i1> %m{label}{v})")
                else:
                    L.append(f"  store {vec} {out}, ptr %cp{s}, align 4")
        L.append("  ret void")
    L.append("}")
    return "\n".join(L)


def _declarations(ty, W):
    vec, suffix = f"<{W} x {ty}>", f"v{W}{'f32' if ty == 'float' else 'f64'}"
    return (f"declare {vec} @llvm.fma.{suffix}({vec}, {vec}, {vec})\n"
            f"declare {vec} @llvm.masked.load.{suffix}.p0(ptr, i32, <{W} x i1>, {vec})\n"
            f"declare void @llvm.masked.store.{suffix}.p0({vec}, ptr, i32, <{W} x i1>)\n")


def _build():
    """Compile every kernel for this CPU; {(dtype char, R, masked): address} and the layout."""
    import llvmlite.binding as llvm
    isa, vbytes = _isa()
    if isa is None:
        return None
    V, r_max = R_MAX_BY_ISA[isa]
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    parts, names = [], {}
    for code, ty, size in (("f", "float", 4), ("d", "double", 8)):
        W = vbytes // size
        parts.append(_declarations(ty, W))
        for R in range(1, r_max + 1):
            for masked in (False, True):
                name = f"lstm_np_mk_{code}{R}{'m' if masked else ''}"
                parts.append(_kernel_ir(name, ty, W, V, R, masked))
                names[(code, R, masked)] = name
    module = llvm.parse_assembly("\n".join(parts))
    module.verify()
    target = llvm.Target.from_default_triple()
    machine = target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                           features=llvm.get_host_cpu_features().flatten(), opt=3)
    engine = llvm.create_mcjit_compiler(module, machine)
    engine.finalize_object()
    for name in names.values():
        llvm.add_symbol(name, engine.get_function_address(name))
    return {"engine": engine, "names": names, "V": V, "R_MAX": r_max,
            "PW": {"f": V * vbytes // 4, "d": V * vbytes // 8}}


try:
    _BUILT = _build()
except Exception:                       # an LLVM without these intrinsics: BLAS does the products
    _BUILT = None

AVAILABLE = _BUILT is not None
ENABLED = AVAILABLE and os.environ.get("LSTM_NP_MICROKERNEL", "1") != "0"
R_MAX = _BUILT["R_MAX"] if AVAILABLE else 1
PW32 = _BUILT["PW"]["f"] if AVAILABLE else 1
PW64 = _BUILT["PW"]["d"] if AVAILABLE else 1


_EMPTIES = {}


def empty(ndim, dtype):
    """A (0, ..., 0) array standing for "absent" in a loop's arguments (one compiled signature
    either way): U not packed, no mask, no dropout. Shared, never written (it has no entries);
    allocating one per call cost ~1 µs each on the tutorial's batch-1 calls."""
    key = (ndim, np.dtype(dtype))
    a = _EMPTIES.get(key)
    if a is None:
        a = _EMPTIES[key] = np.zeros((0,) * ndim, dtype)
    return a


MIN_K = 64          # below this (and below one panel of columns) BLAS's small-matrix path is faster


_ROWS = {}


def _rows_array(R):
    """A shared, never-written (1,) int64 array holding the tile height R for the loops."""
    a = _ROWS.get(R)
    if a is None:
        a = _ROWS[R] = np.array([R], np.int64)
    return a


def pack_panels(U):
    """U (K, N) -> (P, K, PW): panels of PW columns, zero-padded."""
    K, N = U.shape
    pw = PW32 if U.dtype == np.float32 else PW64
    P = -(-N // pw)
    packed = np.zeros((P, K, pw), U.dtype)
    full = N // pw
    packed[:full] = U[:, :full * pw].reshape(K, full, pw).transpose(1, 0, 2)
    if full < P:
        packed[full, :, :N - full * pw] = U[:, full * pw:]
    return packed


def pack(U, M=None):
    """(U, U packed, tile height) for the loops: U (K, N) contiguous, its panels (P, K, PW) —
    or an empty (0, 0, 0) array where the micro-kernel is off, U is not float32/float64, or too
    small to gain (K < MIN_K or N < PW: measured slower than BLAS at (B, H) = (8, 32)); the loops
    then use BLAS on U — and the tile height for products of M rows, from this CPU's plan
    (``fast/plan.py``: measured once per shape class; R_MAX when M is not given). One triple
    type whichever is used, so each loop compiles once, and a rule on shapes only for the
    micro-kernel or BLAS, so the numbers never depend on the thread count (nor on the plan)."""
    U = np.ascontiguousarray(U)
    if not ENABLED or U.dtype not in (np.float32, np.float64) or U.ndim != 2:
        return U, empty(3, U.dtype), _rows_array(R_MAX)
    K, N = U.shape
    pw = PW32 if U.dtype == np.float32 else PW64
    if K < MIN_K or N < pw:
        return U, empty(3, U.dtype), _rows_array(R_MAX)
    from . import plan
    R = R_MAX if M is None else plan.rows(U.dtype, M, K, N, R_MAX, time_heights)
    return U, pack_panels(U), _rows_array(R)


def time_heights(dtype, M, K, N, r_max):
    """{R: microseconds per product} for every tile height, on random operands of this shape:
    what the plan (``fast/plan.py``) measures the first time it meets a shape class."""
    import time
    rng = np.random.default_rng(0)
    a = rng.standard_normal((min(M, 64), K)).astype(dtype)
    up = pack_panels(rng.standard_normal((K, N)).astype(dtype))
    c = np.empty((a.shape[0], N), dtype)
    reps = max(1, int(2e6 / max(2 * a.shape[0] * K * N, 1)))      # ~1 ms of work per timing
    timings = {}
    for R in range(1, r_max + 1):
        packed_product(a, up, c, 0.0, R)                           # compiled once, warm
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(reps):
                packed_product(a, up, c, 0.0, R)
            best = min(best, (time.perf_counter() - t0) / reps)
        timings[R] = best * 1e6
    return timings


def _declare(code, R, masked, real):
    sig = types.void(types.int64, types.intp, types.int64, types.intp, types.intp, types.int64, real, types.int64)
    return types.ExternalFunction(_BUILT["names"][(code, R, masked)], sig)


def _tile_dispatcher(code, real, masked):
    """tile(R, ...): calls the compiled R-row kernel of one precision and store kind (numba
    needs one call site per external function, so the choice is an if-chain over R)."""
    fns = [_declare(code, R, masked, real) for R in range(1, R_MAX + 1)]
    fns += [fns[-1]] * (6 - R_MAX)          # R never exceeds R_MAX: the extra branches are dead
    k1, k2, k3, k4, k5, k6 = fns

    @njit(inline="always", error_model="numpy")
    def tile(R, K, ap, lda, bp, cp, ldc, beta, ncols):
        if R == 1:
            k1(K, ap, lda, bp, cp, ldc, beta, ncols)
        elif R == 2:
            k2(K, ap, lda, bp, cp, ldc, beta, ncols)
        elif R == 3:
            k3(K, ap, lda, bp, cp, ldc, beta, ncols)
        elif R == 4:
            k4(K, ap, lda, bp, cp, ldc, beta, ncols)
        elif R == 5:
            k5(K, ap, lda, bp, cp, ldc, beta, ncols)
        else:
            k6(K, ap, lda, bp, cp, ldc, beta, ncols)
    return tile


if AVAILABLE:
    _tile32, _tile32m = _tile_dispatcher("f", types.float32, False), _tile_dispatcher("f", types.float32, True)
    _tile64, _tile64m = _tile_dispatcher("d", types.float64, False), _tile_dispatcher("d", types.float64, True)

    @njit(nogil=True, cache=True, error_model="numpy")      # called, not inlined: each loop
    def packed_product(a, up, c, beta, rows=R_MAX):          # compiles faster without it
        """c (M, N) = a (M, K) @ U + beta·c, U packed as (P, K, PW); a and c C-contiguous rows;
        row blocks of ``rows`` <= R_MAX (the tile height: speed only — each entry of c is the
        same sum over k in the same order whatever the height)."""
        M, K = a.shape
        N = c.shape[1]
        P, _, pw = up.shape
        size = a.itemsize
        lda, ldc = a.strides[0] // size, c.strides[0] // size
        a0, b0, c0 = a.ctypes.data, up.ctypes.data, c.ctypes.data
        for p in range(P):
            bp = b0 + p * K * pw * size
            ncols = min(pw, N - p * pw)
            masked = ncols < pw
            i = 0
            while i < M:
                R = min(rows, M - i)
                ap, cp = a0 + i * lda * size, c0 + (i * ldc + p * pw) * size
                if size == 4 and masked:
                    _tile32m(R, K, ap, lda, bp, cp, ldc, np.float32(beta), ncols)
                elif size == 4:
                    _tile32(R, K, ap, lda, bp, cp, ldc, np.float32(beta), ncols)
                elif masked:
                    _tile64m(R, K, ap, lda, bp, cp, ldc, np.float64(beta), ncols)
                else:
                    _tile64(R, K, ap, lda, bp, cp, ldc, np.float64(beta), ncols)
                i += R
else:
    @njit(inline="always", error_model="numpy")
    def packed_product(a, up, c, beta, rows=1):
        raise RuntimeError("the micro-kernel is not available here")
