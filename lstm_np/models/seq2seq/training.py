"""What Seq2Seq adds to the shared training loop (``models/trainer.py``): its checks of token
arrays, compile (the loss is fixed: masked sparse cross-entropy from logits), the train and
test steps the trainer calls, and token-weighted running means."""
import math

import numpy as np

from ... import metrics as metrics_mod
from ... import optimizers as optimizers_mod
from ... import sync
from ...errors import NonFiniteError
from .. import trainer


class Seq2SeqTraining:
    # -- checks at the public boundary ---------------------------------------------------------
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

    def check_src(self, src, who):
        src = self._check_ids(src, self.src_vocab_size, "src", who)
        empty = ~np.any(src != self.pad_token, axis=1)
        if empty.any():
            raise ValueError(f"{who}: src rows {np.flatnonzero(empty)[:5].tolist()} are empty "
                             f"(only pad_token={self.pad_token})")
        return src

    def check_tgt(self, tgt, src, who):
        tgt = self._check_ids(tgt, self.tgt_vocab_size, "tgt", who)
        if tgt.shape[0] != src.shape[0]:
            raise ValueError(f"{who}: src and tgt must have the same number of rows, received "
                             f"{src.shape[0]} and {tgt.shape[0]}")
        no_end = ~np.any(tgt == self.end_token, axis=1)
        if no_end.any():
            raise ValueError(f"{who}: tgt rows {np.flatnonzero(no_end)[:5].tolist()} have no "
                             f"end_token={self.end_token}; each row is tokens, end_token, then padding")
        return tgt

    def _check_teacher_forcing(self, teacher_forcing, who):
        if isinstance(teacher_forcing, bool) or not isinstance(teacher_forcing, (int, float, np.floating)) \
                or not 0.0 <= float(teacher_forcing) <= 1.0:
            raise ValueError(f"{who}: teacher_forcing must be a probability in [0, 1], received {teacher_forcing!r}")
        return float(teacher_forcing)

    def trim(self, src, tgt=None):
        """Drop all-padding columns at the right of a batch (less work, same result)."""
        s_len = int(np.max(np.nonzero(np.any(src != self.pad_token, axis=0))[0])) + 1
        src = src[:, :s_len]
        if tgt is None:
            return src
        t_len = int(np.max(np.nonzero(np.any(tgt != self.pad_token, axis=0))[0])) + 1
        return src, tgt[:, :t_len]

    # -- compile -----------------------------------------------------------------------------
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

    # -- what the trainer calls ------------------------------------------------------------------
    def standardize(self, src, tgt, who, sample_weight=None, class_weight=None):
        """[src], [tgt], [None] checked (ids in range, no empty source, an end_token in every target)."""
        if sample_weight is not None or class_weight is not None:
            raise ValueError(f"{who}: Seq2Seq weighs every target token alike; sample_weight and "
                             "class_weight are not supported")
        src = self.check_src(src, who)
        if tgt is None:
            return [src], [], []
        return [src], [self.check_tgt(tgt, src, who)], [None]

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
            self._cache = None
            raise NonFiniteError(f"the loss became {loss}; weights left at their last finite values")
        self.backward_loss()
        params = self.parameters()
        finite = lambda a: bool(np.all(np.isfinite(a)))          # noqa: E731
        for name, _, g in params:
            if not finite(g):
                raise NonFiniteError(f"the gradient of {name} is not finite; weights left unchanged")
        self.optimizer.guarded_apply(params, finite)
        return loss, acc

    @sync.serialized
    def train_step(self, xs, ys, sws=None, teacher_forcing=1.0):
        src, tgt = self.trim(xs[0], ys[0])
        return self._token_logs(*self._train_batch(src, tgt, teacher_forcing), tgt)

    @sync.serialized
    def test_step(self, xs, ys, sws=None):
        src, tgt = self.trim(xs[0], ys[0])
        loss, acc = self.forward_loss(src, tgt, 1.0, training=False)
        self._cache = None
        return self._token_logs(loss, acc, tgt)

    # -- the public training calls -----------------------------------------------------------------
    def train_on_batch(self, src, tgt, teacher_forcing=1.0):
        """One optimizer step on this batch (checked as fit checks it); returns (loss, accuracy)."""
        who = "Seq2Seq.train_on_batch"
        self.require_compiled(who)
        tf = self._check_teacher_forcing(teacher_forcing, who)
        sync.check_not_training(self, who)
        (src,), (tgt,), _ = self.standardize(src, tgt, who)
        with sync.engine():
            return self._train_batch(*self.trim(src, tgt), tf)

    def fit(self, src, tgt, epochs=1, batch_size=32, teacher_forcing=1.0, verbose=1,
            validation_data=None, shuffle=True, callbacks=None, validation_split=0.0):
        """Mini-batch training with teacher forcing; returns a History ("loss", "acc", "val_…")."""
        who = "Seq2Seq.fit"
        self.require_compiled(who)
        tf = self._check_teacher_forcing(teacher_forcing, who)
        return trainer.fit(self, src, tgt, trainer.FitRequest(
            batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
            step_kwargs={"teacher_forcing": tf}, who=who))

    def evaluate(self, src, tgt, batch_size=64, return_dict=False):
        """Teacher-forced loss (and token accuracy) on (src, tgt)."""
        return trainer.evaluate(self, src, tgt, batch_size, return_dict=return_dict, who="Seq2Seq.evaluate")
