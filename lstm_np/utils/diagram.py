"""A model drawn as text (``plot_model``): one box per layer call, in run order, with the
calls each one reads from. No Graphviz needed; the same drawing goes to a .txt file, or into
a .png rendered with matplotlib."""


def model_diagram(model, show_shapes=True, show_layer_names=True, expand_nested=False, indent=""):
    """The lines of the diagram."""
    lines = []
    for node in model.graph.nodes if hasattr(model, "graph") else []:
        layer = node.layer
        label = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
        if show_shapes:
            shapes = [t.shape for t in node.outputs]
            label += f"  -> {shapes[0] if len(shapes) == 1 else shapes}"
        sources = ", ".join(t.layer.name for t in node.all_inputs)
        lines.append(f"{indent}[{label}]")
        lines.append(f"{indent}    <- {sources}")
        if expand_nested and hasattr(layer, "graph"):
            lines += model_diagram(layer, show_shapes, show_layer_names, True, indent + "    | ")
    if not indent:
        inputs = ", ".join(f"{t.layer.name} {t.shape}" for t in model.inputs)
        lines = [f"Model {model.name!r}: inputs {inputs}"] + lines
    return lines


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, **kwargs):
    """Write the model's diagram to ``to_file`` (.txt as text, .png rendered); returns the text."""
    text = "\n".join(model_diagram(model, show_shapes, show_layer_names, expand_nested))
    if str(to_file).endswith(".png"):
        from matplotlib.figure import Figure       # no pyplot: the backend stays the user's
        n = text.count("\n") + 1
        width = max(len(line) for line in text.splitlines())
        fig = Figure(figsize=(max(4.0, 0.09 * width), max(2.0, 0.22 * n)))
        fig.text(0.01, 0.99, text, family="monospace", fontsize=9, va="top")
        fig.savefig(to_file, dpi=min(int(dpi), 150))
    else:
        with open(to_file, "w") as f:
            f.write(text + "\n")
    return text
