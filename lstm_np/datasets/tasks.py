"""Offline toy seq2seq tasks with a fixed seed: reversal, sorting, addition, dates.

Each ``make_*`` returns (sources, targets) as lists of strings; ``encode_pairs`` turns
them into padded id arrays for ``Seq2Seq.fit`` (targets end with <end>, no <start>).
"""
import datetime

import numpy as np

from .vocabulary import Vocabulary

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def make_reversal(n, min_len=3, max_len=10, alphabet="abcdefghij", seed=0):
    rng = _rng(seed)
    src = ["".join(rng.choice(list(alphabet), rng.integers(min_len, max_len + 1))) for _ in range(n)]
    return src, [s[::-1] for s in src]


def make_sorting(n, min_len=3, max_len=10, alphabet="abcdefghij", seed=0):
    rng = _rng(seed)
    src = ["".join(rng.choice(list(alphabet), rng.integers(min_len, max_len + 1))) for _ in range(n)]
    return src, ["".join(sorted(s)) for s in src]


def make_addition(n, digits=3, seed=0):
    """"123+45" -> "168"."""
    rng = _rng(seed)
    src, tgt = [], []
    for _ in range(n):
        a = int(rng.integers(0, 10 ** int(rng.integers(1, digits + 1))))
        b = int(rng.integers(0, 10 ** int(rng.integers(1, digits + 1))))
        src.append(f"{a}+{b}")
        tgt.append(str(a + b))
    return src, tgt


def _format_date(d, style):
    m, wd = MONTHS[d.month - 1], DAYS[d.weekday()]
    return {
        0: f"{m} {d.day}, {d.year}",                     # November 22, 2026
        1: f"{d.day:02d}/{d.month:02d}/{d.year}",          # 22/11/2026
        2: f"{wd[:3]} {d.day} {m[:3]} {d.year % 100:02d}",  # Sun 22 Nov 26
        3: f"{d.day} {m} {d.year}",                        # 22 November 2026
        4: f"{m[:3]} {d.day}, {d.year}",                   # Nov 22, 2026
        5: f"{d.year}/{d.month}/{d.day}",                  # 2026/11/22
        6: f"{wd}, {m} {d.day}, {d.year}",                 # Sunday, November 22, 2026
        7: f"{d.day}.{d.month}.{d.year}",                  # 22.11.2026
        8: f"{m[:3].upper()} {d.day:02d} {d.year}",        # NOV 22 2026
        9: f"{d.day} {m[:3].lower()} {d.year}",            # 22 nov 2026
    }[style]


def make_dates(n, start_year=1950, end_year=2049, seed=0):
    """Human-written dates in ten styles -> ISO "YYYY-MM-DD" (a small translation task)."""
    rng = _rng(seed)
    first = datetime.date(start_year, 1, 1).toordinal()
    last = datetime.date(end_year, 12, 31).toordinal()
    src, tgt = [], []
    for _ in range(n):
        d = datetime.date.fromordinal(int(rng.integers(first, last + 1)))
        style = int(rng.integers(0, 10))
        if style == 2 and not (2000 <= d.year <= 2099):   # two-digit years only where unambiguous
            style = 0
        src.append(_format_date(d, style))
        tgt.append(d.isoformat())
    return src, tgt


def encode_pairs(sources, targets, src_vocab=None, tgt_vocab=None, level="char"):
    """Vocabularies (built from the data when not given) and padded id arrays."""
    src_vocab = src_vocab or Vocabulary.from_texts(sources, level)
    tgt_vocab = tgt_vocab or Vocabulary.from_texts(targets, level)
    return src_vocab, tgt_vocab, src_vocab.encode_batch(sources), tgt_vocab.encode_batch(targets, add_end=True)


def make_running_parity(n, rng, timesteps=12):
    """x (n, T, 1) uniform in [0, 1); y (n, T, 1) = ⌊Σ_{s<=t} x_s⌋ mod 2 — the parity of the running
    sum's integer part: a task where depth helps (``lstm-np demo stacked``)."""
    x = rng.random((n, timesteps, 1))
    y = (np.floor(np.cumsum(x, axis=1)) % 2).astype("int32")
    return x.astype("float32"), y

