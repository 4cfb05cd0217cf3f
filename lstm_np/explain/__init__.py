"""``lstm_np.explain(model, x)``: what a trained recurrent model does inside, for one input —
every layer's h, c and gates over time, and the gradient flowing back through time from one
chosen output — as an ``Explanation``: a self-contained HTML page (``save`` / ``to_html``, shown
inline in Jupyter), or the data (``to_json``).

    e = lstm_np.explain(model, "the quick brown fox", vocabulary=chars)   # a character model
    e = lstm_np.explain(model, x)                      # x: one sequence (T, D) or ids (T,)
    e = lstm_np.explain(seq2seq, src_ids, source_vocabulary=..., target_vocabulary=...)
    e.save("page.html")

    collect.py   the run: the layers' own records (NumPy reference) and BPTT with traces
    data.py      the Explanation: what was read, saturation, gradient norms, JSON
    page.py      the HTML page (page.js, page.css inlined: it opens from a USB stick)
"""
from .data import Explanation, explain  # noqa: F401

__all__ = ["Explanation", "explain"]
