"""from_keras_config: the lstm_np model a Keras 3 model's ``to_json()`` describes.

    model = interop.from_keras_config(keras_model.to_json())
    model.load_weights("weights_keras_saved.weights.h5")       # then the same predictions

Keras's layer configs carry our arguments under the same names; what differs is translated:
dtype policies become "float32"/"float64", initializer / regularizer / constraint objects
become ours, keys lstm_np has no use for (quantization, LoRA, sparse, …) are dropped, nested
layers (Bidirectional, TimeDistributed, RNN cells) are converted too. The graph is replayed
call by call from each layer's ``inbound_nodes``; the ``NotEqual`` op Keras records to pass
an Embedding's mask is left out — lstm_np's masks flow with the tensors by themselves.
"""
import inspect
import json

from .. import constraints, initializers, layers, regularizers

LAYERS = {name: getattr(layers, name) for name in (
    "InputLayer", "Dense", "Embedding", "LSTM", "GRU", "SimpleRNN", "RNN", "LSTMCell", "GRUCell", "SimpleRNNCell",
    "StackedRNNCells", "Bidirectional", "TimeDistributed", "Dropout", "Masking", "RepeatVector", "Activation",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot", "Attention",
    "AdditiveAttention", "Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D",
    "GlobalMaxPooling1D", "Flatten", "Reshape", "Permute", "LayerNormalization", "BatchNormalization",
    "SpatialDropout1D", "GaussianNoise", "ReLU", "LeakyReLU", "Softmax")}
MASK_OPS = ("NotEqual",)              # Keras's recorded mask computations: implicit here
_INIT_NAMES = dict(initializers.REGISTRY.classes)


def _accepted(cls):
    """Keyword arguments a class (and its bases) accepts."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= {p for p in inspect.signature(init).parameters if p not in ("self", "args", "kwargs")}
    return names


def _dtype(value):
    if isinstance(value, dict):                 # DTypePolicy
        value = value.get("config", {}).get("name")
    if value in ("mixed_float16", "mixed_bfloat16", "float16", "bfloat16"):
        return None
    return value


def _object(spec, module, table, what):
    """An initializer / regularizer / constraint from Keras's {"class_name", "config"}."""
    if spec is None or isinstance(spec, str):
        return spec
    name, config = spec["class_name"], dict(spec.get("config") or {})
    cls = table.get(name)
    if cls is None:
        raise ValueError(f"from_keras_config: no lstm_np {what} {name!r}")
    allowed = _accepted(cls)
    return cls(**{k: v for k, v in config.items() if k in allowed})


def convert_layer(spec):
    """One Keras layer spec -> a new lstm_np layer."""
    name = spec["class_name"]
    if name == "Functional" or name == "Model":
        return from_keras_config(spec)
    if name == "Sequential":
        return from_keras_config(spec)
    cls = LAYERS.get(name)
    if cls is None:
        raise ValueError(f"from_keras_config: layer class {name!r} has no lstm_np equivalent "
                         f"(supported: {sorted(LAYERS)})")
    config = dict(spec["config"])
    if "dtype" in config:
        config["dtype"] = _dtype(config["dtype"])
    for key in list(config):
        value = config[key]
        if key.endswith("_initializer"):
            config[key] = _object(value, initializers, _INIT_NAMES, "initializer")
        elif key.endswith("_regularizer"):
            config[key] = _object(value, regularizers, regularizers.REGISTRY.classes, "regularizer")
        elif key.endswith("_constraint"):
            config[key] = _object(value, constraints, constraints.REGISTRY.classes, "constraint")
    for key in ("layer", "backward_layer", "cell"):
        if isinstance(config.get(key), dict):
            config[key] = convert_layer(config[key])
    if isinstance(config.get("cells"), list):
        config["cells"] = [convert_layer(c) for c in config["cells"]]
    if name == "InputLayer":
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        return layers.InputLayer(batch_shape=shape, dtype=config.get("dtype"), name=config.get("name"))
    if name == "Bidirectional":
        config.pop("dtype", None)
    allowed = _accepted(cls)
    if cls in (layers.LSTM, layers.GRU, layers.SimpleRNN):
        allowed |= set(cls.cell_args)
    kwargs = {k: v for k, v in config.items() if k in allowed}
    if kwargs.get("seed") is not None and not isinstance(kwargs["seed"], int):
        kwargs.pop("seed")
    return cls(**kwargs)


