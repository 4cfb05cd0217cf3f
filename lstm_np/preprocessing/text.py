"""``keras.preprocessing.text`` (Keras 2): the Tokenizer the classic text tutorials use.

    tok = Tokenizer(num_words=10000, oov_token="<OOV>")
    tok.fit_on_texts(train_texts)                   # word_index: most frequent word -> 1, ...
    x = pad_sequences(tok.texts_to_sequences(train_texts), maxlen=100)

Keras 2's rules, kept exactly (scripts depend on them): index 0 is never a word (padding);
the oov_token, when given, is index 1; words are ranked by count, ties in first-seen order;
``num_words`` keeps the indices *below* it — the ``num_words - 1`` most frequent words (the
others become the oov index, or vanish without an oov_token); texts are lower-cased and the
``filters`` characters turned into ``split`` before splitting.
"""
import json
from collections import OrderedDict, defaultdict
from hashlib import md5

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(text, filters=FILTERS, lower=True, split=" "):
    """'Hello, World!' -> ['hello', 'world']."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" "):
    """Each word -> hash(word) % (n - 1) + 1 (collisions possible; 'md5' is stable across runs,
    Python's hash is not)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = lambda w: int(md5(w.encode()).hexdigest(), 16)   # noqa: E731
    return [hash_function(w) % (n - 1) + 1 for w in text_to_word_sequence(text, filters, lower, split)]


def one_hot(text, n, filters=FILTERS, lower=True, split=" "):
    """Keras 2's one_hot: the hashing trick with Python's hash."""
    return hashing_trick(text, n, hash, filters, lower, split)


class Tokenizer:
    """``Tokenizer(num_words=None, filters=..., lower=True, split=' ', char_level=False,
    oov_token=None)`` as Keras 2's."""

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:                          # Keras 1's name
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer got unexpected arguments {sorted(kwargs)}")
        if num_words is not None and (isinstance(num_words, bool) or not isinstance(num_words, int) or num_words < 1):
            raise ValueError(f"Tokenizer: num_words must be None or an int >= 1, received {num_words!r}")
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.document_count = 0
        self.word_index, self.index_word = {}, {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count the words of texts (strings, or lists of tokens) and rank them."""
        if isinstance(texts, str):
            raise TypeError("fit_on_texts expects a list of texts, received one string")
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)   # stable: ties by first sight
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Document counts for tf-idf from sequences of indices."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Each text -> its word indices (words at or past num_words, or unseen: the oov index,
        or left out without an oov_token)."""
        if isinstance(texts, str):
            raise TypeError("texts_to_sequences expects a list of texts, received one string")
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            out = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is None or (self.num_words and i >= self.num_words):
                    if oov is not None:
                        out.append(oov)
                else:
                    out.append(i)
            yield out

    def sequences_to_texts(self, sequences):
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for i in seq:
                w = self.index_word.get(i)
                if w is None or (self.num_words and i >= self.num_words):
                    if oov is not None:
                        words.append(self.index_word[oov])
                else:
                    words.append(w)
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """(len(sequences), num_words) float64: binary, count, freq (count / length) or tfidf
        ((1 + log count) · log(1 + documents / (1 + documents with the word)))."""
        if mode not in MODES:
            raise ValueError(f"unknown vectorization mode {mode!r}; expected one of {MODES}")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (num_words argument), or fit on some text data first")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode")
        x = np.zeros((len(sequences), width))
        for r, seq in enumerate(sequences):
            counts = defaultdict(int)
            for j in seq:
                if j < width:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[r, j] = c
                elif mode == "freq":
                    x[r, j] = c / len(seq)
                elif mode == "binary":
                    x[r, j] = 1
                else:
                    x[r, j] = (1 + np.log(c)) * np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
        return x

    def get_config(self):
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
                "document_count": self.document_count, "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs), "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word), "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs):
        """The tokenizer as JSON (``tokenizer_from_json`` reads it back)."""
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """A Tokenizer from ``Tokenizer.to_json()``."""
    config = dict(json.loads(json_string)["config"])
    state = {k: json.loads(config.pop(k)) for k in ("word_counts", "word_docs", "index_docs", "word_index",
                                                      "index_word")}
    count = config.pop("document_count")
    tok = Tokenizer(**config)
    tok.word_counts = OrderedDict(state["word_counts"])
    tok.word_docs = defaultdict(int, state["word_docs"])
    tok.index_docs = defaultdict(int, {int(k): v for k, v in state["index_docs"].items()})
    tok.word_index = state["word_index"]
    tok.index_word = {int(k): v for k, v in state["index_word"].items()}
    tok.document_count = count
    return tok
