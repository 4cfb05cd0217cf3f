"""The LSTM recurrence and its backpropagation through time, in plain NumPy.

This file is the textbook: read it top to bottom. Shapes use
B = batch, T = timesteps, D = input features, H = units.

Weights follow Keras's layout and gate order i, f, c, o::

    kernel            W  (D, 4H)
    recurrent_kernel  U  (H, 4H)
    bias              b  (4H,)

One timestep (σ = recurrent_activation, default sigmoid; φ = activation, default tanh)::

    z_t  = x_t W + h_{t-1} U + b              (B, 4H)
    i_t  = σ(z_t[:, 0H:1H])                   input gate
    f_t  = σ(z_t[:, 1H:2H])                   forget gate
    g_t  = φ(z_t[:, 2H:3H])                   candidate cell  (Keras calls it c̃)
    o_t  = σ(z_t[:, 3H:4H])                   output gate
    c_t  = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t  = o_t ⊙ φ(c_t)

Backward through one step, given dh_t and dc_t arriving from the future and the loss::

    do   = dh_t ⊙ φ(c_t)
    dc   = dc_t + dh_t ⊙ o_t ⊙ φ'(c_t)
    di   = dc ⊙ g_t        df = dc ⊙ c_{t-1}        dg = dc ⊙ i_t
    dz   = [di σ'(i), df σ'(f), dg φ'(g), do σ'(o)]            (B, 4H)
    dh_{t-1} = dz Uᵀ       dc_{t-1} = dc ⊙ f_t

and, once every dz_t is known, the weight gradients are single matrix products over
all timesteps: dW = Σ_t x_tᵀ dz_t,  dU = Σ_t h_{t-1}ᵀ dz_t,  db = Σ_t Σ_batch dz_t.

Masks (B, T) of booleans: at a masked step the state is carried unchanged,
h_t = h_{t-1}, c_t = c_{t-1}, and the output is that carried h (Keras 3), or zeros when
``zero_output_for_mask`` (what Keras's Bidirectional asks of its layers).

Recurrent dropout (Keras semantics): one mask r (B, H), drawn per sequence, multiplies
h_{t-1} before it meets U:  z_t = x_t W + (h_{t-1} ⊙ r) U + b.
"""
import numpy as np

from . import activations as A
from .masking import carry, split


def split_gates(z):
    """(…, 4H) -> four (…, H) views in gate order i, f, c(g), o."""
    H = z.shape[-1] // 4
    return z[..., :H], z[..., H:2 * H], z[..., 2 * H:3 * H], z[..., 3 * H:]


# ---------------------------------------------------------------------------------------
# One cell step on a pre-projected input. The sequence loop below is made of these.
# ---------------------------------------------------------------------------------------
def lstm_cell_forward(xz_t, h_prev, c_prev, recurrent_kernel,
                      activation="tanh", recurrent_activation="sigmoid"):
    """One step given the input projection xz_t = x_t W + b.

    xz_t (B, 4H), h_prev (B, H), c_prev (B, H), recurrent_kernel (H, 4H).
    Returns h_t (B, H), c_t (B, H), gates (B, 4H) = [i, f, g, o] activated, tc = φ(c_t) (B, H).
    """
    act, _ = A.get_elementwise(activation)
    ract, _ = A.get_elementwise(recurrent_activation)
    z = xz_t + h_prev @ recurrent_kernel                      # (B, 4H)
    zi, zf, zg, zo = split_gates(z)
    i, f, o = ract(zi), ract(zf), ract(zo)                    # (B, H) each
    g = act(zg)                                               # (B, H)
    c = f * c_prev + i * g                                    # (B, H)
    tc = act(c)                                               # (B, H)
    h = o * tc                                                # (B, H)
    gates = np.concatenate([i, f, g, o], axis=-1)             # (B, 4H)
    return h, c, gates, tc


