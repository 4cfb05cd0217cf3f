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


def pytest_make_parametrize_id(config, val, argname):
    """Readable case names where pytest would write True-False-True: a boolean case is named
    after its argument (``go_backwards`` / ``no-go_backwards``), a class or function by its name."""
    if isinstance(val, bool):
        return argname if val else f"no-{argname}"
    if isinstance(val, type) or (callable(val) and getattr(val, "__name__", "<lambda>") != "<lambda>"):
        return val.__name__
    return None
