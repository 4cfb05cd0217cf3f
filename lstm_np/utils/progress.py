"""Progress bars: tqdm's notebook widget where Jupyter can draw it (ipywidgets installed),
else its plain text bar — never tqdm's "IProgress not found" warning in a notebook."""
import sys


def tqdm_class():
    """tqdm's notebook bar when ipywidgets is importable, else the plain one."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        from tqdm.std import tqdm
        return tqdm
    from tqdm.auto import tqdm
    return tqdm


def progress_bar(total, desc, unit, leave=True):
    """A bar on stdout, ``total`` steps of ``unit``."""
    return tqdm_class()(total=total, desc=desc, unit=unit, file=sys.stdout, leave=leave, dynamic_ncols=True)
