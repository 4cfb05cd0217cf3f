"""The BLAS under the compiled kernels: a private, single-threaded copy of NumPy's own OpenBLAS.

    kernel_blas()         the copy the kernels call: (ctypes library, symbol prefix), loaded once
    kernel_coretype()     the OpenBLAS core it runs ("SkylakeX", "Haswell", ...)
    address(name)         a symbol of it (the kernels declare its cblas_?gemm, ``fast/blas.py``)
    set_threads(n)        NumPy's OpenBLAS thread count (``fast/threads.py`` sets it to 1 when
                          the kernels run on several threads)

Why a copy: NumPy's OpenBLAS keeps a pool of worker threads that spin after each call; our
shards (``fast/threads.py``) must run their products on their own core, single-threaded,
without a pool spinning against them. The copy is loaded with OPENBLAS_NUM_THREADS=1, so it
starts no thread at all; NumPy's instance is left as it is. It is the same file NumPy ships
(no new dependency), copied to a temporary file, opened and unlinked (≈ 10 ms once).

Why a core type: OpenBLAS picks its kernels from the CPU it detects. On a CPU with AVX-512 it
does not recognise (this project's machine: a virtualised AMD EPYC, reported as "Haswell")
it falls back to AVX2 kernels, at about half the speed: sgemm 2048³ on one core 130 vs 240
GF/s. Where the CPU has AVX-512 (F, BW, DQ, VL) and NumPy's OpenBLAS runs a core without it,
the copy runs OpenBLAS's "SkylakeX" kernels; LSTM_NP_OPENBLAS_CORETYPE=<name> chooses.

Both libraries are opened RTLD_LOCAL: loading NumPy's ILP64 OpenBLAS globally once made
libraries loaded afterwards (SciPy's LP64 OpenBLAS, JAX's LAPACK) bind their internal symbols
to it, and SciPy's QR failed with "Too large work array required".
"""
import ctypes
import functools
import glob
import os
import shutil
import tempfile

import numpy as np

# (library file pattern, symbol prefix): NumPy 2 wheels, then NumPy 1.x wheels.
_CANDIDATES = (("libscipy_openblas64_*.so", "scipy_"), ("libopenblas64_*.so", ""))
_AVX512 = {"avx512f", "avx512bw", "avx512dq", "avx512vl"}
_NO_AVX512_CORES = {"haswell", "zen", "sandybridge", "nehalem", "core2", "prescott", "atom", "excavator",
                    "steamroller", "piledriver", "bulldozer", "barcelona", "katmai", "coppermine"}


def _find():
    libs_dir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for pattern, prefix in _CANDIDATES:
        for path in sorted(glob.glob(os.path.join(libs_dir, pattern))):
            yield path, prefix


@functools.lru_cache(maxsize=None)
def numpy_openblas():
    """NumPy's own OpenBLAS: (library, prefix), or None on NumPy builds without a bundled one."""
    for path, prefix in _find():
        try:
            lib = ctypes.CDLL(path, mode=os.RTLD_LOCAL)
            getattr(lib, f"{prefix}cblas_sgemm64_")
            return lib, prefix
        except (OSError, AttributeError):
            continue
    return None


def _corename(found):
    lib, prefix = found
    f = getattr(lib, f"{prefix}openblas_get_corename64_", None) or getattr(lib, f"{prefix}openblas_get_corename", None)
    if f is None:
        return "unknown"
    f.restype = ctypes.c_char_p
    return f().decode()


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _wanted_coretype(numpy_core):
    env = os.environ.get("LSTM_NP_OPENBLAS_CORETYPE")
    if env:
        return env
    if numpy_core.lower() in _NO_AVX512_CORES and _AVX512 <= _cpu_flags():
        return "SkylakeX"
    return None


def _load_copy(path, coretype):
    """Open a private copy of ``path`` with one thread (and ``coretype``); the file is unlinked."""
    folder = tempfile.mkdtemp(prefix="lstm_np_blas_")
    copy = os.path.join(folder, os.path.basename(path).replace("lib", "lstm_np_", 1))
    saved = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")}
    try:
        shutil.copyfile(path, copy)
        os.environ["OPENBLAS_NUM_THREADS"] = "1"           # read once, when the library starts
        if coretype:
            os.environ["OPENBLAS_CORETYPE"] = coretype
        else:
            os.environ.pop("OPENBLAS_CORETYPE", None)
        return ctypes.CDLL(copy, mode=os.RTLD_LOCAL)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(folder, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def kernel_blas():
    """(library, prefix) for the kernels: the private copy, else NumPy's own (then None if absent)."""
    found = numpy_openblas()
    if found is None:
        return None
    path = next(p for p, prefix in _find() if prefix == found[1])
    try:
        return _load_copy(path, _wanted_coretype(_corename(found))), found[1]
    except OSError:
        return found


def kernel_coretype():
    found = kernel_blas()
    return None if found is None else _corename(found)


def address(name):
    """The address of ``prefix + name`` in the kernels' OpenBLAS (None if absent)."""
    found = kernel_blas()
    if found is None:
        return None
    lib, prefix = found
    try:
        return ctypes.cast(getattr(lib, prefix + name), ctypes.c_void_p).value
    except AttributeError:
        return None


def set_threads(n):
    """Set NumPy's OpenBLAS thread count; returns False where it can't be set."""
    found = numpy_openblas()
    if found is None:
        return False
    lib, prefix = found
    setter = getattr(lib, f"{prefix}openblas_set_num_threads64_", None)
    if setter is None:
        return False
    setter.argtypes = [ctypes.c_int]
    setter(int(n))
    return True


def get_threads():
    """NumPy's OpenBLAS thread count (None where unknown)."""
    found = numpy_openblas()
    if found is None:
        return None
    lib, prefix = found
    getter = getattr(lib, f"{prefix}openblas_get_num_threads64_", None)
    return None if getter is None else int(getter())
