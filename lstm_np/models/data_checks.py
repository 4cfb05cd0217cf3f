"""fit / evaluate / predict / train_on_batch check their data here, once, before anything
changes: ``standardize(x, y, who, sample_weight, class_weight) -> (xs, ys, sws)``, lists of
checked arrays, one per model input / output. The batches the trainer cuts from them are
not checked again (a layer's own call checks only the shapes)."""
import numpy as np

from ..layers.checks import as_float_array, check_token_ids
from . import trainer


class DataChecks:
    """Mixed into ``TrainingMixin``: a model with a ``graph``, ``output_names`` and
    ``losses_per_output`` checks its inputs, targets and sample weights."""

    def _consumers(self, tensor):
        return [n.layer for n in self.graph.nodes if any(t is tensor for t in n.input_tensors)]

    def _check_input(self, x, tensor, who):
        consumers = self._consumers(tensor)
        readers = [l for l in consumers if l.token_vocabulary() is not None]      # Embedding
        layer = tensor.layer                                                       # its InputLayer
        name = f"input {layer.name!r}" if len(self.graph.inputs) > 1 else "x"
        if layer.dtype.kind == "b" and not readers:             # a boolean input: a mask (Keras's frame masks)
            try:
                arr = np.asarray(x)
            except Exception as exc:
                raise TypeError(f"{who} expects {name} as a boolean array: {exc}") from None
            if arr.dtype != bool and not (arr.dtype.kind in "iu" and np.isin(arr, (0, 1)).all()):
                raise TypeError(f"{who} expects {name} as booleans (a mask), received dtype {arr.dtype}")
            arr = arr.astype(bool)
        elif readers or layer.dtype.kind in "iub":
            vocab = min([l.token_vocabulary() for l in readers], default=np.iinfo(np.int64).max)
            what = f"{type(readers[0]).__name__} {readers[0].name!r}" if readers else name
            arr = check_token_ids(x, vocab, f"{who}: {what}")
        else:
            dtype = layer.dtype if getattr(layer, "dtype_given", False) else \
                max([l.dtype for l in consumers if l.dtype.kind == "f"], default=layer.dtype,
                    key=lambda d: d.itemsize)
            arr = as_float_array(x, dtype, who)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{who}: {name} contains NaN or inf ({int(np.sum(~np.isfinite(arr)))} values)")
        want = tensor.shape
        if arr.ndim != len(want):
            raise ValueError(f"{who} expects {name} of rank {len(want)}, shape {want}, received shape {arr.shape}")
        for got, exp in zip(arr.shape[1:], want[1:]):
            if exp is not None and got != exp:
                raise ValueError(f"{who} expects {name} of shape {want}, received {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError(f"{who} expects a non-empty batch, received shape {arr.shape}")
        return arr

    def _check_target(self, y, k, n, who):
        name = "y" if len(self.graph.outputs) == 1 else f"target {self.output_names[k]!r}"
        try:
            arr = np.asarray(y)
        except Exception as exc:
            raise TypeError(f"{who} expects {name} as a numeric array: {exc}") from None
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{who} expects {name} as a numeric array, received dtype {arr.dtype}")
        if arr.ndim == 0 or arr.shape[0] != n:
            raise ValueError(f"{who}: x and {name} must have the same number of samples, received "
                             f"x with {n} and {name} with shape {arr.shape}")
        if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
            raise ValueError(f"{who}: {name} contains NaN or inf")
        loss = self.losses_per_output[k]
        if loss is None:
            return arr
        out = self.graph.outputs[k].shape
        sparse = loss.name == "sparse_categorical_crossentropy"
        known = [(arr.shape[i] if i < arr.ndim else None) if d is None else d for i, d in enumerate(out)]
        known[0] = n
        if not sparse and known[-1] == 1 and arr.shape == tuple(known[:-1]):
            arr = arr[..., None]              # Keras accepts labels (N,) for an output (N, 1)
        loss.check_target_shape(arr.shape, tuple(known))
        if sparse and arr.size:
            c = known[-1]
            if arr.min() < 0 or arr.max() >= c or np.any(arr != np.round(arr)):
                raise ValueError(f"{who}: sparse targets must be class ids in [0, {c - 1}], "
                                 f"received values from {arr.min()} to {arr.max()}")
        return arr

    def standardize(self, x, y, who, sample_weight=None, class_weight=None):
        """Inputs, targets and sample weights as lists of checked arrays (one per model input /
        output; a sample-weight entry is None where none was given)."""
        if x is None:
            raise ValueError(f"{who} needs x")
        xs = [self._check_input(a, t, who) for a, t in zip(self._as_input_list(x, who), self.graph.inputs)]
        n = trainer.n_samples(xs, who)
        if y is None:
            return xs, [], []
        ys = self._targets(y, n, who)
        return xs, ys, self._sample_weights(sample_weight, class_weight, ys, n, who)

    def _sample_weights(self, sample_weight, class_weight, ys, n, who):
        """Keras's rules: one array for all outputs or one per output (list/dict); class_weight
        ({class: weight}, one output only) becomes per-sample weights; not both."""
        names = self.output_names
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(f"{who}: You cannot `class_weight` and `sample_weight` at the same time.")
            if len(names) > 1:
                raise ValueError(f"{who}: `class_weight` is only supported for Models with a single output.")
            if not isinstance(class_weight, dict):
                raise TypeError(f"{who}: class_weight must be a dict {{class id: weight}}, "
                                f"received {type(class_weight).__name__}")
            y = np.asarray(ys[0])
            if y.ndim > 2:
                raise ValueError(f"{who}: class_weight needs targets of rank <= 2, received shape {y.shape}")
            cls = np.argmax(y, -1) if y.ndim == 2 and y.shape[-1] != 1 else y.reshape(len(y), -1)[:, 0]
            cls = np.round(cls).astype(np.int64)
            return [np.array([float(class_weight.get(int(c), 1.0)) for c in cls], np.float64)]
        if sample_weight is None:
            return [None] * len(names)
        if isinstance(sample_weight, dict):
            sws = [sample_weight.get(k) for k in names]
        elif isinstance(sample_weight, (list, tuple)) and len(names) > 1:
            if len(sample_weight) != len(names):
                raise ValueError(f"{who}: You should provide one `sample_weight` array per output "
                                 f"({len(names)}), received {len(sample_weight)}")
            sws = list(sample_weight)
        else:
            sws = [sample_weight] * len(names)
        out = []
        for k, sw in enumerate(sws):
            if sw is None:
                out.append(None)
                continue
            w = np.asarray(sw, np.float64)
            if w.ndim == 0 or w.shape[0] != n:
                raise ValueError(f"{who}: sample_weight must have one row per sample ({n}), "
                                 f"received shape {w.shape}")
            if not np.all(np.isfinite(w)):
                raise ValueError(f"{who}: sample_weight contains NaN or inf")
            out.append(w)
        return out

    def _targets(self, y, n, who):
        names = self.output_names
        if isinstance(y, dict):
            missing = [k for k in names if k not in y and self.losses_per_output[names.index(k)] is not None]
            if missing:
                raise ValueError(f"{who}: targets missing for outputs {missing}")
            ys = [y.get(k) for k in names]
        elif len(names) > 1:
            if not isinstance(y, (list, tuple)) or len(y) != len(names):
                raise ValueError(f"{who}: the model has {len(names)} outputs {names}; pass a list or a dict "
                                 "of as many target arrays")
            ys = list(y)
        else:
            ys = [y]
        return [None if a is None else self._check_target(a, k, n, who) for k, a in enumerate(ys)]
