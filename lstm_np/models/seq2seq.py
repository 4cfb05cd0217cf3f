"""Seq2Seq: an encoder–decoder of LSTMs, trained with teacher forcing, with optional
Luong or Bahdanau attention, greedy and beam-search decoding. All gradients hand-written.

    src (B, S) ids ─ Embedding ─ encoder LSTM × num_layers (optionally bidirectional)
                                   │ outputs enc (B, S, E)       │ final (h, c) of every layer
                                   │                             └ bridge (bidirectional:
                                   │                               h = tanh([h_f, h_b] W_h + b),
                                   │                               c = [c_f, c_b] W_c + b)
    y_{t-1} ─ Embedding ─ [⊕ context (Bahdanau)] ─ decoder LSTM × num_layers ─ h_t
                                   Luong:    c_t = attend(h_t, enc);  h̃_t = tanh([c_t, h_t] W_c + b)
                                   Bahdanau: c_t = attend(h_{t-1}, enc) fed with y_{t-1}
    logits_t = out_t W_o + b_o;    loss = mean over real target tokens of -log softmax(logits_t)[y_t]

Teacher forcing: with probability ``teacher_forcing`` (per step, per sequence) the decoder is
fed the true y_{t-1}, otherwise its own previous argmax — a constant for the gradient.
Targets are the tokens, then ``end_token``, then padding; the decoder starts from
``start_token``; the loss ignores ``pad_token``.
"""
import math

import numpy as np

from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..errors import NonFiniteError
from ..config import next_seed, resolve_dtype
from ..core import activations as A
from ..core import attention as att
from ..core import lstm as core_lstm
from ..core.dense import dense_backward, dense_forward
from ..layers import LSTM, Bidirectional, Dense, Embedding
from ..layers.base import Layer, check_positive_int, check_rate, unique_name
from ..layers.registry import register
from . import trainer

ATTENTIONS = (None, "luong", "bahdanau")


class _Params(Layer):
    """A bag of named parameters (the additive-attention W and v)."""

    def __init__(self, shapes, initializer, **kwargs):
        super().__init__(**kwargs)
        self.weight_names = tuple(shapes)
        for key, shape in shapes.items():
            self.add_weight(key, shape, initializer)
        self.built = True


