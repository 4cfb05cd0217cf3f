import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Gradient checks pass far below this; a wrong gradient lands far above it (see the
# negative controls). Entry-wise central differences in float64 with eps = 1e-6.
GRAD_TOL = 1e-5


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_grads_ok(errors, tol=GRAD_TOL):
    assert errors, "gradcheck checked nothing"
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"gradient mismatch: {bad}"
