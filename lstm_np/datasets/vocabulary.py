"""A vocabulary / tokenizer with the seq2seq special tokens.

Ids: 0 = <pad>, 1 = <start>, 2 = <end>, 3 = <unk>, then the symbols in sorted order.
``level="char"`` splits strings into characters, ``level="word"`` on whitespace.
"""
import numpy as np

PAD, START, END, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<start>", "<end>", "<unk>")


class Vocabulary:
    def __init__(self, symbols, level="char"):
        if level not in ("char", "word"):
            raise ValueError(f"level must be 'char' or 'word', received {level!r}")
        self.level = level
        self.itos = list(SPECIALS) + sorted(set(symbols) - set(SPECIALS))
        self.stoi = {s: i for i, s in enumerate(self.itos)}

    @classmethod
    def from_texts(cls, texts, level="char"):
        symbols = set()
        for t in texts:
            symbols.update(t if level == "char" else t.split())
        return cls(symbols, level)

    def __len__(self):
        return len(self.itos)

    def tokens(self, text):
        return list(text) if self.level == "char" else text.split()

    def encode(self, text, add_end=False):
        ids = [self.stoi.get(tok, UNK) for tok in self.tokens(text)]
        return ids + [END] if add_end else ids

    def decode(self, ids):
        out = []
        for i in ids:
            i = int(i)
            if i == END:
                break
            if i in (PAD, START):
                continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else SPECIALS[UNK])
        return ("" if self.level == "char" else " ").join(out)

    def encode_batch(self, texts, add_end=False, length=None):
        """Right-padded (N, length) int array."""
        seqs = [self.encode(t, add_end) for t in texts]
        L = max(len(s) for s in seqs) if length is None else length
        out = np.full((len(seqs), L), PAD, dtype=np.int64)
        for i, s in enumerate(seqs):
            if len(s) > L:
                raise ValueError(f"sequence {i} has {len(s)} tokens, longer than length={L}")
            out[i, :len(s)] = s
        return out

    def get_config(self):
        return {"symbols": self.itos[len(SPECIALS):], "level": self.level}
