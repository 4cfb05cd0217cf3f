"""What makes the textbook fast: Numba kernels computing the same recurrences as
``lstm_np.core`` (module for module: ``fast/lstm.py`` beside ``core/lstm.py``), batch shards on
the cores (``threads.py``), a private single-threaded BLAS (``openblas.py``, ``blas.py``), the
register-tiled step product (``microkernel.py``) and inference mode (``inference.py``).
``backend.IMPLEMENTATIONS`` chooses between a reference module and its twin here.

Each module mirrors one reference module with the same function signatures
(``lstm_forward`` / ``lstm_backward`` …). What changes is how the work is laid out:

- the input projection of every timestep is one GEMM before the loop (bias folded in);
- the whole time loop runs inside one compiled call, with one fused elementwise pass
  per step (gates, cell, output), writing into buffers allocated before the loop;
- arrays are time-major inside (T, B, ·), so each step and every GEMM reads contiguous
  memory; the activated gates overwrite the projection, and dz overwrites the gates;
- after BPTT the weight and input gradients are single GEMMs over all timesteps.

Set ``NUMBA_DISABLE_JIT=1`` to step through a kernel as plain Python.
"""


def kernels_cached():
    """Whether numba's on-disk cache already holds the LSTM kernels (the first run in a new
    environment compiles them, tens of seconds). A hint for messages, not a guarantee: an
    entry compiled for another CPU is compiled again."""
    import glob
    import os
    root = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(os.path.dirname(__file__), "__pycache__")
    return bool(glob.glob(os.path.join(root, "**", "lstm.*.nbi"), recursive=True))
