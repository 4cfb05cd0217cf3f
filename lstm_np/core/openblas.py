"""NumPy's own OpenBLAS, found by file name and opened privately (ctypes, RTLD_LOCAL).

    numpy_openblas()   (library, symbol prefix) or None on NumPy builds without a bundled
                       OpenBLAS; the kernels take its gemm symbols from it (``kernels/blas.py``),
                       and ``core/threads.py`` its thread-count setter.

RTLD_LOCAL matters: loading it globally made libraries loaded afterwards (SciPy's LP64
OpenBLAS, JAX's LAPACK) bind their internal symbols to this ILP64 build, and SciPy's QR
then failed with "Too large work array required".
"""
import ctypes
import functools
import glob
import os

import numpy as np

# (library file pattern, symbol prefix): NumPy 2 wheels, then NumPy 1.x wheels.
_CANDIDATES = (("libscipy_openblas64_*.so", "scipy_"), ("libopenblas64_*.so", ""))


@functools.lru_cache(maxsize=None)
def numpy_openblas():
    libs_dir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for pattern, prefix in _CANDIDATES:
        for path in sorted(glob.glob(os.path.join(libs_dir, pattern))):
            try:
                lib = ctypes.CDLL(path, mode=os.RTLD_LOCAL)
                getattr(lib, f"{prefix}cblas_sgemm64_")
                return lib, prefix
            except (OSError, AttributeError):
                continue
    return None


def address(name):
    """The address of ``prefix + name`` in NumPy's OpenBLAS (None if absent)."""
    found = numpy_openblas()
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
    found = numpy_openblas()
    if found is None:
        return None
    lib, prefix = found
    getter = getattr(lib, f"{prefix}openblas_get_num_threads64_", None)
    return None if getter is None else int(getter())
