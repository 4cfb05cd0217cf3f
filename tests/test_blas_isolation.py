"""The kernels' BLAS stays private: after lstm_np runs its kernels, SciPy's and JAX's LAPACK
still work in the same process (a globally loaded ILP64 OpenBLAS once broke both)."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np
    import lstm_np
    from lstm_np.core.kernels import blas
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
