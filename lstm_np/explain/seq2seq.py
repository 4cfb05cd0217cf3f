"""explain for a Seq2Seq: the decoded output's attention over the source (target × source, one
row per output token: the alignment) and the encoder's LSTM states and gates on the source, read
from the encoder layers' own records (NumPy reference)."""
import numpy as np

from .. import backend
from . import collect
from .explanation import Explanation, _saturation


def _names(vocab, ids):
    return [str(vocab[i]) if vocab is not None else str(int(i)) for i in ids]


def explain_seq2seq(model, src, source_vocabulary=None, target_vocabulary=None, title=None):
    src = np.asarray(src)
    if src.ndim == 2 and src.shape[0] == 1:
        src = src[0]
    if src.ndim != 1 or src.size == 0 or src.dtype.kind not in "iu":
        raise ValueError(f"explain: a Seq2Seq explains one source sequence of token ids (S,), received shape "
                         f"{src.shape} of {src.dtype}")
    if src.min() < 0 or src.max() >= model.src_vocab_size:
        raise ValueError(f"explain: source ids must be in [0, {model.src_vocab_size}), received "
                         f"{src.min()} .. {src.max()}")
    if model.attention is None:
        raise ValueError("explain: this Seq2Seq has no attention to show (attention=None); explain its "
                         "encoder's LSTMs instead")
    out = model.predict(src[None], max_length=max(2 * len(src), 10))[0]
    weights = np.asarray(model.last_attention[0])[:len(out) + 1]          # (steps, S): the end token too
    previous = backend.get_backend()
    backend.set_backend("numpy")
    try:
        x = model.encoder.embedding.forward(src[None])
        mask = (src != model.pad_token)[None]
        layers, arrays = [], {}
        for rnn in model.encoder.rnns:
            y = rnn.forward(x, mask=mask)
            for direction, sub in collect.directions(rnn):
                cache = collect.core_cache(sub, sub._cache) if len(collect.directions(rnn)) > 1 else \
                    collect.core_cache(rnn, rnn._cache)
                s = collect.series("lstm", cache, 0, bool(sub.go_backwards))
                names = ["h", "c"] + list(collect.GATES["lstm"])
                for n in names:
                    arrays[f"{rnn.name}/{direction}/{n}"] = s[n]
                layers.append({"name": rnn.name, "direction": direction, "kind": "lstm", "units": int(s["h"].shape[1]),
                               "series": names, "gates": list(collect.GATES["lstm"]), "gradient": {},
                               "saturation": {g: dict(zip(("low", "high"), _saturation(s[g])))
                                              for g in collect.GATES["lstm"] if g != "candidate g"}})
            x = y[0]
    finally:
        backend.set_backend(previous)
    target = _names(target_vocabulary, out) + ["<end>"]
    source = _names(source_vocabulary, src)
    data = {"title": title or f"Inside {model.name}: attention and encoder", "tokens": source,
            "explained": f"the decoded output \"{' '.join(target[:-1])}\"", "prediction": [int(t) for t in out],
            "layers": layers, "version": 1,
            "attention": [{"name": f"{model.attention} attention", "weights": np.round(weights[:len(target)], 5).tolist(),
                           "source": source, "target": target[:len(weights)]}]}
    return Explanation(data, arrays)
