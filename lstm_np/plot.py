"""Pictures that teach: learning curves, attention heatmaps (matplotlib, Agg backend).

Every function draws on a new figure, saves it when ``path`` is given, and returns the
figure. Each plot has a title, labelled axes and, where several lines share it, a legend.
"""
import numpy as np


def _plt():
    """pyplot on the backend the user has: a library never switches it. A notebook's inline
    backend shows the figure; a script without a display gets Agg from matplotlib itself (the
    demos save their figures and close them, so no window opens)."""
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, path, dpi=110, close=False, rect=(0, 0, 1, 1)):
    """Save (when ``path``), then close the figure when asked (a script saving many figures) —
    except in a notebook, whose inline backend shows the figure at the end of the cell and
    closes it itself."""
    fig.tight_layout(rect=rect)
    if path:
        fig.savefig(path, dpi=dpi)
    if close and not _notebook_backend():
        _plt().close(fig)
    return fig


def _notebook_backend():
    import matplotlib
    name = matplotlib.get_backend().lower()
    return "inline" in name or "ipympl" in name or "widget" in name or "nbagg" in name


def moving_average(values, window):
    """Trailing mean over ``window`` points (shorter at the start)."""
    v = np.asarray(values, dtype=float)
    c = np.cumsum(np.insert(v, 0, 0.0))
    n = np.minimum(np.arange(1, len(v) + 1), window)
    return (c[1:] - c[np.arange(1, len(v) + 1) - n]) / n


def learning_curves(curves, path=None, title="Learning curves", ylabel="loss", xlabel="epoch",
                    smooth=None, logy=False, close=False):
    """curves: a History, a History.history dict, or {label: values}. ``smooth``: moving-average
    window (the raw values are drawn faintly behind)."""
    if hasattr(curves, "history"):
        curves = curves.history
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for label, values in curves.items():
        x = np.arange(1, len(values) + 1)
        x = np.arange(len(values)) if xlabel.startswith("steps back") else x
        if smooth:
            line, = ax.plot(x, moving_average(values, smooth), label=label, lw=2)
            ax.plot(x, values, color=line.get_color(), alpha=0.15, lw=1)
        else:
            ax.plot(x, values, label=label, lw=2)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (f" (moving average over {smooth})" if smooth else ""))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig, path, close=close)


def attention_heatmap(weights, source_tokens, output_tokens, path=None, title="Attention weights", close=False):
    """weights (output steps, source steps): which source token each output token looked at."""
    plt = _plt()
    w = np.asarray(weights)[:len(output_tokens), :len(source_tokens)]
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * len(source_tokens) + 2), max(3, 0.45 * len(output_tokens) + 1.5)))
    im = ax.imshow(w, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source_tokens)))
    ax.set_xticklabels([repr(t)[1:-1] if t == " " else t for t in source_tokens])
    ax.set_yticks(range(len(output_tokens)))
    ax.set_yticklabels(output_tokens)
    ax.set_xlabel("source token")
    ax.set_ylabel("output token")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="attention weight")
    return _finish(fig, path, close=close)


