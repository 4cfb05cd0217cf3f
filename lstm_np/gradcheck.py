"""Finite-difference gradient checks for any layer or model.

Steps: for a layer, 3-point differences with ε = 1e-5 (round-off grows as |L|/ε, the
truncation error as ε²; these balance in float64 at the sizes tests use). For a whole model,
5-point differences with ε = 1e-3: the gradients deep in a graph are small next to L, so
round-off needs the larger step, and the O(ε⁴) rule keeps it accurate (the issue's 1e-7).

For a layer (or model) with output y = F(x; θ) and a random upstream gradient G
(never all ones: a symmetric G hides transposition bugs), the scalar

    L(θ, x) = Σ G ⊙ F(x; θ)

has dL/dθ = what ``backward(G)`` puts in ``grads`` and dL/dx = what it returns.
Each is compared with central differences in float64:

    dL/dθ_k ≈ (L(θ + ε e_k) - L(θ - ε e_k)) / 2ε          at random entries k
    <dL/dθ, v> ≈ (L(θ + ε v) - L(θ - ε v)) / 2ε           along a random direction v

The error of one comparison is |a - n| / max(|a| + |n|, floor), with
floor = max(1e-7, 1e-3 · max|dL/dθ|): entries far below the gradient's own scale are
judged against that scale, so finite-difference noise on near-zero entries (a
vanished gradient at t = 0, say) does not read as a bug. The result maps each parameter name (and "x" for the input, "initial_state/i"
for given initial states) to its largest error. Dropout masks are held fixed by
restoring every layer's random generator before each evaluation.

    >>> from lstm_np import gradcheck, layers, set_floatx
    >>> errs = gradcheck.check_layer(layers.LSTM(3, dtype="float64"), x)   # x float64 (B, T, D)
    >>> max(errs.values()) < 1e-6
"""
import numpy as np

FLOOR = 1e-7


def _rel_err(a, n, floor=FLOOR):
    a, n = np.asarray(a, np.float64), np.asarray(n, np.float64)
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor), initial=0.0))


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]



def _named_params(obj):
    if hasattr(obj, "parameters"):
        return [(n, p, g) for n, p, g in obj.parameters()]
    return [(k, p, g) for k, p, g, trainable in obj.weight_entries() if trainable]


def _derivative(f, set_at, eps, points):
    """d f / d t at t = 0, where set_at(t) moves the input to t: central differences,
    3 points (error O(ε²)) or 5 points (error O(ε⁴), for whole models)."""
    set_at(eps)
    lp = f()
    set_at(-eps)
    lm = f()
    if points == 3:
        set_at(0.0)
        return (lp - lm) / (2 * eps)
    set_at(2 * eps)
    lpp = f()
    set_at(-2 * eps)
    lmm = f()
    set_at(0.0)
    return (8 * (lp - lm) - (lpp - lmm)) / (12 * eps)


def _check_array(f, arr, analytic, rng, eps, n_entries, points=3):
    """Entry-wise at random indices, plus one random direction. arr is perturbed in place."""
    errs = []
    an = np.asarray(analytic, np.float64)
    if an.shape != arr.shape:
        raise ValueError(f"analytic gradient has shape {an.shape}, expected {arr.shape}")
    floor = max(FLOOR, 1e-3 * float(np.max(np.abs(an), initial=0.0)))
    for k in rng.choice(arr.size, size=min(n_entries, arr.size), replace=False):
        i = np.unravel_index(k, arr.shape)
        old = arr[i]

        def set_at(t, i=i, old=old):
            arr[i] = old + t
        errs.append(_rel_err(an[i], _derivative(f, set_at, eps, points), floor))
    v = rng.standard_normal(arr.shape)
    v /= np.linalg.norm(v)
    old = arr.copy()

    def set_along(t):
        arr[...] = old + t * v
    errs.append(_rel_err(np.sum(an * v), _derivative(f, set_along, eps, points)))
    arr[...] = old
    return max(errs)


