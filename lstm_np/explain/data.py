"""The Explanation: what one run of a model showed, checked input in, JSON-able data out.

Per recurrent layer and direction: h (T, U), c (T, U) for an LSTM, each gate (T, U); per gate
the saturation of each unit (the fraction of steps under 0.1 and over 0.9, as Karpathy, Johnson
& Fei-Fei 2015 draw it); the gradient norms over time |dL/dx_t|, |dL/dh_t|, |dL/dc_t| from the
chosen output. Seq2Seq: the attention weights (target × source) of the decoded sequence and its
encoder's states. Values travel to the page as 8-bit codes over each series' [min, max] (4-bit for
the gates, 4 for everything when a long input would take the page over 5 MB), compressed.
"""
import numpy as np

from . import collect
from .explanation import Explanation, _saturation  # noqa: F401  (lstm_np.explain.Explanation)


def _norms(a, sample):
    return [] if a is None else np.linalg.norm(a[sample].reshape(a.shape[1], -1), axis=-1).tolist()


def _check_model(model):
    if getattr(model, "graph", None) is None:
        raise TypeError(f"explain needs a Model, Sequential or Seq2Seq, received {type(model).__name__}")
    if not any(collect.directions(n.layer) for n in model.graph.nodes):
        raise ValueError(f"explain: model {getattr(model, 'name', '')!r} has no recurrent layer (LSTM, GRU, "
                         "SimpleRNN or a Bidirectional of one) to look inside")


def _tokens_and_input(model, x, vocabulary):
    """(display tokens, the model's input batch of one)."""
    inp = model.graph.inputs[0]
    shape = tuple(inp.shape)
    reads_ids = len(shape) == 2 or inp.dtype.kind in "iu" or any(
        n.layer.token_vocabulary() is not None for n in model.graph.nodes if inp in n.input_tensors)
    vocab = None if vocabulary is None else list(vocabulary)
    if isinstance(x, str):
        if vocab is None:
            raise ValueError("explain: a text input needs vocabulary= (the token of each id, e.g. the "
                             "characters the model was trained on)")
        where = {t: i for i, t in enumerate(vocab)}
        unknown = sorted({ch for ch in x if ch not in where})
        if unknown:
            raise ValueError(f"explain: the text has characters outside the vocabulary: {unknown[:10]}")
        if not x:
            raise ValueError("explain: the text is empty")
        ids = np.array([where[ch] for ch in x], np.int64)
        tokens = list(x)
        if reads_ids:
            batch = ids[None]
        else:
            if shape[-1] != len(vocab):
                raise ValueError(f"explain: the model reads vectors of {shape[-1]} features, the vocabulary "
                                 f"has {len(vocab)} tokens (one-hot input needs one per token)")
            batch = np.eye(len(vocab), dtype=np.float32)[ids][None]
        return tokens, batch
    arr = np.asarray(x)
    if arr.ndim == len(shape) - 1:
        arr = arr[None]
    if arr.ndim != len(shape) or arr.shape[0] != 1:
        raise ValueError(f"explain: expects one input of shape {shape[1:]} (or a batch of one), received "
                         f"shape {np.shape(x)}")
    for got, want in zip(arr.shape[1:], shape[1:]):
        if want is not None and got != want:
            raise ValueError(f"explain: expects one input of shape {shape[1:]}, received {arr.shape[1:]}")
    T = arr.shape[1]
    if reads_ids and vocab is not None:
        ids = arr[0].astype(np.int64)
        if ids.min() < 0 or ids.max() >= len(vocab):
            raise ValueError(f"explain: ids must be in [0, {len(vocab)}) for the vocabulary given")
        tokens = [str(vocab[i]) for i in ids]
    elif reads_ids:
        tokens = [str(int(i)) for i in arr[0]]
    elif vocab is not None and arr.shape[-1] == len(vocab):
        tokens = [str(vocab[i]) for i in np.argmax(arr[0], axis=-1)]
    else:
        tokens = [f"t{t}" for t in range(T)]
    return tokens, arr


def _choose_output(out, output):
    """(index into the output, description) — default: the predicted class at the last step."""
    o = out[0]
    if o.ndim == 1:
        k = int(np.argmax(o)) if output is None else output
        if isinstance(k, tuple) or not isinstance(k, (int, np.integer)) or not 0 <= k < o.shape[0]:
            raise ValueError(f"explain: output must be a unit index in [0, {o.shape[0]}), received {output!r}")
        return (0, int(k)), f"output unit {k} (value {o[k]:.4g})"
    if o.ndim == 2:
        if output is None:
            t = o.shape[0] - 1
            k = int(np.argmax(o[t]))
        elif isinstance(output, tuple) and len(output) == 2:
            t, k = output
        else:
            t, k = o.shape[0] - 1, output
        if not (isinstance(t, (int, np.integer)) and isinstance(k, (int, np.integer))
                and -o.shape[0] <= t < o.shape[0] and 0 <= k < o.shape[1]):
            raise ValueError(f"explain: output must be (step in [0, {o.shape[0]}), unit in [0, {o.shape[1]})), "
                             f"received {output!r}")
        t = int(t) % o.shape[0]
        return (0, t, int(k)), f"output unit {k} at step {t} (value {o[t, k]:.4g})"
    raise ValueError(f"explain: cannot choose an output of shape {out.shape}")


