"""Pictures that teach: learning curves, attention heatmaps (matplotlib, Agg backend).

Every function draws on a new figure, saves it when ``path`` is given, and returns the
figure. Each plot has a title, labelled axes and, where several lines share it, a legend.
"""
import numpy as np


def _plt():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def moving_average(values, window):
    """Trailing mean over ``window`` points (shorter at the start)."""
    v = np.asarray(values, dtype=float)
    c = np.cumsum(np.insert(v, 0, 0.0))
    n = np.minimum(np.arange(1, len(v) + 1), window)
    return (c[1:] - c[np.arange(1, len(v) + 1) - n]) / n


def learning_curves(curves, path=None, title="Learning curves", ylabel="loss", xlabel="epoch",
                    smooth=None, logy=False):
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
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=110)
    return fig


def attention_heatmap(weights, source_tokens, output_tokens, path=None, title="Attention weights"):
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
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=110)
    return fig


def bar_chart(values, path=None, title="", xlabel="", ylabel="", legend_label=None, xlim=None):
    """{label: value} as horizontal bars, each value written at the end of its bar."""
    plt = _plt()
    labels = list(values)
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(labels) + 1.6))
    y = np.arange(len(labels))[::-1]
    bars = ax.barh(y, [values[k] for k in labels], color=[f"C{i}" for i in range(len(labels))],
                   label=legend_label)
    for b, k in zip(bars, labels):
        ax.annotate(f" {values[k]:.3f}", (b.get_width(), b.get_y() + b.get_height() / 2), va="center")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    if xlim:
        ax.set_xlim(*xlim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend_label:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=110)
    return fig
