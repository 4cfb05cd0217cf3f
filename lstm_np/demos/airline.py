"""Forecasting the airline passengers (Box & Jenkins' Series G) with LSTMs — honestly.

The classic tutorial: scale the monthly series to [0, 1], train an LSTM(4) to predict next
month from this month (look-back 1), batch 1, 100 epochs; test on the last third (1957–1960),
one step ahead, from the true past. Compared with what a forecaster would try first:

    persistence        ŷ_t = y_{t-1}
    seasonal naive     ŷ_t = y_{t-12}

and with LSTM variants: a 12-month look-back; a stacked bidirectional one; and one that
forecasts the seasonal difference d_t = y_t - y_{t-12} from the last 12 differences, then
ŷ_t = y_{t-12} + d̂_t. Test RMSE in thousands of passengers, mean ± std over seeds.
"""
import csv
import os

import numpy as np

from ..datasets import MinMaxScaler, load_airline_passengers, timeseries_windows
from ..layers import LSTM, Bidirectional, Dense, Input
from ..models import Sequential

TEST_MONTHS = 48          # the last third of 144 months, as the tutorial splits 67 / 33


def _rmse(pred, truth):
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(truth)) ** 2)))


def _fit_predict(series, lookback, make_layers, seed, epochs, n_test):
    """Scale on the training part, train on its windows, predict the last n_test values one
    step ahead from the true past. series: what the model sees (raw or differenced)."""
    train = series[:-n_test]
    scaler = MinMaxScaler().fit(train)
    scaled = scaler.transform(series)
    X, y = timeseries_windows(scaled, lookback)                    # y[i] = scaled[i + lookback]
    n_train = len(train) - lookback
    model = Sequential([Input((lookback, 1))] + make_layers(seed), seed=seed)
    model.compile(loss="mse", optimizer="adam")
    model.fit(X[:n_train], y[:n_train], epochs=epochs, batch_size=1, verbose=0)
    pred = model.predict(X[-n_test:], batch_size=n_test)[:, 0]
    return scaler.inverse_transform(pred)


MODELS = {
    "LSTM(4), look-back 1 (the tutorial)": (1, False, lambda s: [LSTM(4, seed=s), Dense(1, seed=s + 1)]),
    "LSTM(16), look-back 12": (12, False, lambda s: [LSTM(16, seed=s), Dense(1, seed=s + 1)]),
    "BiLSTM(8) + LSTM(8), look-back 12": (12, False, lambda s: [
        Bidirectional(LSTM(8, return_sequences=True, seed=s)), LSTM(8, seed=s + 2), Dense(1, seed=s + 1)]),
    "LSTM(16) on seasonal differences": (12, True, lambda s: [LSTM(16, seed=s), Dense(1, seed=s + 1)]),
}


def run(out="lstm_np_out", seed=0, quick=False, print_fn=print, seeds=None, epochs=None):
    series = load_airline_passengers()
    seeds = seeds or (2 if quick else 5)
    epochs = epochs or (15 if quick else 100)
    truth = series[-TEST_MONTHS:]
    results = {"persistence": [_rmse(series[-TEST_MONTHS - 1:-1], truth)],
               "seasonal naive": [_rmse(series[-TEST_MONTHS - 12:-12], truth)]}
    forecasts = {"persistence": series[-TEST_MONTHS - 1:-1], "seasonal naive": series[-TEST_MONTHS - 12:-12]}
    for name, (lookback, differenced, make) in MODELS.items():
        scores, best = [], None
        for k in range(seeds):
            s = seed + 100 * k
            if differenced:
                diff = series[12:] - series[:-12]                  # d_t = y_t - y_{t-12}
                pred = series[-TEST_MONTHS - 12:-12] + _fit_predict(diff, lookback, make, s, epochs, TEST_MONTHS)
            else:
                pred = _fit_predict(series, lookback, make, s, epochs, TEST_MONTHS)
            scores.append(_rmse(pred, truth))
            if best is None or scores[-1] < best[0]:
                best = (scores[-1], pred)
        results[name] = scores
        forecasts[name] = best[1]
    print_fn(f"airline passengers, test {TEST_MONTHS} months (1957-1960), one step ahead; "
             f"RMSE in thousands of passengers over {seeds} seed(s), {epochs} epochs:")
    width = max(len(k) for k in results)
    for name, scores in results.items():
        spread = f" ± {np.std(scores):.1f}  (best {min(scores):.1f})" if len(scores) > 1 else ""
        print_fn(f"  {name:<{width}}  {np.mean(scores):6.1f}{spread}")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "airline_rmse.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "mean_rmse", "std_rmse", "runs"] + [f"seed_{k}" for k in range(seeds)])
        for name, scores in results.items():
            w.writerow([name, np.mean(scores), np.std(scores), len(scores)] + scores)
    _plot(series, forecasts, results, os.path.join(out, "airline_forecast.png"))
    return results


def _plot(series, forecasts, results, path):
    from matplotlib.figure import Figure       # no pyplot: the backend stays the user's
    months = np.arange(len(series))
    fig = Figure(figsize=(10, 4.8))
    ax = fig.subplots()
    ax.plot(months, series, color="black", lw=2, label="passengers (truth)")
    test = months[-TEST_MONTHS:]
    for name, pred in forecasts.items():
        style = "--" if name in ("persistence", "seasonal naive") else "-"
        ax.plot(test, pred, style, lw=1.3, label=f"{name}: RMSE {np.mean(results[name]):.1f}")
    ax.axvline(len(series) - TEST_MONTHS - 0.5, color="grey", lw=0.8)
    ax.text(len(series) - TEST_MONTHS + 1, series.max() * 0.98, "test →", color="grey", va="top")
    ax.set_xticks(np.arange(0, len(series) + 1, 24))
    ax.set_xticklabels([str(1949 + k // 12) for k in range(0, len(series) + 1, 24)])
    ax.set_ylabel("passengers (thousands)")
    ax.set_title("Airline passengers: one-step-ahead forecasts of 1957-1960 (best seed of each LSTM)")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