def _states(run, kind_of=collect.recurrent_kind):
    """{"layer/direction/series": (T, U)} from a run's records (sample 0)."""
    arrays = {}
    for i, layer, dirs in run.recurrent:
        for (direction, sub), cache in zip(dirs, run.caches(i, layer, dirs)):
            if cache is None:
                continue
            s = collect.series(kind_of(sub), cache, 0, bool(getattr(sub, "go_backwards", False)))
            for n, v in s.items():
                if v is not None:
                    arrays[f"{layer.name}/{direction}/{n}"] = v
    return arrays


MAX_DATASET_STEPS = 20000


def _dataset(model, dataset, vocabulary):
    """The extra inputs the page searches for a selected pattern: their tokens and states."""
    texts = [dataset] if isinstance(dataset, str) else list(dataset)
    if sum(len(t) if isinstance(t, str) else len(np.asarray(t)) for t in texts) > MAX_DATASET_STEPS:
        raise ValueError(f"explain: the dataset has more than {MAX_DATASET_STEPS} steps in all; the page would "
                         "be too large — pass fewer or shorter inputs")
    checked = [_tokens_and_input(model, item, vocabulary) for item in texts]     # every one before any run
    found = []
    for k, (tokens, batch) in enumerate(checked):
        run = collect.Run(model, model.standardize(batch, None, "explain")[0])
        found.append((tokens, {f"dataset{k}|{key}": v for key, v in _states(run).items()}))
    return found


def explain(model, x, output=None, vocabulary=None, title=None, source_vocabulary=None, target_vocabulary=None,
            dataset=None):
    """Look inside ``model`` on one input ``x`` (a text with ``vocabulary``, ids, or a (T, D) sequence).

    output: which output the gradient flows back from — a unit index (the last step's, for a
    sequence output), (step, unit), or None: the predicted (largest) unit at the last step.
    dataset: more inputs (texts, or sequences) where the page looks for a pattern you select.
    Seq2Seq models: x is one source sequence of ids; the page shows the attention and the encoder.
    """
    if type(model).__name__ == "Seq2Seq":
        from .seq2seq import explain_seq2seq
        return explain_seq2seq(model, x, source_vocabulary, target_vocabulary, title)
    _check_model(model)
    tokens, batch = _tokens_and_input(model, x, vocabulary)
    extra = [] if dataset is None else _dataset(model, dataset, vocabulary)      # checked before any work
    xs = model.standardize(batch, None, "explain")[0]
    if len(xs) != 1:
        raise ValueError("explain: models with one input only")
    run = collect.Run(model, xs)
    index, what = _choose_output(run.outs[0], output)
    grad = np.zeros_like(run.outs[0])
    grad[index] = 1.0
    traces = run.backprop(0, grad)
    layers, arrays = [], {}
    for i, layer, dirs in run.recurrent:
        caches = run.caches(i, layer, dirs)
        for (direction, sub), cache, trace in zip(dirs, caches, traces[i]):
            if cache is None:
                continue
            kind = collect.recurrent_kind(sub)
            backwards = bool(getattr(sub, "go_backwards", False))
            s = collect.series(kind, cache, 0, backwards)
            names = [n for n in ("h", "c") + collect.GATES.get(kind, ()) if s.get(n) is not None]
            for n in names:
                arrays[f"{layer.name}/{direction}/{n}"] = s[n]
            flip = (lambda a: a[:, ::-1]) if backwards else (lambda a: a)
            grads = {k: _norms(None if trace.get(k) is None else flip(trace[k]), 0) for k in ("dx", "dh", "dc")}
            layers.append({
                "name": layer.name, "direction": direction, "kind": kind, "units": int(s["h"].shape[1]),
                "series": names, "gates": list(collect.GATES.get(kind, ())),
                "saturation": {g: dict(zip(("low", "high"), _saturation(s[g]))) for g in collect.GATES.get(kind, ())
                               if g != "candidate g" and g != "candidate h~"},
                "gradient": {k: v for k, v in grads.items() if v},
            })
    data = {"title": title or f"Inside {getattr(model, 'name', 'the model')}", "tokens": tokens, "explained": what,
            "prediction": np.asarray(run.outs[0][index[:-1]]).round(6).tolist(), "layers": layers,
            "attention": [], "version": 1, "dataset": [t for t, _ in extra]}
    for _, states in extra:
        arrays.update(states)
    return Explanation(data, arrays)
