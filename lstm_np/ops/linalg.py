"""Products: ``matmul``, ``dot``, ``einsum``, ``tensordot``, ``outer`` — forward beside VJP.

    Y = A B             ∂A = Ḡ Bᵀ,   ∂B = Aᵀ Ḡ        (batched over leading axes, summed back
                                                       where one side was broadcast)
    einsum("ij,jk->ik") ∂A = einsum("ik,jk->ij", Ḡ, B): the output's subscripts swap places
                        with the operand's — one rule for every contraction.
"""
import numpy as np

from .tape import record, unbroadcast, value


def matmul(x1, x2):
    a, b = np.asarray(value(x1)), np.asarray(value(x2))
    y = np.matmul(a, b)

    def vjp(g):
        A = a[None, :] if a.ndim == 1 else a                  # (1, k): a row
        B = b[:, None] if b.ndim == 1 else b                  # (k, 1): a column
        G = g
        if a.ndim == 1:
            G = np.expand_dims(G, -2)
        if b.ndim == 1:
            G = np.expand_dims(G, -1)
        dA = np.matmul(G, np.swapaxes(B, -1, -2))             # Ḡ Bᵀ
        dB = np.matmul(np.swapaxes(A, -1, -2), G)             # Aᵀ Ḡ
        dA = unbroadcast(dA, A.shape).reshape(a.shape)
        dB = unbroadcast(dB, B.shape).reshape(b.shape)
        return [dA, dB]
    return record(y, [x1, x2], vjp, "matmul")


def dot(x1, x2):
    """NumPy's dot: a scalar product, a matrix product, or a contraction of a's last axis with
    b's second-to-last."""
    a, b = np.asarray(value(x1)), np.asarray(value(x2))
    if a.ndim == 0 or b.ndim == 0:
        from .elementwise import multiply
        return multiply(x1, x2)
    if b.ndim <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([a.ndim - 1], [b.ndim - 2]))


def tensordot(x1, x2, axes=2):
    a, b = np.asarray(value(x1)), np.asarray(value(x2))
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                      [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [s for k, s in enumerate(sa) if k not in ax_a] + [s for k, s in enumerate(sb) if k not in ax_b]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", x1, x2)


def outer(x1, x2):
    return einsum("i,j->ij", _ravel(x1), _ravel(x2))


def _ravel(x):
    from .shapes import reshape
    return reshape(x, (-1,))


def _explicit(subscripts):
    """"ij,jk" -> "ij,jk->ik": the implicit output is the letters used once, sorted."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        return subscripts
    letters = subscripts.replace(",", "")
    return subscripts + "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))


def einsum(subscripts, *operands):
    arrays = [np.asarray(value(x)) for x in operands]
    spec = _explicit(subscripts)
    y = np.einsum(spec, *arrays)
    ins, out = spec.split("->")
    ins = ins.split(",")

    def vjp(g):
        grads = []
        for i, s in enumerate(ins):
            if "." in s or len(set(s)) != len(s):
                raise NotImplementedError(f"ops.einsum({subscripts!r}): the tape differentiates "
                                          "subscripts without '...' or a repeated letter in one operand")
            others = [(ins[j], arrays[j]) for j in range(len(ins)) if j != i]
            seen = set(out) | {c for sj, _ in others for c in sj}
            reach = "".join(c for c in s if c in seen)          # axes the rest still names
            d = np.einsum(",".join([out] + [sj for sj, _ in others]) + "->" + reach, g, *[a for _, a in others])
            for k, c in enumerate(s):                           # an axis summed by this operand alone:
                if c not in seen:                                #   ḡ is the same along it
                    d = np.expand_dims(d, k)
            grads.append(np.broadcast_to(d, arrays[i].shape))
        return grads
    return record(y, list(operands), vjp, "einsum")


__all__ = [n for n, f in list(globals().items())
           if not n.startswith("_") and callable(f) and getattr(f, "__module__", None) == __name__]
