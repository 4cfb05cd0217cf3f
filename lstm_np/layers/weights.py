"""What a layer does with its weights, mixed into ``Layer``: create them (``add_weight``, in
this project's form or Keras 3's), hand them out as Keras 3's Variables (``weights``,
``trainable_weights``, ``variables`` — with each random generator's state — and ``losses``),
read and write them in Keras order (``get_weights`` / ``set_weights``, every shape and value
checked before anything changes), and their per-weight regularizers and constraints.
"""
import numpy as np

from .. import constraints as constraints_mod
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod
from . import budget
from .checks import check_bool, finite_weight
from .variable import SeedState, Variable


class Weights:
    """Mixed into ``Layer`` (which gives ``params``, ``grads``, ``weight_entries``, ``sublayers``)."""

    # -- regularizers and constraints, by weight key -------------------------------------------
    def set_weight_options(self, **options):
        """``<key>_regularizer`` / ``<key>_constraint`` arguments (kernel, recurrent, bias,
        embeddings) -> ``self.regularizers`` / ``self.constraints`` by weight key."""
        for arg, value in options.items():
            key, kind = arg.rsplit("_", 1)
            key = "recurrent_kernel" if key == "recurrent" else key
            if kind == "regularizer":
                value = regularizers_mod.get(value)
                if value is not None:
                    self.regularizers[key] = value
            else:
                value = constraints_mod.get(value)
                if value is not None:
                    self.constraints[key] = value

    def regularized_entries(self, trainable=True):
        """(param, grad, regularizer) of every regularized trainable weight, inner layers' too."""
        trainable = trainable and self.trainable
        frozen = self.__dict__.get("_frozen_keys", ())
        own = [(self.params[k], self.grads[k], r) for k, r in self.regularizers.items()
               if k in self.params and trainable and k not in frozen]
        return own + [e for sub in self.sublayers() for e in sub.regularized_entries(trainable)]

    def constrained_entries(self):
        """(param, constraint) of every constrained weight, inner layers' too."""
        own = [(self.params[k], c) for k, c in self.constraints.items() if k in self.params]
        return own + [e for sub in self.sublayers() for e in sub.constrained_entries()]

    def _weight_options_config(self):
        """The constructor's <key>_regularizer / <key>_constraint arguments (those a build gave
        add_weight are the layer's own code, not arguments: Keras saves none of them)."""
        cfg = {}
        built = self.__dict__.get("_options_from_build", set())
        for key, reg in self.regularizers.items():
            if key not in built:
                cfg[f"{'recurrent' if key == 'recurrent_kernel' else key}_regularizer"] = regularizers_mod.serialize(reg)
        for key, con in self.constraints.items():
            if key not in built:
                cfg[f"{'recurrent' if key == 'recurrent_kernel' else key}_constraint"] = constraints_mod.serialize(con)
        if self.activity_regularizer is not None:
            cfg["activity_regularizer"] = regularizers_mod.serialize(self.activity_regularizer)
        return cfg

    # -- creating ---------------------------------------------------------------------------
    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, autocast=True, aggregation=None, overwrite_with_gradient=False):
        """Create a weight; two forms, returning its Variable:

            self.add_weight("kernel", (D, H), init)                         this project's (key first)
            self.add_weight(shape=(D, H), initializer="glorot_uniform",      Keras 3's
                            name="kernel", trainable=True, dtype=None, regularizer=None, constraint=None)

        ``autocast``, ``aggregation`` and ``overwrite_with_gradient`` are accepted for Keras code
        (one dtype per weight, one device here)."""
        if args and isinstance(args[0], str):
            key = args[0]
            shape = args[1] if len(args) > 1 else shape
            initializer = args[2] if len(args) > 2 else initializer
        else:
            if args:
                shape = args[0]
            if len(args) > 1:
                initializer = args[1]
            key = name if name is not None else f"variable_{len(self.params)}"
        shape = () if shape is None else tuple(int(d) for d in shape)
        if initializer is None or isinstance(initializer, (str, dict)):
            initializer = initializers_mod.get(initializer or "glorot_uniform")
        self._add_array(key, shape, initializer, self.dtype if dtype is None else np.dtype(dtype))
        if not check_bool(trainable, f"{self.name}.{key} trainable"):
            self.__dict__.setdefault("_frozen_keys", set()).add(key)
        if regularizer is not None:
            self.regularizers[key] = regularizers_mod.get(regularizer)
            self.__dict__.setdefault("_options_from_build", set()).add(key)
        if constraint is not None:
            self.constraints[key] = constraints_mod.get(constraint)
            self.__dict__.setdefault("_options_from_build", set()).add(key)
        return Variable(self, key, trainable and self.trainable)

    def _add_array(self, key, shape, initializer, dtype):
        n = 1
        for d in shape:
            n *= int(d)
        budget.charge(n * np.dtype(dtype).itemsize, f"for {self.name}.{key} {tuple(shape)}")
        value = np.array(initializer(tuple(shape), dtype, self.rng), dtype=dtype, order="C")
        if value.shape != tuple(shape):
            raise ValueError(f"initializer for {self.name}.{key} returned shape {value.shape}, "
                             f"expected {tuple(shape)}")
        self.params[key] = value
        self.grads[key] = np.zeros_like(value)

    # -- as Keras 3's variables (layers/variable.py) ----------------------------------------
    @property
    def weights(self):
        """Every weight as a Variable, in ``get_weights`` order (``layer.weights[0].numpy()``)."""
        trainable = {k: t for k, _, _, t in self.weight_entries()}
        return [Variable(self, k, trainable.get(k, self.trainable)) for k in self.weight_keys()]

    @property
    def trainable_weights(self):
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        return [v for v in self.weights if not v.trainable]

    trainable_variables = trainable_weights

    @property
    def variables(self):
        """Keras 3: the weights, then the state of each random generator (non-trainable)."""
        return self.weights + self.seed_states()

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights + self.seed_states()

    def seed_states(self):
        """One SeedState per layer (this one, and those it wraps) that draws random numbers:
        Keras 3 keeps a SeedGenerator's state as a non-trainable variable; here it is the
        state of the layer's np.random.Generator."""
        own = [SeedState(self)] if self.draws_random else []
        return own + [s for sub in self.sublayers() for s in sub.seed_states()]

    @property
    def losses(self):
        """Keras 3's ``layer.losses``: one scalar per regularized trainable weight (inner layers'
        included), the activity penalties of the last call and what it gave ``add_loss``."""
        weights = [float(reg(p)) for p, _, reg in self.regularized_entries()]
        added = [float(np.asarray(v)) for v in self.__dict__.get("_added_losses", [])]
        return weights + list(self.__dict__.get("_activity_losses", [])) + added

    def add_loss(self, loss):
        """Keras 3's ``add_loss`` inside ``call``: a scalar that training adds to the loss. Written
        with ``keras.ops`` in a call the tape runs, its gradient reaches the weights it depends
        on; a plain number is counted in the loss value only."""
        if type(loss).__name__ == "SymbolicTensor":
            raise TypeError(f"layer {self.name!r}: add_loss on a symbolic tensor (a layer made of layers, "
                            "traced into the model's graph) is not supported here; call add_loss in a layer "
                            "that computes with keras.ops on its inputs")
        if np.size(np.asarray(loss)) != 1:
            raise ValueError(f"add_loss expects a scalar, received shape {np.shape(np.asarray(loss))}")
        self.__dict__.setdefault("_added_losses", []).append(loss)

    # -- values in Keras order -----------------------------------------------------------------
    def get_weights(self):
        """Copies of the weights in Keras order."""
        return [self.params[k].copy() for k in self.weight_keys()]

    def set_weights(self, weights):
        """Load weights in Keras order; every shape is checked before anything changes."""
        keys = self.weight_keys()
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet: give it an input_shape "
                             "or call it on data before set_weights")
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"set_weights expects a list of arrays, received {type(weights).__name__}")
        if len(weights) != len(keys):
            raise ValueError(f"layer {self.name!r} expects {len(keys)} weight arrays "
                             f"({', '.join(keys)}), received {len(weights)}")
        new = []
        for k, w in zip(keys, weights):
            w = np.asarray(w)
            if w.shape != self.params[k].shape:
                raise ValueError(f"layer {self.name!r} weight {k!r} expects shape "
                                 f"{self.params[k].shape}, received {w.shape}")
            # each weight keeps its own dtype, and is finite in it
            new.append(finite_weight(w, self.params[k].dtype, f"layer {self.name!r} weight {k!r}"))
        for k, w in zip(keys, new):
            self.params[k][...] = w

    def count_params(self):
        return int(sum(p.size for p in self.params.values()))

    def count_trainable_params(self):
        return int(sum(p.size for _, p, _, t in self.weight_entries() if t))
