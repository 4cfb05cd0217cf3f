"""The step products' micro-kernel (fast/microkernel.py): equal to a float64 product
for every row count (the R x PW tiles and their remainders), partial last panels (masked
stores), beta 0 over garbage and beta 1; the kernels using it equal the NumPy reference and
give the same bits on any thread count."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from numba import njit

import lstm_np
from lstm_np.core import gru as ref_gru, lstm as ref_lstm, simple_rnn as ref_rnn
from lstm_np.fast import gru as k_gru, lstm as k_lstm, microkernel, simple_rnn as k_rnn

# Only a CPU without AVX2 (where the products rightly go to BLAS) may skip these: on any other,
# an unavailable micro-kernel is a failure, not a skip.
pytestmark = pytest.mark.skipif(not microkernel.AVAILABLE and microkernel._isa()[0] is None,
                                reason="no AVX2/AVX-512 on this CPU: the products go to BLAS")


def test_the_micro_kernel_is_built_wherever_the_cpu_has_the_vectors():
    assert microkernel.AVAILABLE, "this CPU has AVX2 or AVX-512 but the micro-kernel did not build"


@njit
def product(a, up, c, beta):
    microkernel.packed_product(a, up, c, beta)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(M=st.integers(1, 2 * microkernel.R_MAX + 1), K=st.integers(64, 130), N=st.integers(64, 300),
       seed=st.integers(0, 10 ** 6))
def test_packed_product_equals_the_float64_product(dtype, M, K, N, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((M, K)).astype(dtype)
    U = rng.standard_normal((K, N)).astype(dtype)
    up = microkernel.pack(U)[1]
    assert up.ndim == 3 and up.shape[0] * up.shape[2] >= N
    want = a.astype("float64") @ U.astype("float64")
    tol = 2e-5 * np.sqrt(K) if dtype == "float32" else 1e-13 * np.sqrt(K)
    c = np.full((M, N), np.nan, dtype)                          # beta = 0 never reads c
    product(a, up, c, 0.0)
    np.testing.assert_allclose(c, want, atol=tol * np.abs(want).max())
    c0 = rng.standard_normal((M, N)).astype(dtype)
    c = c0.copy()
    product(a, up, c, 1.0)
    np.testing.assert_allclose(c, want + c0, atol=tol * np.abs(want).max())


def test_rows_and_columns_outside_the_product_are_untouched():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((7, 64)).astype("float32")
    U = rng.standard_normal((64, 70)).astype("float32")                  # a partial second panel
    big = rng.standard_normal((9, 80)).astype("float32")
    before = big.copy()
    c = big[1:8, :70]                                                    # rows of a wider array
    assert c.strides[0] == 80 * 4
    product(a, microkernel.pack(U)[1], c, 0.0)
    np.testing.assert_allclose(c, a @ U, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(big[0], before[0])
    np.testing.assert_array_equal(big[8], before[8])
    np.testing.assert_array_equal(big[:, 70:], before[:, 70:])


def test_small_matrices_stay_on_blas():
    assert microkernel.pack(np.ones((32, 128), "float32"))[1].size == 0     # K < MIN_K
    assert microkernel.pack(np.ones((128, 32), "float32"))[1].size == 0     # N below one panel
    assert microkernel.pack(np.ones((128, 32), "int64"))[1].size == 0
    assert microkernel.pack(np.ones((64, 256), "float32"))[1].shape == (4, 64, 64)


KINDS = {
    "lstm": (k_lstm.lstm_forward, k_lstm.lstm_backward, ref_lstm.lstm_forward, ref_lstm.lstm_backward, 4, 2),
    "gru": (k_gru.gru_forward, k_gru.gru_backward, ref_gru.gru_forward, ref_gru.gru_backward, 3, 1),
    "rnn": (k_rnn.rnn_forward, k_rnn.rnn_backward, ref_rnn.rnn_forward, ref_rnn.rnn_backward, 1, 1),
}


def problem(kind, B, T, D, H, dt, seed):
    rng = np.random.default_rng(seed)
    gates, n_states = KINDS[kind][4:]
    x = rng.standard_normal((B, T, D)).astype(dt)
    states = [0.3 * rng.standard_normal((B, H)).astype(dt) for _ in range(n_states)]
    W = (rng.standard_normal((D, gates * H)) / np.sqrt(D)).astype(dt)
    U = (rng.standard_normal((H, gates * H)) / np.sqrt(H)).astype(dt)
    bias = (0.1 * rng.standard_normal((2, 3 * H) if kind == "gru" else gates * H)).astype(dt)
    mask = rng.random((B, T)) > 0.2
    mask[:, 0] = True
    dy = rng.standard_normal((B, T, H)).astype(dt)
    d_states = [rng.standard_normal((B, H)).astype(dt) for _ in range(n_states)]
    return x, states, W, U, bias, mask, dy, d_states


def run(fwd, bwd, args, masked):
    x, states, W, U, bias, mask, dy, d_states = args
    out = fwd(x, *states, W, U, bias, mask=mask if masked else None)
    return list(out[:-1]) + list(bwd(dy, *d_states, out[-1]))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("masked", [False, True])
def test_kernels_on_the_micro_kernel_equal_the_reference(kind, masked, monkeypatch):
    from lstm_np.fast import threads
    monkeypatch.setattr(threads, "MIN_WORK", 0)                         # shard this small call too
    fwd, bwd, rfwd, rbwd = KINDS[kind][:4]
    args = problem(kind, 13, 12, 5, 70, "float64", 2)                    # H = 70: partial panels; 2 shards
    old = lstm_np.get_num_threads()
    try:
        results = {}
        for n in (1, 2):
            lstm_np.set_num_threads(n)
            results[n] = run(fwd, bwd, args, masked)
    finally:
        lstm_np.set_num_threads(old)
    theirs = run(rfwd, rbwd, args, masked)
    for a, b, c in zip(results[1], results[2], theirs):
        assert np.array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-11, atol=1e-12)


AVX2_SCRIPT = """
import numpy as np
from numba import njit
import lstm_np
from lstm_np.fast import microkernel
from lstm_np.core import lstm as ref
from lstm_np.fast import lstm as k
assert microkernel.AVAILABLE and microkernel.R_MAX == 6 and microkernel.PW32 == 16, microkernel.R_MAX

