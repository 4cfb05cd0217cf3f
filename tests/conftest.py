import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# The backend fixture below is function-scoped but only switches a setting: safe to reuse.
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
# derandomize: the same examples on every run, so CI can never flake on a rare draw.
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=_QUIET, derandomize=True)
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=_QUIET)
# soak: many fresh random draws per run (HYPOTHESIS_PROFILE=soak), for repeated local runs.
settings.register_profile("soak", max_examples=100, deadline=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Gradient checks pass far below this; a wrong gradient lands far above it (see the
# negative controls). Entry-wise central differences in float64 (gradcheck's default steps).
GRAD_TOL = 1e-5


@pytest.fixture(params=["numpy", "numba"])
def each_backend(request):
    """Run a test once on the NumPy reference and once on the Numba kernels."""
    import lstm_np
    old = lstm_np.get_backend()
    lstm_np.set_backend(request.param)
    yield request.param
    lstm_np.set_backend(old)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_grads_ok(errors, tol=GRAD_TOL):
    assert errors, "gradcheck checked nothing"
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"gradient mismatch: {bad}"
