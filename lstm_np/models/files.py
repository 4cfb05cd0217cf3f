"""Files are untrusted input: read them checked, write them whole.

Reading (``load_model``, ``load_weights``):

    check_regular(path, who)         FileNotFoundError if absent; ValueError for a FIFO, a
                                     device, a folder (a FIFO made load_model hang)
    NpzArrays(zip_file)              the arrays of an .npz, each one's shape and dtype read from
                                     its header first; ``read(key, shape)`` reads the data only
                                     when the shape is the one the architecture expects
    member(z, name, limit)           one zip member, refused before inflating when its declared
                                     size exceeds ``limit`` (a 2 MB zip inflated to 4.2 GB)
    malformed(path, who)             context: any parser failure becomes a ValueError naming the
                                     file (zlib.error, BadZipFile, EOFError, RecursionError, ...);
                                     file-system errors stay OSError

Writing (``save``, ``save_weights``):

    atomic_write(path, write)        write to ``.<name>.<pid>.lstm_np.tmp`` beside the target,
                                     fsync, rename over it; the temporary is removed on every exit
                                     path, one left by a killed process is swept at the next save of
                                     the same target, and the file gets the mode the umask gives
"""
import contextlib
import glob
import os
import stat
import tempfile
import zipfile

import numpy as np

MAX_CONFIG_BYTES = 64 << 20          # a config is JSON text: 64 MiB is ~1000x the largest seen


def check_regular(path, who):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{who}: no file at {path!r}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{who}: {path!r} is not a regular file (a folder, a FIFO or a device)")
    return st.st_size


@contextlib.contextmanager
def malformed(path, who, what="file"):
    """Turn a parser's failure into a ValueError naming the file; keep file-system errors."""
    try:
        yield
    except MemoryError:
        raise
    except ValueError as exc:
        if path in str(exc):
            raise
        raise ValueError(f"{who}: {path!r} is not a readable {what}: {exc}") from None
    except OSError as exc:
        if exc.errno is not None:                # permission, I/O, ...: the file system's
            raise
        raise ValueError(f"{who}: {path!r} is not a readable {what}: {exc}") from None
    except Exception as exc:                     # noqa: BLE001 — any parser failure of a hostile file
        raise ValueError(f"{who}: {path!r} is not a readable {what}: "
                         f"{type(exc).__name__}: {exc}") from None


def member(z, name, limit, path, who):
    """The bytes of zip member ``name``, refused unread when it declares more than ``limit``."""
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ValueError(f"{who}: {path!r} has no {name!r} in it") from None
    if info.file_size > limit:
        raise ValueError(f"{who}: {path!r}: {name!r} declares {info.file_size:,} bytes, more than the "
                         f"{limit:,} this model can hold")
    return z.read(name)


class NpzArrays:
    """The arrays of an open .npz zip: headers first, data on demand (``allow_pickle`` never)."""

    def __init__(self, z):
        self.z, self.headers = z, {}
        for info in z.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with z.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"array {info.filename[:-4]!r} has .npy format {version}")
            if dtype.hasobject:
                raise ValueError(f"array {info.filename[:-4]!r} holds Python objects")
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if info.file_size < nbytes:
                raise ValueError(f"array {info.filename[:-4]!r} declares {nbytes:,} bytes of data in "
                                 f"a member of {info.file_size:,}")
            self.headers[info.filename[:-4]] = (tuple(shape), dtype, nbytes)

    def __contains__(self, key):
        return key in self.headers

    def keys(self):
        return list(self.headers)

    def nbytes(self, prefix=""):
        return sum(n for k, (_, _, n) in self.headers.items() if k.startswith(prefix))

    def shape(self, key):
        return self.headers[key][0]

    def read(self, key, shape=None):
        """The array ``key``; with ``shape``, a ValueError before reading if it has another."""
        if key not in self.headers:
            raise ValueError(f"no array {key!r}")
        stored = self.headers[key][0]
        if shape is not None and tuple(shape) != stored:
            raise ValueError(f"array {key!r} has shape {stored}, expected {tuple(shape)}")
        with self.z.open(key + ".npy") as f:
            arr = np.lib.format.read_array(f, allow_pickle=False)
        if arr.shape != stored:
            raise ValueError(f"array {key!r} is truncated")
        return arr


def open_npz(source):
    """A ZipFile of an .npz given as a path or bytes (an .npz is a zip of .npy files)."""
    import io
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)


# -- writing --------------------------------------------------------------------------------
def _temp_prefix(path):
    return f".{os.path.basename(path)}."


def _sweep(path):
    """Remove temporaries a killed process left for this target (theirs only: pid not alive)."""
    directory = os.path.dirname(os.path.abspath(path))
    for tmp in glob.glob(os.path.join(glob.escape(directory), glob.escape(_temp_prefix(path)) + "*.lstm_np.tmp")):
        try:
            pid = int(os.path.basename(tmp)[len(_temp_prefix(path)):].split(".")[0])
        except ValueError:
            continue
        if pid == os.getpid() or not _alive(pid):
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def _temporary(path):
    """A temporary file beside ``path`` (stale ones swept first, the umask's mode): yields its
    name; renamed over ``path`` when the block ends, removed if it raises."""
    directory = os.path.dirname(os.path.abspath(path))
    _sweep(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=".lstm_np.tmp", dir=directory)
    os.close(fd)
    try:
        os.chmod(tmp, _umask_mode())              # mkstemp makes 0600; a saved model is an ordinary file
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path, write):
    """Call ``write(binary file)`` on a temporary beside ``path``, then rename it into place."""
    with _temporary(path) as tmp, open(tmp, "wb") as f:
        write(f)


def atomic_path(path, write_to):
    """As ``atomic_write`` for writers that want a file name (h5py): ``write_to(tmp_path)``."""
    with _temporary(path) as tmp:
        write_to(tmp)


@contextlib.contextmanager
def rollback(model):
    """Restore every weight of ``model`` if the block raises: nothing is left half-applied."""
    saved = [np.array(w, copy=True) for w in model.get_weights()]
    try:
        yield
    except BaseException:
        model.set_weights(saved)
        raise
