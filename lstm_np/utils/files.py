"""``get_file``: a data file from the cache, or downloaded into it (Keras's rules and paths).

The cache is ``$KERAS_HOME`` or ``~/.keras``, sub-folder ``cache_subdir`` ("datasets"). A
file already there (with the right hash, when one is given) is used as it is, so scripts run
offline once their data is in place; a download that fails says, in one line, where to put
the file by hand.
"""
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile


def keras_home():
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def _hash(path, algorithm):
    h = hashlib.md5() if algorithm == "md5" else hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    return _hash(fpath, algorithm) == str(file_hash)


def _extract(archive, target):
    os.makedirs(target, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            z.extractall(target)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            t.extractall(target, filter="data")
    else:
        raise ValueError(f"get_file: {archive!r} is neither a zip nor a tar archive")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of ``fname`` (default: the last part of ``origin``'s URL), downloaded
    from ``origin`` into the cache only when it is not already there. With ``extract`` (or
    ``untar``) the archive is unpacked and the folder it went into is returned."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    datadir = os.path.join(base, cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
    except OSError:
        datadir = os.path.join(tempfile.gettempdir(), ".keras", cache_subdir)
        os.makedirs(datadir, exist_ok=True)
    given = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                         "Please specify the `fname` argument.")
    if os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's "
                         f"parent directory, use the `cache_dir` argument. Received: fname={fname}")
    target = os.path.join(datadir, fname)
    extraction_dir = None
    if extract or untar:
        if given and "." in fname:
            extraction_dir = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, fname + "_archive")
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the file hash "
              f"does not match the original value of {file_hash} so we will re-download the data.")
        download = True
    if download:
        print(f"Downloading data from {origin}")
        partial = target + ".part"
        try:
            urllib.request.urlretrieve(origin, partial)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            if os.path.exists(partial):
                os.remove(partial)
            reason = getattr(exc, "reason", exc)
            raise OSError(f"get_file: cannot download {origin} ({reason}); with no network, put the file at "
                          f"{target} and run again") from None
        if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
            os.remove(partial)
            raise ValueError(f"Incomplete or corrupted file detected. The file hash does not match the "
                             f"provided value of {file_hash}.")
        os.replace(partial, target)
    if extraction_dir is not None:
        if download and os.path.isdir(extraction_dir):
            shutil.rmtree(extraction_dir)
        if not os.path.isdir(extraction_dir):
            _extract(target, extraction_dir)
        return extraction_dir
    return target