def lstm_cell_backward(dh, dc_next, gates, tc, c_prev,
                       activation="tanh", recurrent_activation="sigmoid"):
    """Backward of one step up to the pre-activations.

    dh (B, H) total gradient reaching h_t; dc_next (B, H) gradient reaching c_t from t+1.
    Returns dz (B, 4H) and dc_prev (B, H). (dh_prev = dz Uᵀ is left to the caller.)
    """
    _, dact = A.get_elementwise(activation)
    _, dract = A.get_elementwise(recurrent_activation)
    i, f, g, o = split_gates(gates)
    do = dh * tc                                              # (B, H)
    dc = dc_next + dh * o * dact(tc)                          # (B, H)
    di = dc * g
    df = dc * c_prev
    dg = dc * i
    dz = np.concatenate([di * dract(i), df * dract(f), dg * dact(g), do * dract(o)], axis=-1)
    dc_prev = dc * f                                          # (B, H)
    return dz, dc_prev


# ---------------------------------------------------------------------------------------
# A single step with explicit (h, c), differentiable on its own (the seq2seq decoder).
# ---------------------------------------------------------------------------------------
def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias,
                      activation="tanh", recurrent_activation="sigmoid"):
    """z = x_t W + h_prev U + b, then the gates. Returns h (B, H), c (B, H), cache."""
    xz = x_t @ kernel + bias                                  # (B, 4H)
    h, c, gates, tc = lstm_cell_forward(xz, h_prev, c_prev, recurrent_kernel,
                                        activation, recurrent_activation)
    cache = (x_t, h_prev, c_prev, kernel, recurrent_kernel, gates, tc,
             activation, recurrent_activation)
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Backward of ``lstm_step_forward``.

    Returns dx_t (B, D), dh_prev (B, H), dc_prev (B, H), dkernel, drecurrent_kernel, dbias.
    """
    x_t, h_prev, c_prev, kernel, recurrent_kernel, gates, tc, act, ract = cache
    dz, dc_prev = lstm_cell_backward(dh, dc, gates, tc, c_prev, act, ract)
    dx = dz @ kernel.T                                        # (B, D)
    dh_prev = dz @ recurrent_kernel.T                         # (B, H)
    return dx, dh_prev, dc_prev, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


# ---------------------------------------------------------------------------------------
# The whole sequence.
# ---------------------------------------------------------------------------------------
def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias, mask=None,
                 activation="tanh", recurrent_activation="sigmoid", recurrent_mask=None,
                 zero_output_for_mask=False, workspace=None):
    """Run the LSTM over x (B, T, D) from state (h0, c0), each (B, H).

    mask: optional (B, T) bool, True where the step is valid.
    recurrent_mask: optional (B, H) recurrent-dropout multiplier.
    zero_output_for_mask: outputs at masked steps are zeros instead of the carried h.
    workspace: accepted for the kernels' signature; the reference allocates afresh.
    Returns y (B, T, H) the outputs, h_T (B, H), c_T (B, H), and the cache for backward.
    """
    B, T, D = x.shape
    H = recurrent_kernel.shape[0]
    # One GEMM for the input projection of every timestep, bias folded in.
    xz = (x.reshape(B * T, D) @ kernel + bias).reshape(B, T, 4 * H)   # (B, T, 4H)

    hs = np.empty((B, T, H), dtype=x.dtype)         # h_t after each step
    h_in = np.empty((B, T, H), dtype=x.dtype)       # h_{t-1} ⊙ r, what met U at step t
    c_in = np.empty((B, T, H), dtype=x.dtype)       # c_{t-1}
    gates = np.empty((B, T, 4 * H), dtype=x.dtype)  # [i, f, g, o] activated
    tcs = np.empty((B, T, H), dtype=x.dtype)        # φ(c_t) of the candidate state

    h, c = h0, c0
    for t in range(T):
        hr = h if recurrent_mask is None else h * recurrent_mask      # (B, H)
        h_new, c_new, gates[:, t], tcs[:, t] = lstm_cell_forward(
            xz[:, t], hr, c, recurrent_kernel, activation, recurrent_activation)
        h_in[:, t], c_in[:, t] = hr, c
        if mask is not None:
            m = mask[:, t, None]                                      # (B, 1)
            h_new, c_new = carry(m, h_new, h), carry(m, c_new, c)
        h, c = h_new, c_new
        hs[:, t] = h

    zero_out = mask is not None and zero_output_for_mask
    y = hs * mask[..., None] if zero_out else hs      # masked steps: h_{t-1} repeated, or zeros
    cache = dict(x=x, h_in=h_in, c_in=c_in, gates=gates, tcs=tcs, mask=mask, zero_out=zero_out,
                 kernel=kernel, recurrent_kernel=recurrent_kernel, recurrent_mask=recurrent_mask,
                 activation=activation, recurrent_activation=recurrent_activation)
    return y, h, c, cache


def lstm_backward(dy, dh_T, dc_T, cache):
    """BPTT for ``lstm_forward``.

    dy (B, T, H) gradient of the loss w.r.t. every output (None: no output gradient);
    dh_T, dc_T (B, H) or None,
    gradients w.r.t. the final state. Returns dx (B, T, D), dh0 (B, H), dc0 (B, H),
    dkernel (D, 4H), drecurrent_kernel (H, 4H), dbias (4H,).
    """
    x, h_in, c_in = cache["x"], cache["h_in"], cache["c_in"]
    gates, tcs, mask, zero_out = cache["gates"], cache["tcs"], cache["mask"], cache["zero_out"]
    U, W, r = cache["recurrent_kernel"], cache["kernel"], cache["recurrent_mask"]
    act, ract = cache["activation"], cache["recurrent_activation"]
    B, T, D = x.shape
    H = U.shape[0]

    if dy is None:
        dy = np.zeros((B, T, H), x.dtype)
    elif zero_out:
        dy = dy * mask[..., None]
    dh_next = np.zeros((B, H), x.dtype) if dh_T is None else dh_T
    dc_next = np.zeros((B, H), x.dtype) if dc_T is None else dc_T
    dz = np.empty((B, T, 4 * H), dtype=x.dtype)
    trace = cache.get("trace")             # a dict to fill, for the explorer: dL/dh_t, dL/dc_t from t+1..
    for t in reversed(range(T)):
        dh = dy[:, t] + dh_next                                       # (B, H)
        dc = dc_next
        if trace is not None:
            trace.setdefault("dh", np.zeros((B, T, H), x.dtype))[:, t] = dh
            trace.setdefault("dc", np.zeros((B, T, H), x.dtype))[:, t] = dc
        if mask is not None:
            m = mask[:, t, None]                                      # (B, 1)
            (dh, dh_carry), (dc, dc_carry) = split(m, dh), split(m, dc)
        dz[:, t], dc_next = lstm_cell_backward(dh, dc, gates[:, t], tcs[:, t], c_in[:, t],
                                               act, ract)
        dh_next = dz[:, t] @ U.T                                      # (B, H)
        if r is not None:
            dh_next = dh_next * r
        if mask is not None:
            dh_next = dh_next + dh_carry
            dc_next = dc_next + dc_carry

    # Weight and input gradients: one GEMM each over all B*T rows.
    dz2 = dz.reshape(B * T, 4 * H)
    dkernel = x.reshape(B * T, D).T @ dz2                             # (D, 4H)
    drecurrent = h_in.reshape(B * T, H).T @ dz2                       # (H, 4H)
    dbias = dz2.sum(axis=0)                                           # (4H,)
    dx = (dz2 @ W.T).reshape(B, T, D)                                 # (B, T, D)
    if trace is not None:
        trace["dx"] = dx                                              # dL/dx_t
    return dx, dh_next, dc_next, dkernel, drecurrent, dbias