def _check(obj, run, backward, x, extra_inputs, seed, eps, n_entries, check_input, points=3):
    rng = np.random.default_rng(seed)
    gens = obj.random_generators()          # restored before every evaluation: fixed dropout
    states = [g.bit_generator.state for g in gens]

    def restore():
        for g, s in zip(gens, states):
            g.bit_generator.state = s

    restore()
    outs = _as_list(run())
    G = [rng.standard_normal(np.shape(o)) for o in outs]

    def L():
        restore()
        return float(sum(np.sum(g * o) for g, o in zip(G, _as_list(run()))))

    restore()
    L()                                   # re-run so the caches match the fixed masks
    dx, extra_grads = backward(G if len(G) > 1 else G[0])
    params = _named_params(obj)
    analytic = {name: g.copy() for name, _, g in params}
    results = {}
    for name, p, _ in params:
        if p.dtype != np.float64:
            raise ValueError(f"gradcheck needs float64 parameters, {name} is {p.dtype}: "
                             "use set_floatx('float64') or dtype='float64'")
        results[name] = _check_array(L, p, analytic[name], rng, eps, n_entries, points)
    if check_input:
        inputs = x if isinstance(x, list) else [x]
        dxs = dx if isinstance(x, list) else [dx]
        for i, (arr, d) in enumerate(zip(inputs, dxs)):
            if isinstance(arr, np.ndarray) and np.issubdtype(arr.dtype, np.floating) and d is not None:
                results["x" if len(inputs) == 1 else f"x/{i}"] = _check_array(L, arr, d, rng, eps, n_entries,
                                                                              points)
    for i, (arr, grad) in enumerate(zip(extra_inputs, extra_grads or [])):
        results[f"initial_state/{i}"] = _check_array(L, arr, grad, rng, eps, n_entries, points)
    restore()
    return results


def check_layer(layer, x, training=False, mask=None, initial_state=None, seed=0, eps=1e-5,
                n_entries=20, check_input=True, points=3):
    """Check every parameter gradient of ``layer`` (and d/dx, d/d initial_state) at input x.

    Returns {name: max relative error}; ``report(errors)`` prints them as a table. x is taken in
    float64 (integer ids for Embedding). A float32 layer is checked on a float64 twin with the
    same weights (differences in float32 would be noise; the layer itself is untouched).
    ``points=5`` uses five-point differences (error O(ε⁴); take ε ≈ 1e-3) where three-point
    truncation error would reach ~1e-7.
    """
    layer = _in_float64(layer)
    x = np.array(x, dtype=np.float64) if np.issubdtype(np.asarray(x).dtype, np.floating) else np.asarray(x)
    states = None
    if initial_state is not None:
        states = [np.array(s, dtype=np.float64) for s in _as_list(initial_state)]

    def run():
        return layer.forward(x, training=training, mask=mask, initial_state=states)

    def backward(G):
        dx = layer.backward(G)
        return dx, getattr(layer, "initial_state_grads", None)

    return _check(layer, run, backward, x, states or [], seed, eps, n_entries, check_input, points)


def _in_float64(layer):
    """``layer`` when it computes in float64, else a float64 twin (its config with
    dtype="float64", and its weights once built)."""
    if np.dtype(layer.dtype) == np.float64 and all(p.dtype == np.float64 for p in layer.params.values()):
        return layer
    cfg = layer.get_config()
    cfg["dtype"] = "float64"
    twin = type(layer).from_config(cfg)
    if layer.built:
        twin.build(layer.input_shape)
        twin.set_weights(layer.get_weights())
    return twin