@njit
def product(a, up, c, beta):
    microkernel.packed_product(a, up, c, beta)

rng = np.random.default_rng(0)
for dt in ("float32", "float64"):
    for M, K, N in [(1, 64, 16), (9, 70, 37), (5, 128, 64)]:
        a, U = rng.standard_normal((M, K)).astype(dt), rng.standard_normal((K, N)).astype(dt)
        c = np.full((M, N), np.nan, dt)
        product(a, microkernel.pack(U)[1], c, 0.0)
        assert np.allclose(c, a @ U, rtol=1e-4, atol=1e-4), (dt, M, K, N)
x = rng.standard_normal((9, 5, 3)); h0 = np.zeros((9, 70)); W = rng.standard_normal((3, 280)) * 0.3
U = rng.standard_normal((70, 280)) * 0.1; b = np.zeros(280); dy = rng.standard_normal((9, 5, 70))
y, h, c, cache = k.lstm_forward(x, h0, h0, W, U, b)
g = k.lstm_backward(dy, None, None, cache)
y2, h2, c2, cache2 = ref.lstm_forward(x, h0, h0, W, U, b)
g2 = ref.lstm_backward(dy, None, None, cache2)
for p, q in zip([y, h, c, *g], [y2, h2, c2, *g2]):
    assert np.allclose(p, q, rtol=1e-11, atol=1e-12)
print("ok")
"""


def test_the_avx2_kernels_too():
    """Machines without AVX-512 build 6-row x 2-vector tiles: checked here by asking for them."""
    import os
    import subprocess
    import sys
    if not microkernel._isa()[0]:
        pytest.skip("no AVX2 here")
    env = dict(os.environ, LSTM_NP_MICROKERNEL_ISA="avx2", NUMBA_CACHE_DIR=os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "lstm_np_avx2_numba_cache"))
    out = subprocess.run([sys.executable, "-c", AVX2_SCRIPT], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


FLIP_SCRIPT = """
import numpy as np
import lstm_np
from lstm_np import layers
lstm_np.set_floatx("float64")
layer = layers.LSTM(96, return_sequences=True, seed=0)
x = np.random.default_rng(0).standard_normal((24, 7, 70))
y = layer(x)
print(repr(float(np.sum(y * np.arange(y.size).reshape(y.shape)))))
"""


def test_flipping_a_setting_between_processes_sharing_a_cache_never_crashes(tmp_path):
    """LSTM_NP_MICROKERNEL=0 in a process whose numba cache was filled with the micro-kernel on
    made every LSTM forward segfault: the cached loops called symbols that were not built."""
    import os
    import subprocess
    import sys
    cache = str(tmp_path / "numba_cache")
    settings = [{}, {"LSTM_NP_MICROKERNEL": "0"}, {"LSTM_NP_MICROKERNEL_ISA": "avx2"},
                {"LSTM_NP_MICROKERNEL": "0", "LSTM_NP_MICROKERNEL_ISA": "avx2"}, {}]
    values = []
    for extra in settings:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, **extra)
        for k in ("LSTM_NP_MICROKERNEL", "LSTM_NP_MICROKERNEL_ISA"):
            if k not in extra:
                env.pop(k, None)
        out = subprocess.run([sys.executable, "-c", FLIP_SCRIPT], capture_output=True, text=True, timeout=600,
                             env=env)
        assert out.returncode == 0, (extra, out.returncode, out.stderr[-2000:])
        values.append(float(out.stdout.strip()))
    np.testing.assert_allclose(values, values[0], rtol=1e-12)
