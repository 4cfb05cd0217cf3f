"""The gradient-check tolerance and its assertion."""

# Gradient checks pass far below this; a wrong gradient lands far above it (see the
# negative controls). Entry-wise central differences in float64 (gradcheck's default steps).
GRAD_TOL = 1e-5


def assert_grads_ok(errors, tol=GRAD_TOL):
    assert errors, "gradcheck checked nothing"
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"gradient mismatch: {bad}"