def check_model(model, x, y=None, training=False, seed=0, eps=1e-3, n_entries=20, check_input=True):
    """Check a model's gradients (Sequential or functional, one or many inputs and outputs):
    of Σ G ⊙ outputs, or of its compiled loss (Σ_k w_k loss_k) when targets y are given.

    Five-point central differences with a larger step than for one layer: deep in a model the
    gradients are small next to L, so round-off (≈ 1e-16·|L|/ε) needs a large ε, and the
    five-point rule's O(ε⁴) truncation keeps a large ε accurate (≈ 1e-9 relative here).
    """
    as64 = lambda a: np.array(a, dtype=np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating) \
        else np.asarray(a)
    many = isinstance(x, (list, tuple))
    xs = [as64(a) for a in x] if many else [as64(x)]
    arg = xs if many else xs[0]
    if y is None:
        def run():
            return model.forward(arg, training=training)

        def backward(G):
            # Σ G ⊙ outputs leaves activity penalties out: so does the backward checked.
            return model.backward(G, activity_scale=0.0), None
    else:
        ys = [np.asarray(a) for a in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]
        last = {}

        def run():
            out = model.forward(arg, training=training)
            last["outs"] = outs = out if isinstance(out, list) else [out]
            return np.array(model._losses(ys, outs, with_grads=False)[0] + model.last_activity_loss
                            + model.regularization_loss())

        def backward(G):
            grads = model._losses(ys, last["outs"], with_grads=True)[2]   # the forward just run
            grads = [None if g is None else g * float(G) for g in grads]
            dx = model.backward(grads if len(grads) > 1 else grads[0], activity_scale=float(G))
            for p, g, reg in model.regularized_entries():       # the weight penalties' gradients
                g += reg.gradient(p) * float(G)
            return dx, None
    floats = [a for a in xs if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)]
    return _check(model, run, backward, xs if many else xs[0], [], seed, eps, n_entries,
                  check_input and bool(floats), points=5)


def check_seq2seq(model, src, tgt, teacher_forcing=1.0, training=False, seed=0, eps=1e-4, n_entries=12):
    """Check every gradient of a Seq2Seq's loss (embeddings, encoder, bridge, decoder,
    attention, output) at one batch. Teacher-forcing coins and dropout masks are held
    fixed; a fed-back prediction is a constant, as in every framework."""
    src, tgt = np.asarray(src), np.asarray(tgt)

    def run():
        return np.array(model.forward_loss(src, tgt, teacher_forcing, training)[0])

    def backward(G):
        model.backward_loss(scale=float(G))
        return None, None
    return _check(model, run, backward, src, [], seed, eps, n_entries, False)


def check_function(fn, *args, argnums=None, seed=0, eps=1e-5, n_entries=20):
    """Check the tape's gradient of a function written with ``lstm_np.ops``: L = Σ G ⊙ fn(args)
    with a random G, the tape's dL/d args against central differences (float64 arguments).
    ``argnums``: which arguments to check (default: every float array). Returns {"arg i": error}.

        >>> gradcheck.check_function(lambda x, w: ops.tanh(ops.matmul(x, w)), x, w)
    """
    from .ops.tape import Tape, value
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    nums = argnums if argnums is not None else [i for i, a in enumerate(arrays)
                                                 if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    for i in nums:
        if arrays[i].dtype != np.float64:
            raise ValueError(f"check_function needs float64 arguments, argument {i} is {arrays[i].dtype}")
    G = rng.standard_normal(np.shape(value(fn(*arrays))))

    def L():
        return float(np.sum(G * np.asarray(value(fn(*arrays)), np.float64)))

    with Tape() as tape:
        leaves = {i: tape.leaf(arrays[i]) for i in nums}
        y = fn(*[leaves.get(i, a) for i, a in enumerate(arrays)])
    grads = tape.gradient([y], [G], [leaves[i] for i in nums])
    results = {}
    for i, g in zip(nums, grads):
        g = np.zeros_like(arrays[i]) if g is None else g
        results[f"arg {i}"] = _check_array(L, arrays[i], g, rng, eps, n_entries)
    return results


def gradcheck(obj, x, **kwargs):
    """Dispatch to ``check_model`` (anything with ``layers``) or ``check_layer``."""
    if hasattr(obj, "graph") or isinstance(getattr(obj, "layers", None), list):
        return check_model(obj, x, **kwargs)
    return check_layer(obj, x, **kwargs)


def report(results, tol=1e-6, print_fn=print):
    """Print a table of relative errors; returns True when all are below ``tol``."""
    width = max([len("parameter")] + [len(k) for k in results])
    print_fn(f"{'parameter':<{width}}  rel. error  ok")
    ok = True
    for k, v in results.items():
        good = v < tol
        ok &= good
        print_fn(f"{k:<{width}}  {v:10.2e}  {'yes' if good else 'NO'}")
    return ok
