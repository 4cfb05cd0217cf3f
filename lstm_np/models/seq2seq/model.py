"""Seq2Seq: an encoder–decoder composed of the public layers, trained with teacher forcing
through the shared training loop (``models/trainer.py``).

    Encoder (encoder.py)  src ─ Embedding ─ (Bidirectional) LSTM × L ─ enc, final (h, c) per layer
    Decoder (decoder.py)  y_{t-1} ─ Embedding ─ LSTM × L (from those states) ─ attention ─ Dense
    attention.py          None, Luong or Bahdanau, picked once here
    decoding.py           greedy and beam search on the decoder's step
    tape.py               per-call records for the decoder's Python loop

    loss = mean over real target tokens of -log softmax(logits_t)[y_t]

Teacher forcing: with probability ``teacher_forcing`` (per step, per sequence) the decoder is
fed the true y_{t-1}, otherwise its own previous argmax — a constant for the gradient.
Targets are the tokens, then ``end_token``, then padding; the decoder starts from
``start_token``; the loss ignores ``pad_token``. ``dropout`` acts on the encoder LSTMs' inputs
and on the decoder's input embeddings (one mask per sequence).
"""
import numpy as np

from ... import sync
from ...config import next_seed, resolve_dtype
from ...core import activations as A
from ...layers.base import unique_name
from ...layers.checks import check_positive_int, check_rate
from ...layers.registry import register
from .attention import ATTENTIONS
from .decoder import Decoder
from .encoder import Encoder
from .tape import Tape
from .training import Seq2SeqTraining
from ...core.dropout import dropout_mask


def seed_stream(seed):
    """Independent seeds for every sub-layer, drawn from one SeedSequence (None: fresh entropy)."""
    seq = np.random.SeedSequence(seed if seed is not None else next_seed())
    while True:
        yield int(seq.spawn(1)[0].generate_state(1, np.uint32)[0])