@register
class Seq2Seq:
    """Encoder–decoder (see the module docstring for the equations)."""

    def __init__(self, src_vocab_size, tgt_vocab_size, embedding_dim, units, num_layers=1,
                 bidirectional_encoder=False, attention=None, dropout=0.0, pad_token=0,
                 start_token=1, end_token=2, attention_score="general", attention_units=None,
                 dtype=None, seed=None, name=None):
        self.src_vocab_size = check_positive_int(src_vocab_size, "src_vocab_size")
        self.tgt_vocab_size = check_positive_int(tgt_vocab_size, "tgt_vocab_size")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.units = check_positive_int(units, "units")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.bidirectional_encoder = bool(bidirectional_encoder)
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}, received {attention!r}")
        self.attention = attention
        if attention_score not in ("general", "dot"):
            raise ValueError(f"attention_score must be 'general' or 'dot', received {attention_score!r}")
        self.attention_score = attention_score
        self.dropout = check_rate(dropout, "dropout")
        for tok, what in ((pad_token, "pad_token"), (start_token, "start_token"), (end_token, "end_token")):
            if isinstance(tok, bool) or not isinstance(tok, (int, np.integer)) or tok < 0:
                raise ValueError(f"{what} must be a non-negative int, received {tok!r}")
        if start_token >= tgt_vocab_size or end_token >= tgt_vocab_size or pad_token >= tgt_vocab_size:
            raise ValueError(f"pad/start/end tokens must be < tgt_vocab_size={tgt_vocab_size}")
        if len({pad_token, start_token, end_token}) != 3:
            raise ValueError("pad_token, start_token and end_token must differ")
        self.pad_token, self.start_token, self.end_token = int(pad_token), int(start_token), int(end_token)
        self.dtype = resolve_dtype(dtype)
        self.seed = seed
        self.rng = np.random.default_rng(seed if seed is not None else next_seed())
        self.name = name or unique_name("seq2seq")
        self._dtype_arg = dtype

        U, Em = self.units, self.embedding_dim
        enc_dim = 2 * U if self.bidirectional_encoder else U
        if attention == "luong" and attention_score == "dot" and enc_dim != U:
            raise ValueError("Luong 'dot' attention needs encoder outputs of the decoder's size; "
                             "with a bidirectional encoder use attention_score='general'")
        self.enc_dim = enc_dim
        self.attention_units = check_positive_int(attention_units or U, "attention_units")
        dt = str(self.dtype)

        def seed_(k):
            return None if seed is None else seed + k

        self.src_embedding = Embedding(self.src_vocab_size, Em, dtype=dt, seed=seed_(1), name="src_embedding")
        self.tgt_embedding = Embedding(self.tgt_vocab_size, Em, dtype=dt, seed=seed_(2), name="tgt_embedding")
        self.encoder = []
        for k in range(self.num_layers):
            cell = LSTM(U, return_sequences=True, return_state=True, dropout=self.dropout, dtype=dt,
                        seed=seed_(10 + k), name=f"encoder_lstm_{k}")
            layer = Bidirectional(cell, dtype=dt, name=f"encoder_bidirectional_{k}") if self.bidirectional_encoder else cell
            layer.build((None, None, Em if k == 0 else enc_dim))
            self.encoder.append(layer)
        self.bridge_h, self.bridge_c = [], []
        if self.bidirectional_encoder:
            for k in range(self.num_layers):
                self.bridge_h.append(Dense(U, activation="tanh", input_shape=(2 * U,), dtype=dt,
                                           seed=seed_(30 + k), name=f"bridge_h_{k}"))
                self.bridge_c.append(Dense(U, input_shape=(2 * U,), dtype=dt, seed=seed_(40 + k),
                                           name=f"bridge_c_{k}"))
        self.decoder = []
        for k in range(self.num_layers):
            d_in = (Em + (enc_dim if attention == "bahdanau" else 0)) if k == 0 else U
            cell = LSTM(U, input_shape=(None, d_in), dtype=dt, seed=seed_(50 + k), name=f"decoder_lstm_{k}")
            self.decoder.append(cell)
        self.attn_keys = self.attn_combine = self.attn_additive = self.attn_values = None
        if attention == "luong":
            if attention_score == "general":
                self.attn_keys = Dense(U, use_bias=False, input_shape=(enc_dim,), dtype=dt, seed=seed_(60),
                                       name="attention_keys")
            self.attn_combine = Dense(U, activation="tanh", input_shape=(enc_dim + U,), dtype=dt,
                                      seed=seed_(61), name="attention_combine")
        elif attention == "bahdanau":
            Aa = self.attention_units
            self.attn_values = Dense(Aa, use_bias=False, input_shape=(enc_dim,), dtype=dt, seed=seed_(62),
                                     name="attention_values")
            from ..initializers import GlorotUniform
            self.attn_additive = _Params({"query_kernel": (U, Aa), "v": (Aa,)}, GlorotUniform(), dtype=dt,
                                         seed=seed_(63), name="attention_additive")
        out_dim = U + enc_dim if attention == "bahdanau" else U
        self.output_layer = Dense(self.tgt_vocab_size, input_shape=(out_dim,), dtype=dt, seed=seed_(70),
                                  name="output")
        self.optimizer = None
        self.metric_name = None
        self.history = None
        self.track_accuracy = False
        self.stop_training = False
        self.last_attention = None
        self._cache = None

    # -- parameters ------------------------------------------------------------------------
    @property
    def layers(self):
        """Every parameter-holding layer, in a fixed order (the order of get_weights)."""
        out = [self.src_embedding] + self.encoder + self.bridge_h + self.bridge_c
        out += [self.tgt_embedding] + self.decoder
        out += [l for l in (self.attn_keys, self.attn_combine, self.attn_values, self.attn_additive) if l]
        return out + [self.output_layer]

    def parameters(self, trainable_only=True):
        return [(f"{layer.name}/{key}", p, g) for layer in self.layers
                for key, p, g, trainable in layer.weight_entries() if trainable or not trainable_only]

    def random_generators(self):
        """Teacher-forcing coins and decoder dropout, then the encoder layers' dropout."""
        return [self.rng] + [g for layer in self.encoder for g in layer.random_generators()]

    def count_params(self):
        return sum(l.count_params() for l in self.layers)

    def get_weights(self):
        return [w for l in self.layers for w in l.get_weights()]

    def set_weights(self, weights):
        expected = [w.shape for w in self.get_weights()]
        if not isinstance(weights, (list, tuple)) or len(weights) != len(expected):
            raise ValueError(f"Seq2Seq expects {len(expected)} weight arrays, received "
                             f"{len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__}")
        for i, (w, shape) in enumerate(zip(weights, expected)):
            if np.shape(w) != shape:
                raise ValueError(f"weight {i} expects shape {shape}, received {np.shape(w)}")
        i = 0
        for layer in self.layers:
            n = len(layer.get_weights())
            layer.set_weights(list(weights[i:i + n]))
            i += n

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        return {"src_vocab_size": self.src_vocab_size, "tgt_vocab_size": self.tgt_vocab_size,
                "embedding_dim": self.embedding_dim, "units": self.units, "num_layers": self.num_layers,
                "bidirectional_encoder": self.bidirectional_encoder, "attention": self.attention,
                "dropout": self.dropout, "pad_token": self.pad_token, "start_token": self.start_token,
                "end_token": self.end_token, "attention_score": self.attention_score,
                "attention_units": self.attention_units, "dtype": self._dtype_arg, "seed": self.seed,
                "name": self.name}

    # -- validation ----------------------------------------------------------------------------
    def _check_ids(self, a, vocab, what, who):
        try:
            arr = np.asarray(a)
        except Exception as exc:
            raise TypeError(f"{who}: {what} must be an integer array: {exc}") from None
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{who}: {what} must hold integer token ids, received dtype {arr.dtype}")
        if arr.ndim != 2:
            raise ValueError(f"{who}: {what} must have shape (batch, steps), received {arr.shape}")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{who}: {what} is empty, shape {arr.shape}")
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi >= vocab:
            raise ValueError(f"{who}: {what} ids must be in [0, {vocab - 1}], received ids from {lo} to {hi}")
        return arr.astype(np.int64)

    def _check_src(self, src, who):
        src = self._check_ids(src, self.src_vocab_size, "src", who)
        empty = ~np.any(src != self.pad_token, axis=1)
        if empty.any():
            raise ValueError(f"{who}: src rows {np.flatnonzero(empty)[:5].tolist()} are empty "
                             f"(only pad_token={self.pad_token})")
        return src

    def _check_tgt(self, tgt, src, who):
        tgt = self._check_ids(tgt, self.tgt_vocab_size, "tgt", who)
        if tgt.shape[0] != src.shape[0]:
            raise ValueError(f"{who}: src and tgt must have the same number of rows, received "
                             f"{src.shape[0]} and {tgt.shape[0]}")
        no_end = ~np.any(tgt == self.end_token, axis=1)
        if no_end.any():
            raise ValueError(f"{who}: tgt rows {np.flatnonzero(no_end)[:5].tolist()} have no "
                             f"end_token={self.end_token}; each row is tokens, end_token, then padding")
        return tgt

    # -- encoder ---------------------------------------------------------------------------
    def _encode(self, src, training):
        """Returns enc (B, S, E), the decoder's initial [(h, c)] per layer, the source mask."""
        mask = src != self.pad_token                                     # (B, S)
        x = self.src_embedding.forward(src)                              # (B, S, Em)
        init = []
        for k, layer in enumerate(self.encoder):
            out = layer.forward(x, training=training, mask=mask)
            x = out[0]
            if self.bidirectional_encoder:
                hf, cf, hb, cb = out[1:]
                h = self.bridge_h[k].forward(np.concatenate([hf, hb], -1))
                c = self.bridge_c[k].forward(np.concatenate([cf, cb], -1))
            else:
                h, c = out[1:]
            init.append((h, c))
        enc = x
        ctx = {"enc": enc, "mask": mask}
        if self.attention == "luong":
            ctx["keys"] = self.attn_keys.forward(enc) if self.attn_keys is not None else enc
        elif self.attention == "bahdanau":
            ctx["proj"] = self.attn_values.forward(enc)
        return ctx, init

    # -- one decoder step -------------------------------------------------------------------
    def _step(self, y_prev, states, ctx, emb_mask=None, keep=False):
        """y_prev (B,) ids; states [(h, c)] per layer. Returns logits (B, V), new states,
        attention weights (B, S) or None, and the step's cache when keep."""
        p = {"tgt": self.tgt_embedding.params["embeddings"]}
        emb = p["tgt"][y_prev]                                           # (B, Em)
        if emb_mask is not None:
            emb = emb * emb_mask
        cache = {"y_prev": y_prev, "emb_mask": emb_mask}
        a = None
        inp = emb
        if self.attention == "bahdanau":
            W, v = self.attn_additive.params["query_kernel"], self.attn_additive.params["v"]
            context, a, cache["att"] = att.bahdanau_forward(states[-1][0], ctx["proj"], ctx["enc"], W, v, ctx["mask"])
            inp = np.concatenate([emb, context], -1)                     # (B, Em + E)
        new_states, cells = [], []
        for k, layer in enumerate(self.decoder):
            lp = layer.params
            h, c, cell = core_lstm.lstm_step_forward(inp, states[k][0], states[k][1], lp["kernel"],
                                                     lp["recurrent_kernel"], lp["bias"])
            new_states.append((h, c))
            cells.append(cell)
            inp = h
        top = inp
        if self.attention == "luong":
            context, a, cache["att"] = att.luong_forward(top, ctx["keys"], ctx["enc"], ctx["mask"])
            cp = self.attn_combine.params
            out, cache["combine"] = dense_forward(np.concatenate([context, top], -1), cp["kernel"], cp["bias"], "tanh")
        elif self.attention == "bahdanau":
            out = np.concatenate([top, context], -1)
        else:
            out = top
        op = self.output_layer.params
        logits, cache["output"] = dense_forward(out, op["kernel"], op["bias"])
        if keep:
            cache["cells"] = cells
            return logits, new_states, a, cache
        return logits, new_states, a, None

    # -- training forward / backward ---------------------------------------------------------
    def forward_loss(self, src, tgt, teacher_forcing=1.0, training=True):
        """Loss (mean over real target tokens) of one batch; keeps what backward needs.
        Returns (loss, token accuracy)."""
        B, T = tgt.shape
        ctx, init = self._encode(src, training)
        emb_mask = None
        if training and self.dropout > 0:
            keep = 1.0 - self.dropout
            emb_mask = (self.rng.random((B, self.embedding_dim)) < keep).astype(self.dtype) / self.dtype.type(keep)
        valid = tgt != self.pad_token                                    # (B, T)
        n_valid = max(int(valid.sum()), 1)
        states = init
        y_prev = np.full(B, self.start_token, np.int64)
        steps, loss, correct = [], 0.0, 0
        for t in range(T):
            logits, states, _, cache = self._step(y_prev, states, ctx, emb_mask, keep=True)
            logp = A.log_softmax(logits)                                 # (B, V)
            nll = -logp[np.arange(B), tgt[:, t]]
            loss += float(np.sum(nll * valid[:, t]))
            pred = logits.argmax(-1)
            correct += int(np.sum((pred == tgt[:, t]) & valid[:, t]))
            cache["probs"] = np.exp(logp)
            steps.append(cache)
            if t + 1 < T:
                if teacher_forcing >= 1.0:
                    y_prev = tgt[:, t]
                else:
                    coin = self.rng.random(B) < teacher_forcing          # per step, per sequence
                    y_prev = np.where(coin, tgt[:, t], pred)             # a prediction is a constant
        self._cache = {"src": src, "tgt": tgt, "valid": valid, "n_valid": n_valid, "ctx": ctx,
                       "init": init, "steps": steps}
        return loss / n_valid, correct / n_valid

    def backward_loss(self, scale=1.0):
        """Backpropagate ``scale ·`` the last forward_loss into every parameter's grads."""
        c = self._cache
        if c is None:
            raise RuntimeError("backward_loss needs a forward_loss first")
        self._cache = None
        for layer in self.layers:
            layer.zero_grads()
        tgt, valid, n_valid, ctx, steps = c["tgt"], c["valid"], c["n_valid"], c["ctx"], c["steps"]
        B, T = tgt.shape
        L = self.num_layers
        enc = ctx["enc"]
        denc = np.zeros_like(enc)
        dkeys = np.zeros_like(ctx["keys"]) if self.attention == "luong" else None
        dproj = np.zeros_like(ctx["proj"]) if self.attention == "bahdanau" else None
        dh = [np.zeros((B, self.units), self.dtype) for _ in range(L)]
        dc = [np.zeros((B, self.units), self.dtype) for _ in range(L)]
        rows = np.arange(B)
        g_emb = self.tgt_embedding.grads["embeddings"]
        dec_grads = [self.decoder[k].grads for k in range(L)]
        for t in reversed(range(T)):
            s = steps[t]
            dlogits = s["probs"]                                        # softmax - onehot, in place
            dlogits[rows, tgt[:, t]] -= 1.0
            dlogits *= valid[:, t, None] * (scale / n_valid)             # (B, V)
            dout, dWo, dbo = dense_backward(dlogits, s["output"])
            self.output_layer.grads["kernel"] += dWo
            self.output_layer.grads["bias"] += dbo
            if self.attention == "luong":
                dcat, dWc, dbc = dense_backward(dout, s["combine"])
                self.attn_combine.grads["kernel"] += dWc
                self.attn_combine.grads["bias"] += dbc
                E = self.enc_dim
                dcontext, dtop = dcat[:, :E], dcat[:, E:]
                dh_att, dk, de = att.luong_backward(dcontext, s["att"])
                dkeys += dk
                denc += de
                dtop = dtop + dh_att
            elif self.attention == "bahdanau":
                dtop, dcontext_out = dout[:, :self.units], dout[:, self.units:]
            else:
                dtop = dout
            dh[L - 1] = dh[L - 1] + dtop
            dinp = None
            for k in reversed(range(L)):
                dx, dh_prev, dc_prev, dW, dU, db = core_lstm.lstm_step_backward(dh[k], dc[k], s["cells"][k])
                dec_grads[k]["kernel"] += dW
                dec_grads[k]["recurrent_kernel"] += dU
                dec_grads[k]["bias"] += db
                dh[k], dc[k] = dh_prev, dc_prev
                if k > 0:
                    dh[k - 1] = dh[k - 1] + dx                          # layer k's input is h of layer k-1
                else:
                    dinp = dx
            Em = self.embedding_dim
            demb = dinp[:, :Em]
            if self.attention == "bahdanau":
                dcontext = dinp[:, Em:] + dcontext_out
                ds, dp, de, dWq, dv = att.bahdanau_backward(dcontext, s["att"])
                dproj += dp
                denc += de
                self.attn_additive.grads["query_kernel"] += dWq
                self.attn_additive.grads["v"] += dv
                dh[L - 1] = dh[L - 1] + ds                              # it read h_{t-1} of the top layer
            if s["emb_mask"] is not None:
                demb = demb * s["emb_mask"]
            if self.tgt_embedding.trainable:
                np.add.at(g_emb, s["y_prev"], demb)
        # Into the encoder: attention keys / values, then the initial states.
        if self.attention == "luong":
            if self.attn_keys is not None:
                denc += self.attn_keys.backward(dkeys)
            else:
                denc += dkeys
        elif self.attention == "bahdanau":
            denc += self.attn_values.backward(dproj)
        d_seq = denc
        for k in reversed(range(L)):
            layer = self.encoder[k]
            if self.bidirectional_encoder:
                U = self.units
                dhc = self.bridge_h[k].backward(dh[k])
                dcc = self.bridge_c[k].backward(dc[k])
                grads = [d_seq, dhc[:, :U], dcc[:, :U], dhc[:, U:], dcc[:, U:]]
            else:
                grads = [d_seq, dh[k], dc[k]]
            d_seq = layer.backward(grads)
        self.src_embedding.backward(d_seq)

    # -- training: the shared trainer (models/trainer.py) calls these steps ----------------------
    def compile(self, optimizer="adam", loss="sparse_categorical_crossentropy", metrics=None):
        """The loss is fixed (masked sparse cross-entropy from logits); ``metrics=["acc"]``
        adds token accuracy under teacher forcing to the History."""
        if loss not in ("sparse_categorical_crossentropy", None):
            raise ValueError(f"Seq2Seq trains with sparse_categorical_crossentropy, received loss={loss!r}")
        metrics = list(metrics or [])
        for m in metrics:
            if m not in ("acc", "accuracy"):
                raise ValueError(f"Seq2Seq metrics: 'acc' or 'accuracy', received {m!r}")
        self.optimizer = optimizers_mod.get(optimizer)
        self.metric_name = metrics[0] if metrics else None

    def require_compiled(self, who):
        if self.optimizer is None:
            raise ValueError(f"{who}: call compile(optimizer=...) first")

    def get_compile_config(self):
        if self.optimizer is None:
            return None
        return {"optimizer": optimizers_mod.serialize(self.optimizer),
                "metrics": [self.metric_name] if self.metric_name else []}

    def compile_from_config(self, config):
        self.compile(optimizer=optimizers_mod.get(config["optimizer"]), metrics=config["metrics"])

    def standardize(self, src, tgt, who, sample_weight=None, class_weight=None):
        """[src], [tgt], [None] checked (ids in range, no empty source, an end_token in every target)."""
        if sample_weight is not None or class_weight is not None:
            raise ValueError(f"{who}: Seq2Seq weighs every target token alike; sample_weight and "
                             "class_weight are not supported")
        src = self._check_src(src, who)
        if tgt is None:
            return [src], [], []
        return [src], [self._check_tgt(tgt, src, who)], [None]

    def reset_metrics(self):
        self._trackers = {"loss": metrics_mod.Mean("loss")}
        if self.metric_name:
            self._trackers[self.metric_name] = metrics_mod.Mean(self.metric_name)

    def _token_logs(self, loss, acc, tgt):
        """The running means, weighted by target tokens."""
        tok = float(np.sum(tgt != self.pad_token))
        self._trackers["loss"].update_state(loss, tok)
        if self.metric_name:
            self._trackers[self.metric_name].update_state(acc, tok)
        return {k: t.result() for k, t in self._trackers.items()}

    def _train_batch(self, src, tgt, teacher_forcing):
        loss, acc = self.forward_loss(src, tgt, teacher_forcing, training=True)
        if not math.isfinite(loss):
            raise NonFiniteError(f"the loss became {loss}; weights left at their last finite values")
        self.backward_loss()
        params = self.parameters()
        for name, _, g in params:
            if not np.all(np.isfinite(g)):
                raise NonFiniteError(f"the gradient of {name} is not finite; weights left unchanged")
        self.optimizer.apply_gradients(params)
        return loss, acc

    def train_step(self, xs, ys, sws=None, teacher_forcing=1.0):
        src, tgt = self._trim(xs[0], ys[0])
        return self._token_logs(*self._train_batch(src, tgt, teacher_forcing), tgt)

    def test_step(self, xs, ys, sws=None):
        src, tgt = self._trim(xs[0], ys[0])
        loss, acc = self.forward_loss(src, tgt, 1.0, training=False)
        self._cache = None
        return self._token_logs(loss, acc, tgt)

    def train_on_batch(self, src, tgt, teacher_forcing=1.0):
        """One optimizer step on this batch (checked as fit checks it); returns (loss, accuracy)."""
        who = "Seq2Seq.train_on_batch"
        self.require_compiled(who)
        (src,), (tgt,), _ = self.standardize(src, tgt, who)
        return self._train_batch(*self._trim(src, tgt), self._check_teacher_forcing(teacher_forcing, who))

    def _check_teacher_forcing(self, teacher_forcing, who):
        if isinstance(teacher_forcing, bool) or not isinstance(teacher_forcing, (int, float, np.floating)) \
                or not 0.0 <= float(teacher_forcing) <= 1.0:
            raise ValueError(f"{who}: teacher_forcing must be a probability in [0, 1], received {teacher_forcing!r}")
        return float(teacher_forcing)

    def fit(self, src, tgt, epochs=1, batch_size=32, teacher_forcing=1.0, verbose=1,
            validation_data=None, shuffle=True, callbacks=None, validation_split=0.0):
        """Mini-batch training with teacher forcing; returns a History ("loss", "acc", "val_…")."""
        who = "Seq2Seq.fit"
        self.require_compiled(who)
        tf = self._check_teacher_forcing(teacher_forcing, who)
        return trainer.fit(self, src, tgt, batch_size, epochs, verbose, callbacks, validation_split,
                           validation_data, shuffle, step_kwargs={"teacher_forcing": tf}, who=who)

    def _trim(self, src, tgt=None):
        """Drop all-padding columns at the right of a batch (less work, same result)."""
        s_len = int(np.max(np.nonzero(np.any(src != self.pad_token, axis=0))[0])) + 1
        src = src[:, :s_len]
        if tgt is None:
            return src
        t_len = int(np.max(np.nonzero(np.any(tgt != self.pad_token, axis=0))[0])) + 1
        return src, tgt[:, :t_len]

    def evaluate(self, src, tgt, batch_size=64, return_dict=False):
        """Teacher-forced loss (and token accuracy) on (src, tgt)."""
        return trainer.evaluate(self, src, tgt, batch_size, return_dict=return_dict, who="Seq2Seq.evaluate")

    # -- decoding ------------------------------------------------------------------------------
    def predict(self, src, max_length=50, beam_width=1, length_penalty=0.7, batch_size=256):
        """Decode every row of src: greedy (beam_width=1) or beam search. Returns a list of
        token-id lists, cut at end_token (not included). With attention, the weights of the
        last call are in ``last_attention`` (a list of (steps, S) arrays)."""
        who = "Seq2Seq.predict"
        src = self._check_src(src, who)
        max_length = check_positive_int(max_length, "max_length")
        if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
            raise ValueError(f"{who}: beam_width must be an int >= 1, received {beam_width!r}")
        out, attn = [], []
        for k in range(0, len(src), batch_size):
            s = self._trim(src[k:k + batch_size])
            if beam_width == 1:
                seqs, att_w = self._greedy(s, max_length)
            else:
                seqs, att_w = self._beam(s, max_length, int(beam_width), float(length_penalty))
            out += seqs
            attn += att_w
        self.last_attention = attn if self.attention else None
        return out

    def _greedy(self, src, max_length):
        ctx, states = self._encode(src, training=False)
        B = len(src)
        y = np.full(B, self.start_token, np.int64)
        done = np.zeros(B, bool)
        tokens, weights = [], []
        for _ in range(max_length):
            logits, states, a, _ = self._step(y, states, ctx)
            y = logits.argmax(-1)
            y = np.where(done, self.pad_token, y)
            tokens.append(y)
            weights.append(a)
            done |= y == self.end_token
            if done.all():
                break
        tokens = np.stack(tokens, 1)                                    # (B, steps)
        seqs, att_w = [], []
        for b in range(B):
            row = tokens[b].tolist()
            n = row.index(self.end_token) if self.end_token in row else len(row)
            seqs.append(row[:n])
            if self.attention:
                att_w.append(np.stack([w[b] for w in weights[:n + 1]], 0)[:, :src.shape[1]])
        return seqs, att_w

    def _beam(self, src, max_length, K, alpha):
        """Beam search per source row, the K beams batched. Score = Σ log p / len^alpha."""
        ctx_all, states_all = self._encode(src, training=False)
        seqs, att_w = [], []
        for b in range(len(src)):
            ctx = {key: np.repeat(val[b:b + 1], K, axis=0) for key, val in ctx_all.items()}
            states = [(np.repeat(h[b:b + 1], K, 0), np.repeat(c[b:b + 1], K, 0)) for h, c in states_all]
            y = np.full(K, self.start_token, np.int64)
            scores = np.zeros(K)
            scores[1:] = -np.inf                                         # start with one live beam
            hist = [[] for _ in range(K)]
            ahist = [[] for _ in range(K)]
            finished = []                                                # (normalised score, tokens, attention)
            for step in range(max_length):
                logits, states, a, _ = self._step(y, states, ctx)
                logp = A.log_softmax(logits.astype(np.float64))          # (K, V)
                cand = scores[:, None] + logp                            # (K, V)
                flat = np.argsort(-cand, axis=None)[:2 * K]
                new_beams = []
                for f in flat:
                    k, tok = divmod(int(f), logp.shape[1])
                    sc = cand[k, tok]
                    if not np.isfinite(sc):
                        continue
                    aw = ahist[k] + ([a[k]] if a is not None else [])
                    if tok == self.end_token:
                        finished.append((sc / (len(hist[k]) + 1) ** alpha, hist[k], aw))
                    else:
                        new_beams.append((k, tok, sc, aw))
                    if len(new_beams) == K:
                        break
                if len(finished) >= K or not new_beams:
                    break
                idx = np.array([k for k, _, _, _ in new_beams])
                states = [(h[idx], c[idx]) for h, c in states]
                hist = [hist[k] + [tok] for k, tok, _, _ in new_beams]
                ahist = [aw for _, _, _, aw in new_beams]
                scores = np.array([sc for _, _, sc, _ in new_beams])
                y = np.array([tok for _, tok, _, _ in new_beams], np.int64)
                if len(new_beams) < K:                                   # pad with dead beams
                    pad = K - len(new_beams)
                    states = [(np.concatenate([h, h[:1].repeat(pad, 0)]), np.concatenate([c, c[:1].repeat(pad, 0)]))
                              for h, c in states]
                    hist += [[] for _ in range(pad)]
                    ahist += [[] for _ in range(pad)]
                    scores = np.concatenate([scores, np.full(pad, -np.inf)])
                    y = np.concatenate([y, np.full(pad, self.start_token)])
            if not finished:                                             # nothing ended: best live beam
                k = int(np.argmax(scores))
                finished.append((scores[k] / max(len(hist[k]), 1) ** alpha, hist[k], ahist[k]))
            best = max(finished, key=lambda f: f[0])
            seqs.append(list(best[1]))
            if self.attention:
                att_w.append(np.array(best[2])[:, :src.shape[1]] if best[2] else np.zeros((0, src.shape[1])))
        return seqs, att_w

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path):
        from .saving import save_model
        save_model(self, path)

    def __repr__(self):
        return (f"<Seq2Seq units={self.units} layers={self.num_layers} "
                f"bidirectional={self.bidirectional_encoder} attention={self.attention!r}>")
