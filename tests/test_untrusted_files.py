"""Every file is untrusted input: load_model / load_weights on damaged or crafted files raise a
ValueError (or an OSError for the file system) naming the file, leave the model as it was, never
crash the process and never allocate what the file does not hold. Saving leaves no litter.

The fuzz cases: every format (.keras, .npz, .h5, .weights.npz, .weights.h5), seeded byte flips
and truncations — FLIPS + TRUNCATIONS cases per format — and the crafted files of the defects
found by probing (wrong optimizer-state shapes that crashed the compiled Adam update, NaN in the
last layer that half-applied load_weights, 1e300 stored as inf, a config that asked for 26.8 GiB,
a zip bomb, a FIFO that hung the reader).
"""
import io
import json
import os
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest

import lstm_np
from lstm_np import layers
from lstm_np.errors import NonFiniteError
from lstm_np.models import files, load_model

FLIPS, TRUNCATIONS = 48, 12
MODEL_FORMATS = (".keras", ".npz", ".h5")
WEIGHT_FORMATS = (".weights.npz", ".weights.h5")


def _model(seed=0):
    m = lstm_np.Sequential([lstm_np.Input((6, 3)), layers.LSTM(5, seed=seed), layers.Dense(2, seed=seed + 1)])
    m.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(seed)
    m.train_on_batch(rng.standard_normal((4, 6, 3)).astype("float32"), rng.standard_normal((4, 2)).astype("float32"))
    return m


def _weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    m = _model()
    out = {}
    for suffix in MODEL_FORMATS:
        out[suffix] = str(folder / f"m{suffix}")
        m.save(out[suffix])
    for suffix in WEIGHT_FORMATS:
        out[suffix] = str(folder / f"m{suffix}")
        m.save_weights(out[suffix])
    return out, m.get_weights()


def _damaged(data, rng, kind):
    data = bytearray(data)
    if kind == "flip":
        for _ in range(int(rng.integers(1, 4))):
            data[int(rng.integers(len(data)))] ^= 1 << int(rng.integers(8))
        return bytes(data)
    return bytes(data[:int(rng.integers(0, len(data)))])


def _cases(suffix):
    return [(suffix, "flip", k) for k in range(FLIPS)] + [(suffix, "truncate", k) for k in range(TRUNCATIONS)]


@pytest.mark.parametrize("suffix,kind,k", [c for s in MODEL_FORMATS for c in _cases(s)],
                         ids=lambda v: str(v))
def test_load_model_on_a_damaged_file_is_a_value_error_or_loads(saved, tmp_path, suffix, kind, k):
    paths, weights = saved
    rng = np.random.default_rng(1000 * MODEL_FORMATS.index(suffix) + k + (500 if kind == "truncate" else 0))
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(_damaged(open(paths[suffix], "rb").read(), rng, kind))
    try:
        model = load_model(str(path))
    except (ValueError, OSError) as exc:
        assert str(path) in str(exc) or isinstance(exc, OSError)
        return
    got = model.get_weights()                     # a flip in bytes nobody reads: the model is whole
    assert [w.shape for w in got] == [w.shape for w in weights]
    assert all(np.all(np.isfinite(w)) for w in got)


@pytest.mark.parametrize("suffix,kind,k", [c for s in WEIGHT_FORMATS for c in _cases(s)],
                         ids=lambda v: str(v))
def test_load_weights_on_a_damaged_file_changes_nothing_or_loads(saved, tmp_path, suffix, kind, k):
    paths, weights = saved
    rng = np.random.default_rng(7000 + 1000 * WEIGHT_FORMATS.index(suffix) + k + (500 if kind == "truncate" else 0))
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(_damaged(open(paths[suffix], "rb").read(), rng, kind))
    target = _model(seed=5)
    before = target.get_weights()
    state_before = {k: np.array(v) for k, v in target.optimizer.get_state().items()}
    try:
        target.load_weights(str(path))
    except (ValueError, OSError):
        assert _weights_equal(target.get_weights(), before)
        assert all(np.array_equal(v, target.optimizer.get_state()[k]) for k, v in state_before.items())
        return
    assert all(np.all(np.isfinite(w)) for w in target.get_weights())


