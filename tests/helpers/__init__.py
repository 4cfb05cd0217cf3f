"""Helpers the tests share (imported as ``from helpers.gradients import ...``; tests/ is on
sys.path under pytest's rootdir conftest): ``gradients`` — the gradient-check tolerance and its
assertion; ``torch_weights`` — copying weights to torch modules and reading their gradients."""