def bar_chart(values, path=None, title="", xlabel="", ylabel="", legend_label=None, xlim=None, groups=None,
              close=False):
    """{label: value} as horizontal bars, each value written at the end of its bar. ``groups``
    ({label: group}) colours the bars by group, one legend entry per group; otherwise one
    colour, with ``legend_label`` as its legend."""
    plt = _plt()
    labels = list(values)
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(labels) + 2.2))
    y = np.arange(len(labels))[::-1]
    names = list(dict.fromkeys(groups[k] for k in labels)) if groups else [legend_label]
    for g, name in enumerate(names):
        rows = [i for i, k in enumerate(labels) if not groups or groups[k] == name]
        ax.barh(y[rows], [values[labels[i]] for i in rows], color=f"C{g}", label=name)
    for yy, k in zip(y, labels):
        ax.annotate(f" {values[k]:.3f}", (values[k], yy), va="center")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    if xlim:
        ax.set_xlim(*xlim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    legend = names != [None]
    if legend:
        fig.legend(loc="lower center", frameon=False, ncol=len(names))
    return _finish(fig, path, close=close, rect=(0, 0.06 if legend else 0, 1, 1))


def _internals(layer, x):
    """(gates (T, 4, H) with removed gates as ones, c (T, H), h (T, P)) for one sequence, from the
    NumPy reference with the layer's weights in float64."""
    from .core import lstm as core_lstm
    from .core import lstm_family as F
    cell = getattr(layer, "cell", layer)
    p = {k: v.astype(np.float64) for k, v in cell.params.items()}
    H = cell.units
    P = getattr(cell, "proj_size", None) or H
    if getattr(cell, "family", None) is not None:
        y, _, _, cache = F.family_forward(x, np.zeros((1, P)), np.zeros((1, H)), p, cell.family)
        steps = cache["steps"]
        gates = np.stack([np.stack([s["i"][0], s["f"][0], s["g"][0], s["o"][0]]) for s in steps])
        return gates, np.stack([s["c_raw"][0] for s in steps]), y[0]
    bias = p.get("bias", np.zeros(4 * H))
    y, _, _, cache = core_lstm.lstm_forward(x, np.zeros((1, H)), np.zeros((1, H)), p["kernel"],
                                            p["recurrent_kernel"], bias, activation=cell.activation,
                                            recurrent_activation=cell.recurrent_activation)
    g = cache["gates"][0]                                       # (T, 4H): i, f, g, o
    gates = g.reshape(len(g), 4, H)
    c = np.concatenate([cache["c_in"][0][1:], gates[-1:, 1] * cache["c_in"][0][-1:] + gates[-1:, 0] * gates[-1:, 2]])
    return gates, c, y[0]


def lstm_internals(layer, x, path=None, title=None, sample=0, close=False):
    """Gate activations over time as heatmaps, and the cell state's traces, for one sequence.

    Runs the NumPy reference (``lstm_np.core.lstm``, or ``core.lstm_family`` for the
    variants) with the layer's weights, so what is drawn is exactly i, f, g (c̃), o and c of
    the equations (a gate a variant removes shows as 1). With peepholes, a panel shows their
    weights; with a projection, the projected output h. x: (T, D) or (B, T, D).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    x = x[sample:sample + 1]
    cell = getattr(layer, "cell", layer)
    gates, c, h = _internals(layer, x)
    H = cell.units
    extras = []
    if getattr(cell, "peephole", False):
        extras.append("peephole")
    if getattr(cell, "proj_size", None):
        extras.append("projection")
    plt = _plt()
    n = 5 + len(extras)
    fig, axes = plt.subplots(1, n, figsize=(3.4 * n, 3.8), gridspec_kw={"width_ratios": [1] * 4 + [1.4] + [1] * len(extras)})
    names = ["input gate i", "forget gate f", "candidate g = c̃", "output gate o"]
    variant = getattr(cell, "variant", None)
    for k, ax in enumerate(axes[:4]):
        lo, hi = (-1, 1) if k == 2 else (0, 1)
        im = ax.imshow(gates[:, k].T, aspect="auto", cmap="coolwarm" if k == 2 else "viridis",
                       vmin=lo, vmax=hi, origin="lower")
        ax.set_title(names[k] + (f" ({variant})" if variant and k == {"NIG": 0, "NFG": 1, "CIFG": 1, "NOG": 3,
                                                                        "NIAF": 2}.get(variant, -1) else ""))
        ax.set_xlabel("timestep t")
        ax.set_ylabel("unit")
        fig.colorbar(im, ax=ax, label="activation")
    ax = axes[4]
    for j in range(min(H, 8)):
        ax.plot(np.arange(len(c)), c[:, j], label=f"unit {j}")
    ax.set_title("cell state c_t (first units)")
    ax.set_xlabel("timestep t")
    ax.set_ylabel("c")
    ax.legend(fontsize=7, ncol=2)
    for ax, what in zip(axes[5:], extras):
        if what == "peephole":
            im = ax.imshow(cell.params["peephole_kernel"].astype(np.float64), aspect="auto", cmap="coolwarm")
            ax.set_yticks([0, 1, 2])
            ax.set_yticklabels(["c→i", "c→f", "c→o"])
            ax.set_xlabel("unit")
            ax.set_title("peephole weights")
        else:
            im = ax.imshow(h.T, aspect="auto", cmap="coolwarm", origin="lower")
            ax.set_xlabel("timestep t")
            ax.set_ylabel("projected unit")
            ax.set_title(f"h = (o ⊙ tanh c) W_hr ({h.shape[1]} units)")
        fig.colorbar(im, ax=ax)
    fig.suptitle(title or f"Inside {layer.name}: gates and cell state for one sequence")
    return _finish(fig, path, dpi=100, close=close)


def gradient_norms(norms, path=None, title="Gradient norm over time", xlabel="steps back from the loss",
                   close=False):
    """{label: [norm at 0 steps back, 1 step back, ...]} on a log scale."""
    return learning_curves(norms, path, title=title, ylabel="gradient norm", xlabel=xlabel, logy=True, close=close)