# -- crafted files ----------------------------------------------------------------------------
def _npz_model_arrays(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _write_npz(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_optimizer_state_of_the_wrong_shape_is_refused_before_any_kernel_runs(saved, tmp_path):
    """It was accepted, and the compiled Adam update then wrote past the slot: SIGSEGV."""
    arrays = _npz_model_arrays(saved[0][".npz"])
    key = next(k for k in arrays if k.startswith("optimizer/m/"))
    for bad in (np.zeros(3, np.float32), np.zeros((1,) + arrays[key].shape, np.float32),
                np.full(arrays[key].shape, np.nan, np.float32)):
        crafted = dict(arrays, **{key: bad})
        path = tmp_path / "crafted.npz"
        _write_npz(path, crafted)
        with pytest.raises(ValueError, match="crafted.npz"):
            load_model(str(path))
    crafted = dict(arrays, **{"optimizer/m/no_such_layer/kernel": arrays[key]})
    _write_npz(tmp_path / "extra.npz", crafted)
    with pytest.raises(ValueError, match="no_such_layer"):
        load_model(str(tmp_path / "extra.npz"))


def test_a_slot_of_the_wrong_shape_never_reaches_the_compiled_update():
    m = _model()
    name, p, _ = m.parameters()[0]
    m.optimizer.slots["m"][name] = np.zeros(p.size // 2 + 1, p.dtype)
    x = np.zeros((2, 6, 3), np.float32)
    with pytest.raises(ValueError, match="slot 'm'"):
        m.train_on_batch(x, np.zeros((2, 2), np.float32))


def test_load_weights_is_all_or_nothing(saved, tmp_path):
    """NaN in the last layer's bias: the LSTM's weights had already changed."""
    source = _model(seed=3)
    w = source.get_weights()
    w[-1][...] = np.nan
    path = tmp_path / "nan.weights.npz"
    arrays = {"__order__": np.array([l.name for l in source.layers])}
    k = 0
    for layer in source.layers:
        for i in range(len(layer.get_weights())):
            arrays[f"{layer.name}/{i}"] = w[k]
            k += 1
    _write_npz(path, arrays)
    target = _model(seed=9)
    before = target.get_weights()
    with pytest.raises(ValueError, match="NaN"):
        target.load_weights(str(path))
    assert _weights_equal(target.get_weights(), before)


def test_values_that_overflow_the_dtype_are_refused_after_the_cast(saved, tmp_path):
    target = _model()
    before = target.get_weights()
    huge = [w.astype(np.float64) for w in before]
    huge[0][0, 0] = 1e300                        # finite in float64, inf in float32
    with pytest.raises(ValueError, match="once cast to float32"):
        target.set_weights(huge)
    with pytest.raises(ValueError, match="once cast to float32"):
        target.layers[0].set_weights(huge[:3])
    assert _weights_equal(target.get_weights(), before)
    arrays = _npz_model_arrays(saved[0][".npz"])
    arrays["weight/0"] = huge[0]
    _write_npz(tmp_path / "huge.npz", arrays)
    with pytest.raises(ValueError, match="huge.npz"):
        load_model(str(tmp_path / "huge.npz"))


def test_complex_values_are_refused():
    m = _model()
    x = np.ones((2, 6, 3), np.complex64)
    with pytest.raises(TypeError, match="complex"):
        m.predict(x, verbose=0)
    with pytest.raises(TypeError, match="complex"):
        m.fit(x, np.zeros((2, 2)), verbose=0)
    with pytest.raises(TypeError, match="real numbers"):
        m.set_weights([w.astype(np.complex64) for w in m.get_weights()])


def test_an_overflowing_step_restores_the_last_finite_weights():
    """SGD(1e38): the guard said "weights are left at their last finite values" while every
    weight was inf."""
    m = lstm_np.Sequential([lstm_np.Input((6, 3)), layers.LSTM(5, seed=0), layers.Dense(2, seed=1)])
    m.compile(optimizer=lstm_np.optimizers.SGD(learning_rate=1e38, momentum=0.9), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 3)).astype("float32")
    y = 100 * rng.standard_normal((8, 2)).astype("float32")
    before = m.get_weights()
    with pytest.raises(NonFiniteError, match="last finite values"):
        m.train_on_batch(x, y)
    assert _weights_equal(m.get_weights(), before)
    assert m.optimizer.iterations == 0 and all(not t for t in m.optimizer.slots.values())


def _config_of(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_keras(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


@pytest.mark.parametrize("config_text,match", [
    ("[1, 2, 3]", "JSON object"),
    ("[" * 100000 + "]" * 100000, "config"),
    ('{"kind": "Sequential"}', "model"),
    ('{"kind": "os.system", "model": {}}', "os.system"),
    ('{"kind": "Sequential", "model": {"layers": [{"class_name": "LSTM", "config": {"units": "many"}}]}}', "units"),
], ids=["a-list", "deep-nesting", "no-model", "unknown-class", "units-a-string"])
def test_hostile_configs_are_value_errors(saved, tmp_path, config_text, match):
    members = _config_of(saved[0][".keras"])
    members["config.json"] = config_text.encode()
    path = tmp_path / "hostile.keras"
    _write_keras(path, members)
    with pytest.raises(ValueError, match=match):
        load_model(str(path))


def test_a_config_that_asks_for_more_than_the_file_holds_allocates_nothing(saved, tmp_path):
    """units: 30000 allocated 26.8 GiB before failing."""
    members = _config_of(saved[0][".keras"])
    config = json.loads(members["config.json"])
    for spec in config["model"]["layers"]:
        if spec.get("class_name") == "LSTM" or spec.get("config", {}).get("units") == 5:
            spec["config"]["units"] = 30000
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "big.keras"
    _write_keras(path, members)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than the file holds"):
            load_model(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_a_zip_bomb_is_refused_before_it_inflates(saved, tmp_path):
    members = _config_of(saved[0][".keras"])
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("metadata.json", "config.json"):
            z.writestr(name, members[name])
        with z.open("model.weights.npz", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(64):                   # 64 MiB of zeros in ~64 KiB
                f.write(block)
    assert os.path.getsize(path) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="declares"):
            load_model(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def test_a_fifo_or_a_folder_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.keras"
    os.mkfifo(fifo)
    outcome = {}

    def load():
        try:
            load_model(str(fifo))
        except ValueError as exc:
            outcome["error"] = str(exc)

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "load_model hung on a FIFO"
    assert "not a regular file" in outcome["error"]
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    with pytest.raises(ValueError, match="not a regular file"):
        load_model(str(folder))
    with pytest.raises(ValueError, match="not a regular file"):
        _model().load_weights(str(tmp_path / "folder.npz"))
    with pytest.raises(FileNotFoundError):
        load_model(str(tmp_path / "absent.keras"))


# -- writing ----------------------------------------------------------------------------------
def _litter(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


@pytest.mark.parametrize("suffix", MODEL_FORMATS + WEIGHT_FORMATS)
def test_a_failed_save_leaves_no_temporary_file(tmp_path, suffix, monkeypatch):
    m = _model()

    def boom(*a, **k):
        raise OSError(28, "No space left on device (simulated)")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        if suffix.startswith(".weights"):
            m.save_weights(str(tmp_path / f"m{suffix}"))
        else:
            m.save(str(tmp_path / f"m{suffix}"))
    assert _litter(tmp_path) == []


def test_a_killed_saves_temporary_is_swept_at_the_next_save(tmp_path):
    target = tmp_path / "m.keras"
    dead_pid = 2 ** 22 + 12345                    # above pid_max's default: no such process
    stale = tmp_path / f".m.keras.{dead_pid}.abc123.lstm_np.tmp"
    stale.write_bytes(b"half a model")
    other = tmp_path / f".other.keras.{dead_pid}.abc123.lstm_np.tmp"    # another target's: kept
    other.write_bytes(b"x")
    _model().save(str(target))
    assert not stale.exists() and other.exists()
    assert load_model(str(target)) is not None


def test_saved_files_get_the_mode_the_umask_gives(tmp_path):
    old = os.umask(0o022)
    try:
        m = _model()
        for name in ("m.keras", "m.npz", "m.h5", "m.weights.npz", "m.weights.h5"):
            (m.save_weights if ".weights." in name else m.save)(str(tmp_path / name))
            assert os.stat(tmp_path / name).st_mode & 0o777 == 0o644, name
    finally:
        os.umask(old)


def test_untrusted_npz_reader_reads_headers_before_data():
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(6, dtype=np.float32).reshape(2, 3))
    arrays = files.NpzArrays(files.open_npz(buf.getvalue()))
    assert arrays.shape("a") == (2, 3)
    with pytest.raises(ValueError, match="expected"):
        arrays.read("a", (3, 2))
    np.testing.assert_array_equal(arrays.read("a", (2, 3)), np.arange(6).reshape(2, 3))
