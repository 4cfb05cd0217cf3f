"""What a model holds and shows, beside training: its weights (in Keras order, checked before
any is set; as Variables), its summary table, and its files (save, save_weights, to_json).
``TrainingMixin`` (training.py) builds on it; both serve Model and Sequential."""
import json

import numpy as np

from ..layers.checks import finite_weight
from ..layers.core_layers import InputLayer
from ..version import __version__


class ModelStateMixin:
    # -- weights ------------------------------------------------------------------------------
    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self):
        return [w for layer in self.layers for w in layer.get_weights()]

    @property
    def weights(self):
        """The layers' Variables in ``get_weights`` order (``len(model.trainable_weights)``)."""
        return [v for layer in self.layers for v in layer.weights]

    def set_weights(self, weights):
        """Weights in Keras order; count and every shape are checked before anything changes."""
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"set_weights expects a list of arrays, received {type(weights).__name__}")
        current = self.get_weights()
        if len(weights) != len(current):
            raise ValueError(f"model {self.name!r} expects {len(current)} weight arrays, "
                             f"received {len(weights)}")
        checked = []
        for i, (w, now) in enumerate(zip(weights, current)):
            got = np.shape(w)
            if got != now.shape:
                raise ValueError(f"weight {i} of model {self.name!r} expects shape {now.shape}, received {got}")
            checked.append(finite_weight(w, now.dtype, f"weight {i} of model {self.name!r}"))
        i = 0
        try:
            for layer in self.layers:
                n = len(layer.get_weights())
                layer.set_weights(checked[i:i + n])
                i += n
        except BaseException:                    # a layer's own check refused: put back what was set
            i = 0
            for layer in self.layers:
                n = len(layer.get_weights())
                layer.set_weights(current[i:i + n])
                i += n
            raise

    def parameters(self, trainable_only=True):
        """(name, param, grad) for every parameter, as the optimizer and gradcheck see them."""
        return [(f"{layer.name}/{key}", p, g) for layer in self.layers
                for key, p, g, trainable in layer.weight_entries() if trainable or not trainable_only]

    # -- summary ------------------------------------------------------------------------------
    def _summary_rows(self, expand_nested=False, indent=""):
        """(name (type), output shape, params, connected to) per layer."""
        rows = []
        for layer in self._summary_layers():
            nodes = [n for n in self.graph.nodes if n.layer is layer]
            if isinstance(layer, InputLayer):
                shape, conn = layer.output.shape, "-"
            else:
                outs = nodes[0].outputs
                shape = outs[0].shape if not nodes[0].multi_output else [t.shape for t in outs]
                conn = ", ".join(f"{t.layer.name}[{t.layer._inbound_nodes.index(t.node)}][{t.index}]"
                                 for n in nodes for t in n.all_inputs)
            rows.append((f"{indent}{layer.name} ({type(layer).__name__})", str(shape),
                         f"{layer.count_params():,}", conn))
            if expand_nested and hasattr(layer, "_summary_rows"):
                rows += layer._summary_rows(True, indent + " └ ")
        return rows

    def _summary_layers(self):
        return self.graph.layers

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None, connected_to=True):
        """Print a Keras-style table: layer (type), output shape, param #, connected to; totals.
        ``expand_nested`` lists a nested model's layers under it, indented."""
        print_fn = print_fn or print
        rows = self._summary_rows(expand_nested)
        if not connected_to:
            rows = [r[:3] for r in rows]
        heads = ("Layer (type)", "Output Shape", "Param #", "Connected to")[:len(rows[0]) if rows else 3]
        widths = [max([len(h)] + [len(r[i]) for r in rows]) + 2 for i, h in enumerate(heads)]

        def line(cells):
            out = " "
            for i, (c, w) in enumerate(zip(cells, widths)):
                out += f"{c:>{w - 2}}  " if i == 2 else f"{c:<{w}}"
            return out.rstrip()

        width = sum(widths) + 1
        total = self.count_params()
        trainable = sum(l.count_trainable_params() for l in self.layers)
        lines = [f'Model: "{self.name}"', "_" * width, line(heads), "=" * width]
        for i, r in enumerate(rows):
            lines.append(line(r))
            lines.append("_" * width if i < len(rows) - 1 else "=" * width)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * width]
        for l in lines:
            print_fn(l)
        return "\n".join(lines)

    # -- persistence --------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True):
        """The weights alone: ``x.weights.h5`` in Keras 3's layout (h5py) or ``x.weights.npz``."""
        from .weights_io import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False):
        """Weights saved by ``save_weights`` here or by Keras 3, matched to ``model.layers`` by
        position (or by layer name); all are checked before any is set."""
        from .weights_io import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs):
        """The architecture (no weights) as JSON: ``models.model_from_json`` rebuilds it."""
        return json.dumps({"class_name": getattr(type(self), "_registered_name", type(self).__name__),
                           "config": self.get_config(), "lstm_np_version": __version__}, **kwargs)

    def save(self, path):
        """Write config, weights and optimizer state to one archive (see ``models.saving``)."""
        from .saving import save_model
        save_model(self, path)
