"""A bound on what building layers may allocate, for models rebuilt from untrusted files.

    with allocation_budget(nbytes, "model.keras"):
        model = Model.from_config(config)      # every add_weight is charged before it allocates

A config is a file's word: ``LSTM(units=30000)`` asked for 26.8 GiB before anything could say
no. ``load_model`` knows how many bytes of weights the file holds, and a model needs exactly
those, so it builds the config with that budget (twice it, for dtype casts) and a layer that
would go past it is refused before its weights exist. Outside the context there is no bound.
"""
import contextlib
import threading

_local = threading.local()


@contextlib.contextmanager
def allocation_budget(nbytes, source):
    old = getattr(_local, "budget", None)
    _local.budget = [int(nbytes), source]
    try:
        yield
    finally:
        _local.budget = old


def charge(nbytes, what):
    """Take ``nbytes`` from the budget in force, or raise ValueError if it has not that much."""
    budget = getattr(_local, "budget", None)
    if budget is None:
        return
    if nbytes > budget[0]:
        raise ValueError(f"{budget[1]}: its config asks {what} for {nbytes:,} bytes of weights, more than "
                         f"the file holds ({budget[0]:,} bytes left): the config and the weights disagree")
    budget[0] -= nbytes
