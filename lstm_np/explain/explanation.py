"""The Explanation: the data of one explained input, its page and its JSON. Values travel to
the page as 8-bit codes over each series' [min, max] (4-bit for the gates), packed and
compressed (a 10,000-character page of an LSTM(64) is about 3 MB)."""
import base64
import json
import zlib

import numpy as np


class Explanation:
    """The data of one explained input; ``to_html()`` / ``save(path)`` the page, ``to_json()``."""

    def __init__(self, data, arrays):
        self.data, self.arrays = data, arrays          # arrays: {key: (T, U) float array}

    @property
    def layers(self):
        return self.data["layers"]

    def series(self, layer, name, direction="forward"):
        """The (T, U) array of ``name`` ("h", "c", a gate) of a layer (by name) and direction."""
        key = f"{layer}/{direction}/{name}"
        if key not in self.arrays:
            raise KeyError(f"no series {name!r} for layer {layer!r} ({direction}); the explanation has "
                           f"{sorted(self.arrays)}")
        return self.arrays[key]

    def focus(self, layer, series="h", unit=0, direction="forward"):
        """Open the page on this layer's ``series`` and ``unit`` (e.g. the unit a search found)."""
        self.series(layer, series, direction)                          # a clear error if absent
        k = next(i for i, l in enumerate(self.layers) if l["name"] == layer and l["direction"] == direction)
        if not 0 <= unit < self.layers[k]["units"]:
            raise ValueError(f"unit must be in [0, {self.layers[k]['units']}), received {unit!r}")
        self.data["focus"] = {"layer": k, "series": series, "unit": int(unit)}
        return self

    def to_json(self, packed=False):
        """The data as a JSON string: series as nested lists (``packed``: the page's compressed form)."""
        out = dict(self.data)
        if packed:
            out["packed"] = _pack(self.arrays)
        else:
            out["series"] = {k: np.round(v.astype(np.float64), 6).tolist() for k, v in self.arrays.items()}
        return json.dumps(out, allow_nan=False)

    def to_html(self):
        from .page import render
        return render(self)

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_html())
        return path

    def _repr_html_(self):
        """Jupyter shows the page inline (in a sandboxed frame, so its script runs as on disk)."""
        import html
        return (f'<iframe srcdoc="{html.escape(self.to_html(), quote=True)}" style="width:100%;height:900px;'
                'border:1px solid #ccc" sandbox="allow-scripts"></iframe>')


BUDGET = 4.5e6          # bytes of packed data a page may carry (it stays under 5 MB in all)


def _pack(arrays):
    """{key: [min, max, offset, bits]} and one base64 blob of zlib-compressed codes: 8 bits for h,
    c and candidates, 4 bits (two per byte) for the gates, which the page draws in 16 shades —
    and 4 bits for everything when 8 would take the page over its budget (a long input of a
    wide layer: 10,000 characters through LSTM(128))."""
    values = sum(np.size(v) for v in arrays.values())
    gates = sum(np.size(v) for k, v in arrays.items() if "gate" in k.rsplit("/", 1)[-1])
    coarse = (values - gates + gates / 2) * 4 / 3 > BUDGET          # base64: 4 chars per 3 bytes
    index, blobs, offset = {}, [], 0
    for key, v in arrays.items():
        v = np.asarray(v, np.float64)
        bits = 4 if coarse or "gate" in key.rsplit("/", 1)[-1] else 8
        levels = 2 ** bits - 1
        lo, hi = float(v.min()) if v.size else 0.0, float(v.max()) if v.size else 0.0
        codes = np.zeros(v.size, np.uint8) if hi == lo else \
            np.round((v.ravel() - lo) / (hi - lo) * levels).astype(np.uint8)
        if bits == 4:
            codes = np.concatenate([codes, np.zeros(codes.size % 2, np.uint8)])
            codes = (codes[0::2] << 4) | codes[1::2]                 # two codes per byte, high first
        index[key] = {"min": lo, "max": hi, "offset": offset, "shape": list(v.shape), "bits": bits}
        blobs.append(codes.tobytes())
        offset += codes.size
    raw = zlib.compress(b"".join(blobs), 9)
    return {"index": index, "blob": base64.b64encode(raw).decode("ascii")}


def _saturation(gate):
    """Per unit: (fraction of steps < 0.1, fraction > 0.9)."""
    return np.mean(gate < 0.1, axis=0).tolist(), np.mean(gate > 0.9, axis=0).tolist()


