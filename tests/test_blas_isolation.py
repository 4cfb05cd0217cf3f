"""The kernels' BLAS stays private: after lstm_np runs its kernels, SciPy's and JAX's LAPACK
still work in the same process (a globally loaded ILP64 OpenBLAS once broke both)."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np
    import lstm_np
    from lstm_np.fast import blas
    assert blas.USING_NUMPY_BLAS, "test needs the NumPy-BLAS path of the kernels"
    lstm_np.set_backend("numba")
    x = np.random.default_rng(0).standard_normal((4, 6, 3)).astype("float32")
    layer = lstm_np.layers.LSTM(5, return_sequences=True, seed=0)
    layer.forward(x); layer.backward(np.ones((4, 6, 5), "float32"))
    import scipy.linalg
    a = np.random.default_rng(1).standard_normal((40, 40))
    q, r = scipy.linalg.qr(a)
    assert np.allclose(q @ r, a)
    q32, r32 = scipy.linalg.qr(a.astype("float32"))
    assert np.allclose(q32 @ r32, a, atol=1e-4)
""")

JAX = """
import jax, jax.numpy as jnp
q, r = jnp.linalg.qr(jnp.asarray(a))
assert np.allclose(np.asarray(q) @ np.asarray(r), a, atol=1e-5)
"""


@pytest.mark.parametrize("extra", ["", JAX], ids=["scipy", "scipy_and_jax"])
def test_other_lapack_users_work_after_the_kernels(extra):
    code = SCRIPT + extra + "\nprint('ok')\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


PRIVATE = textwrap.dedent("""
    import os, numpy as np
    import lstm_np
    from lstm_np.fast import openblas
    a = np.ones((300, 300)); a @ a                      # NumPy's pool has started
    before = openblas.get_threads()
    tasks = len(os.listdir("/proc/self/task"))
    lstm_np.set_num_threads(1)
    x = np.random.default_rng(0).standard_normal((64, 20, 16)).astype("float32")
    layer = lstm_np.layers.LSTM(32, return_sequences=True, seed=0)
    layer.forward(x, training=True); layer.backward(np.ones((64, 20, 32), "float32"))
    lib, prefix = openblas.kernel_blas()
    assert lib._handle != openblas.numpy_openblas()[0]._handle          # a copy, not NumPy's instance
    assert getattr(lib, prefix + "openblas_get_num_threads64_")() == 1
    assert len(os.listdir("/proc/self/task")) == tasks                  # the copy started no thread
    assert openblas.get_threads() == before                             # one thread: NumPy's BLAS untouched
    lstm_np.set_num_threads(2)
    layer.forward(x, training=True); layer.backward(np.ones((64, 20, 32), "float32"))
    assert openblas.get_threads() == 1                                  # several: NumPy's pool kept quiet
    print("ok", before, openblas.kernel_coretype())
""")


def test_the_kernels_run_a_private_single_threaded_blas():
    out = subprocess.run([sys.executable, "-c", PRIVATE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.startswith("ok"), out.stderr[-2000:]


def test_the_core_type_is_chosen_only_where_openblas_misses_avx512(monkeypatch):
    from lstm_np.fast import openblas
    monkeypatch.delenv("LSTM_NP_OPENBLAS_CORETYPE", raising=False)
    avx512 = {"avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"}
    monkeypatch.setattr(openblas, "_cpu_flags", lambda: avx512)
    assert openblas._wanted_coretype("Haswell") == "SkylakeX"
    assert openblas._wanted_coretype("Zen") == "SkylakeX"
    assert openblas._wanted_coretype("SkylakeX") is None                 # detected right: left alone
    assert openblas._wanted_coretype("Cooperlake") is None
    monkeypatch.setattr(openblas, "_cpu_flags", lambda: {"avx2", "fma"})
    assert openblas._wanted_coretype("Haswell") is None                  # no AVX-512: never forced
    monkeypatch.setenv("LSTM_NP_OPENBLAS_CORETYPE", "Haswell")
    assert openblas._wanted_coretype("SkylakeX") == "Haswell"            # the user decides


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_products_on_the_kernels_blas_equal_numpy(dtype):
    import numpy as np
    from lstm_np.fast.blas import matmul, product
    rng = np.random.default_rng(0)
    tol = 1e-5 if dtype == "float32" else 1e-13
    for M, K, N in [(1, 1, 1), (7, 3, 5), (64, 33, 130), (1, 200, 9), (5, 0, 4)]:
        a = rng.standard_normal((M, K)).astype(dtype)
        b = rng.standard_normal((K, N)).astype(dtype)
        want = a.astype("float64") @ b.astype("float64")
        np.testing.assert_allclose(product(a, b), want, rtol=tol, atol=tol * (1 + K))
        np.testing.assert_allclose(product(a.T.copy().T, b.T.copy().T), want, rtol=tol, atol=tol * (1 + K))
        np.testing.assert_allclose(product(np.asfortranarray(a), b), want, rtol=tol, atol=tol * (1 + K))
        wide = rng.standard_normal((M, 2 * K)).astype(dtype)                 # a strided view: copied
        np.testing.assert_allclose(product(wide[:, ::2], b), wide[:, ::2].astype("float64") @ b,
                                   rtol=tol, atol=tol * (1 + K))
        out = np.ones((M, N), dtype)
        matmul(a, b, out, 1.0)
        np.testing.assert_allclose(out, want + 1, rtol=tol, atol=tol * (1 + K))
