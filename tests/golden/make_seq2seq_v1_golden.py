"""Golden files from the monolithic Seq2Seq (commit 579515d, the last before it was rebuilt from the
public layers): three saved models and what they computed. Run with that commit on the path:

    git worktree add /tmp/v1 579515d
    PYTHONPATH=/tmp/v1 python tests/golden/make_seq2seq_v1_golden.py

tests/test_seq2seq.py loads them with today's code and expects the same losses and outputs.
"""
import json
import os

import numpy as np

from lstm_np.models import Seq2Seq

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seq2seq_v1")
SRC = np.array([[4, 5, 6, 7], [8, 9, 5, 0], [4, 0, 0, 0]])
TGT = np.array([[4, 5, 2, 0], [6, 7, 8, 2], [2, 0, 0, 0]])

os.makedirs(HERE, exist_ok=True)
golden = {}
for att in ("none", "luong", "bahdanau"):
    m = Seq2Seq(12, 12, 6, 5, num_layers=2, bidirectional_encoder=True, attention=None if att == "none" else att,
                dtype="float64", seed=3)
    m.save(os.path.join(HERE, f"{att}.keras"))
    loss, acc = m.forward_loss(SRC, TGT, 1.0, training=False)
    m._cache = None
    golden[att] = {"loss": loss, "accuracy": acc, "greedy": m.predict(SRC, max_length=6),
                   "beam": m.predict(SRC, max_length=6, beam_width=3)}
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"src": SRC.tolist(), "tgt": TGT.tolist(), "models": golden}, f, indent=1)
print(json.dumps(golden, indent=1))