@register
class Seq2Seq(Seq2SeqTraining):
    """Encoder–decoder (see the module docstring)."""

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
            raise ValueError(f"attention must be one of {tuple(ATTENTIONS)}, received {attention!r}")
        if attention_score not in ("general", "dot"):
            raise ValueError(f"attention_score must be 'general' or 'dot', received {attention_score!r}")
        self.attention, self.attention_score = attention, attention_score
        self.dropout = check_rate(dropout, "dropout")
        for tok, what in ((pad_token, "pad_token"), (start_token, "start_token"), (end_token, "end_token")):
            if isinstance(tok, bool) or not isinstance(tok, (int, np.integer)) or tok < 0:
                raise ValueError(f"{what} must be a non-negative int, received {tok!r}")
        if max(pad_token, start_token, end_token) >= tgt_vocab_size:
            raise ValueError(f"pad/start/end tokens must be < tgt_vocab_size={tgt_vocab_size}")
        if len({pad_token, start_token, end_token}) != 3:
            raise ValueError("pad_token, start_token and end_token must differ")
        self.pad_token, self.start_token, self.end_token = int(pad_token), int(start_token), int(end_token)
        self.attention_units = check_positive_int(attention_units or self.units, "attention_units")
        self.dtype = resolve_dtype(dtype)
        self._dtype_arg, self.seed = dtype, seed
        self.name = name or unique_name("seq2seq")
        seeds = seed_stream(seed)
        self.rng = np.random.default_rng(next(seeds))            # teacher-forcing coins, decoder dropout
        dt = str(self.dtype)
        self.encoder = Encoder(self.src_vocab_size, self.embedding_dim, self.units, self.num_layers,
                               self.bidirectional_encoder, self.dropout, dt, seeds)
        self.decoder = Decoder(self.tgt_vocab_size, self.embedding_dim, self.units, self.num_layers,
                               self.encoder.output_dim, attention, attention_score, self.attention_units, dt, seeds)
        self.src_embedding, self.tgt_embedding = self.encoder.embedding, self.decoder.embedding
        self.output_layer = self.decoder.output
        self.optimizer = self.metric_name = self.history = self.last_attention = self._cache = None
        self.stop_training = False

    # -- parameters ------------------------------------------------------------------------
    @property
    def layers(self):
        """Every parameter-holding layer, in a fixed order (the order of get_weights)."""
        return self.encoder.layers + self.decoder.layers

    def parameters(self, trainable_only=True):
        return [(f"{layer.name}/{key}", p, g) for layer in self.layers
                for key, p, g, trainable in layer.weight_entries() if trainable or not trainable_only]

    def random_generators(self):
        """Teacher-forcing coins and decoder dropout, then the encoder layers' dropout."""
        return [self.rng] + [g for layer in self.encoder.rnns for g in layer.random_generators()]

    def count_params(self):
        return sum(l.count_params() for l in self.layers)

    def get_weights(self):
        return [w for l in self.layers for w in l.get_weights()]

    def set_weights(self, weights):
        """All or nothing: every array is checked (count, shape, finite) before any is set."""
        expected = self.get_weights()
        if not isinstance(weights, (list, tuple)) or len(weights) != len(expected):
            raise ValueError(f"Seq2Seq expects {len(expected)} weight arrays, received "
                             f"{len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__}")
        arrays = []
        for i, (w, old) in enumerate(zip(weights, expected)):
            try:
                a = np.asarray(w, dtype=old.dtype)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"weight {i} must be a numeric array: {exc}") from None
            if a.shape != old.shape:
                raise ValueError(f"weight {i} expects shape {old.shape}, received {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"weight {i} holds non-finite values")
            arrays.append(a)
        i = 0
        for layer in self.layers:
            n = len(layer.get_weights())
            layer.set_weights(arrays[i:i + n])
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

    # -- the loss, forward and backward -------------------------------------------------------
    def encode(self, tape, src, training):
        """-> attention context (enc, keys, mask), the decoder's initial [(h, c)], the encoder's handles."""
        mask = src != self.pad_token                                               # (B, S)
        enc, init, handles = self.encoder.forward(tape, src, mask, training)
        return self.decoder.attention.prepare(tape, enc, mask), init, handles

    def forward_loss(self, src, tgt, teacher_forcing=1.0, training=True):
        """Loss (mean over real target tokens) and token accuracy of one batch; keeps what
        ``backward_loss`` needs."""
        B, T = tgt.shape
        tape = Tape()
        ctx, init, enc_handles = self.encode(tape, src, training)
        drop = None
        if training and self.dropout > 0:                                          # one mask per sequence
            drop = dropout_mask(self.rng, (B, self.embedding_dim), self.dropout, self.dtype)
        if teacher_forcing >= 1.0 and self.decoder.parallel:
            y_in = np.concatenate([np.full((B, 1), self.start_token, tgt.dtype), tgt[:, :-1]], axis=1)
            logits, _, dec_handles = self.decoder.run_sequence(tape, y_in, init, ctx, drop)
        else:
            states, y_prev, steps = init, np.full(B, self.start_token, np.int64), []
            for t in range(T):
                logits_t, states, _, handles = self.decoder.step(tape, y_prev, states, ctx, drop)
                steps.append((logits_t, handles))
                if t + 1 < T:
                    y_prev = tgt[:, t]
                    if teacher_forcing < 1.0:                                      # per step, per sequence
                        y_prev = np.where(self.rng.random(B) < teacher_forcing, y_prev, logits_t.argmax(-1))
            logits = np.stack([s[0] for s in steps], axis=1)                       # (B, T, V)
            dec_handles = [s[1] for s in steps]
        valid = tgt != self.pad_token                                              # (B, T)
        n_valid = max(int(valid.sum()), 1)
        logp = A.log_softmax(logits)
        nll = -np.take_along_axis(logp, tgt[..., None], axis=-1)[..., 0]
        loss = float(np.sum(nll * valid)) / n_valid
        acc = int(np.sum((logits.argmax(-1) == tgt) & valid)) / n_valid
        self._cache = dict(tape=tape, ctx=ctx, enc=enc_handles, dec=dec_handles, drop=drop, probs=np.exp(logp),
                           tgt=tgt, valid=valid, n_valid=n_valid, init=init)
        return loss, acc

    def backward_loss(self, scale=1.0):
        """Backpropagate ``scale ·`` the last forward_loss into every parameter's grads."""
        c = self._cache
        if c is None:
            raise RuntimeError("backward_loss needs a forward_loss first")
        self._cache = None
        for layer in self.layers:
            layer.zero_grads()
        tape, ctx, tgt, drop = c["tape"], c["ctx"], c["tgt"], c["drop"]
        dlogits = c["probs"]                                                       # softmax - onehot, in place
        np.put_along_axis(dlogits, tgt[..., None], np.take_along_axis(dlogits, tgt[..., None], -1) - 1, -1)
        dlogits *= c["valid"][..., None] * (scale / c["n_valid"])                  # (B, T, V)
        if isinstance(c["dec"], tuple):                                            # all steps at once
            dinit = self.decoder.backward_sequence(tape, ctx, c["dec"], dlogits, drop)
        else:
            dstates = [(np.zeros_like(h), np.zeros_like(cc)) for h, cc in c["init"]]
            for t in reversed(range(len(c["dec"]))):
                dstates = self.decoder.step_backward(tape, ctx, c["dec"][t], dlogits[:, t], dstates, drop)
            dinit = dstates
        denc = np.zeros_like(ctx["enc"])                                           # (B, S, E)
        self.decoder.attention.prepare_backward(tape, ctx, denc)                   # what attention sent
        self.encoder.backward(tape, c["enc"], denc, dinit)
        tape.finish()

    # -- decoding ----------------------------------------------------------------------------
    def predict(self, src, max_length=50, beam_width=1, length_penalty=0.7, batch_size=256):
        """Decode every row of src: greedy (beam_width=1) or beam search (score Σ log p / len^α,
        len counting the end token). Returns token-id lists cut at end_token (not included).
        With attention, the weights are in ``last_attention`` (one (steps, S) array per row)."""
        from ...fast.inference import inference_mode
        from .decoding import decode
        with sync.engine(), inference_mode():                   # nothing is kept for backward
            return decode(self, src, max_length, beam_width, length_penalty, batch_size)

    def save(self, path):
        from ..saving import save_model
        save_model(self, path)

    def __repr__(self):
        return (f"<Seq2Seq units={self.units} layers={self.num_layers} "
                f"bidirectional={self.bidirectional_encoder} attention={self.attention!r}>")
