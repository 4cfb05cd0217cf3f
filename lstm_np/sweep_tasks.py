"""Ready-made sweep tasks: the seed material's experiments, one configuration per call.

    merge_modes(config, seed)    the cumulative-sum BiLSTM tutorial: merge_mode × units
    stacked_depth(config, seed)  stacked LSTMs on the running-sum-parity task: depth × units × lr

Each returns {"accuracy": held-out accuracy, "loss": final training loss, "history": ...}.
"""
import numpy as np

__all__ = ["merge_modes", "stacked_depth"]


def merge_modes(config, seed):
    """Bidirectional(LSTM(units), merge_mode) + TimeDistributed(Dense(1, sigmoid)) on the
    cumulative-sum sequences, trained the tutorial's way: one fit per fresh sequence, batch 1."""
    from .datasets import cumsum_batch, get_sequence
    from .layers import LSTM, Bidirectional, Dense, TimeDistributed
    from .models import Sequential
    steps, epochs = int(config.get("timesteps", 10)), int(config.get("epochs", 100))
    model = Sequential([Bidirectional(LSTM(int(config["units"]), return_sequences=True, seed=seed),
                                      merge_mode=config["merge_mode"], input_shape=(steps, 1)),
                        TimeDistributed(Dense(1, activation="sigmoid", seed=seed + 1))], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        X, y = get_sequence(steps, rng)
        losses.append(model.fit(X, y, epochs=1, batch_size=1, verbose=0).history["loss"][0])
    X, y = cumsum_batch(500, steps, rng)
    acc = float(np.mean((model.predict(X, verbose=0) > 0.5) == y))      # one sigmoid unit a step
    return {"accuracy": acc, "loss": float(np.mean(losses[-10:])), "history": {"loss": losses}}


def stacked_depth(config, seed):
    """``depth`` stacked LSTM(units) layers, Adam(learning_rate), on whether the running sum
    lies in an odd unit interval (the ``stacked`` demo's task)."""
    from . import optimizers
    from .datasets import make_running_parity
    T = 12
    from .layers import LSTM, Dense, Input, TimeDistributed
    from .models import Sequential
    depth, units = int(config["depth"]), int(config["units"])
    rng = np.random.default_rng(seed)
    xtr, ytr = make_running_parity(int(config.get("train", 2000)), rng, T)
    xte, yte = make_running_parity(500, rng, T)
    model = Sequential([Input((T, 1))] + [LSTM(units, return_sequences=True, seed=seed + k) for k in range(depth)]
                       + [TimeDistributed(Dense(1, activation="sigmoid", seed=seed + 9))], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(float(config.get("learning_rate", 0.001))),
                  metrics=["acc"])
    h = model.fit(xtr, ytr, epochs=int(config.get("epochs", 10)), batch_size=32, verbose=0, validation_data=(xte, yte))
    return {"accuracy": float(h.history["val_acc"][-1]), "loss": float(h.history["loss"][-1]),
            "history": {k: [float(v) for v in vs] for k, vs in h.history.items()}}