def _tensor_ref(arg):
    if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
        return tuple(arg["config"]["keras_history"])
    return None


def from_keras_config(config):
    """The model (Sequential or functional) a Keras 3 ``to_json()`` / ``get_config()`` describes,
    with fresh weights (load Keras's weights with ``load_weights``)."""
    from ..models import Model, Sequential
    spec = json.loads(config) if isinstance(config, str) else config
    if "class_name" not in spec:
        raise ValueError("from_keras_config expects a Keras model's to_json() (a class_name and a config)")
    kind, cfg = spec["class_name"], spec["config"]
    if kind == "Sequential":
        converted = [convert_layer(l) for l in cfg["layers"]]
        return Sequential(converted, name=cfg.get("name"))
    if kind not in ("Functional", "Model"):
        raise ValueError(f"from_keras_config: a model of class {kind!r} is not a Sequential or functional model")
    replay = _GraphReplay(cfg["layers"])
    replay.run()
    ins, outs = replay.ends(cfg["input_layers"]), replay.ends(cfg["output_layers"])
    return Model(ins if len(ins) > 1 else ins[0], outs if len(outs) > 1 else outs[0], name=cfg.get("name"))


class _GraphReplay:
    """A Keras functional config replayed: every layer is made, then each of its calls (its
    ``inbound_nodes``) is made on the tensors the call names, as soon as they all exist. Keras's
    mask ops (MASK_OPS) are not layers here: the masks they compute flow implicitly."""

    CALL_ARGUMENTS = ("initial_state", "training", "return_attention_scores", "use_causal_mask", "mask")

    def __init__(self, layer_configs):
        self.op_names = {l["name"] for l in layer_configs if l["class_name"] in MASK_OPS}
        self.made = {l["name"]: convert_layer(l) for l in layer_configs if l["class_name"] not in MASK_OPS}
        self.outputs = {}                             # (layer name, node index) -> output tensor(s)
        self.pending = [(l["name"], k, node) for l in layer_configs if l["class_name"] not in MASK_OPS
                        for k, node in enumerate(l.get("inbound_nodes", []))]
        for l in layer_configs:
            if l["class_name"] == "InputLayer":
                self.outputs[(l["name"], 0)] = self.made[l["name"]].output

    def value(self, ref):
        name, node, index = ref
        out = self.outputs[(name, node)]
        return out[index] if isinstance(out, list) else out

    def resolve(self, arg):
        ref = _tensor_ref(arg)
        if ref is not None:
            return self.value(ref)
        if isinstance(arg, list):
            return [self.resolve(a) for a in arg]
        return arg

    def ready(self, arg):
        ref = _tensor_ref(arg)
        if ref is not None:
            return (ref[0], ref[1]) in self.outputs
        return all(self.ready(a) for a in arg) if isinstance(arg, list) else True

    def call_kwargs(self, node):
        """The call's keyword arguments lstm_np takes; a mask Keras computed is dropped."""
        kwargs = {key: v for key, v in (node.get("kwargs") or {}).items() if key in self.CALL_ARGUMENTS}
        mask = kwargs.get("mask")
        refs = [_tensor_ref(m) for m in (mask if isinstance(mask, list) else [mask])] if mask is not None else []
        if mask is None or any(r is not None and r[0] in self.op_names for r in refs):
            kwargs.pop("mask", None)                  # Keras's own mask computation: implicit here
        return kwargs

    def run(self):
        while self.pending:
            progress = False
            for item in list(self.pending):
                name, k, node = item
                args, kwargs = node.get("args", []), self.call_kwargs(node)
                if not (self.ready(args) and self.ready(list(kwargs.values()))):
                    continue
                inputs = self.resolve(args[0]) if len(args) == 1 else [self.resolve(a) for a in args]
                self.outputs[(name, k)] = self.made[name](inputs, **{key: self.resolve(v) for key, v in kwargs.items()})
                self.pending.remove(item)
                progress = True
            if not progress:
                raise ValueError("from_keras_config: the graph's calls cannot be ordered (an op lstm_np "
                                 f"does not know?): {[p[0] for p in self.pending]}")

    def ends(self, refs):
        refs = refs if refs and isinstance(refs[0], list) else [refs]
        return [self.value(tuple(r)) for r in refs]
