"""The statistical part: TF-IDF features (character and word n-grams) and two linear classifiers
(dialogue intent; dispute category), trained from the Rasa data, cached in a versioned file.

Training uses scikit-learn: linear SVMs (liblinear, about a second on 4,000 examples, where a
logistic regression took 20 s) whose scores become probabilities through a softmax with a
temperature fitted on out-of-fold scores. For the dispute categories the folds hold out whole
data files (each written by a different author), so the temperature reflects phrasing the
model has not seen, and "0.4" means roughly what it says.

The model file holds plain numbers (vocabularies, idf weights, weight matrices): loading and
predicting need numpy only, not scikit-learn (importing scikit-learn alone took a second of the
cold start), and a scikit-learn upgrade cannot break a stored model. The file name carries a
hash of the training data, the user dictionary and ``CODE_VERSION``, so changed data or code
never loads a stale model.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import pickle
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.dataset import DATA_DIR, Example, data_files, load_examples
from nlu.normalize import fold
from nlu.tokenize import Segmenter, user_dicts

#: Bump when features, training or the file format change (invalidates cached models).
CODE_VERSION = "5"
#: SVM regularisation (dev split: 0.5 and 1.0 tie; the smaller is smoother on unseen phrasing).
SVM_C = 0.5
#: Folds for the out-of-fold scores the temperature is fitted on (each fold is one more fit;
#: the temperature, one number, needs no more than two).
FOLDS = 2
#: Older model files kept next to the current one (another process may still be loading one).
KEEP_OLD = 2
CHAR_NGRAMS = (1, 3)
WORD_NGRAMS = (1, 2)
_WHITE = re.compile(r"\s\s+")


def default_model_dir() -> Path:
    env = os.environ.get("YICHUANG_NLU_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "yichuang" / "nlu"


def data_hash(data_dir: Path = DATA_DIR) -> str:
    digest = hashlib.sha256()
    digest.update(f"code={CODE_VERSION}".encode())
    for path in [*data_files(data_dir), *user_dicts()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(model_dir: Path, data_dir: Path = DATA_DIR) -> Path:
    return model_dir / f"nlu-{data_hash(data_dir)}.pkl"


# --- inference (numpy only) -----------------------------------------------------------------


def char_ngrams(text: str, ngrams: tuple[int, int] = CHAR_NGRAMS) -> list[str]:
    """scikit-learn's ``analyzer="char"`` (white space runs collapsed to one space)."""
    text = _WHITE.sub(" ", text)
    low, high = ngrams
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def word_ngrams(words: str, ngrams: tuple[int, int] = WORD_NGRAMS) -> list[str]:
    """scikit-learn's ``analyzer="word"`` with ``token_pattern=r"(?u)\\S+"``."""
    tokens = words.split()
    low, high = ngrams
    return [
        " ".join(tokens[i : i + n])
        for n in range(low, high + 1)
        for i in range(len(tokens) - n + 1)
    ]


@dataclass
class Vectorizer:
    """A fitted TF-IDF vocabulary (sublinear tf, smooth idf, l2 norm), as plain data."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int = 0

    def features(self, terms: list[str]) -> tuple[list[int], list[float]]:
        counts = Counter(t for t in terms if t in self.vocabulary)
        index = [self.vocabulary[t] for t in counts]
        values = [(1.0 + math.log(c)) * float(self.idf[i]) for i, c in zip(index, counts.values(), strict=True)]  # fmt: skip
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return [i + self.offset for i in index], [v / norm for v in values]


@dataclass
class Linear:
    """A linear classifier: ``softmax(temperature * (x @ weights + intercept))``."""

    labels: tuple[str, ...]
    #: (features, classes), float32: a row per feature, gathered for the few a text has.
    weights: np.ndarray
    intercept: np.ndarray
    temperature: float

    def proba(self, index: list[int], values: list[float]) -> np.ndarray:
        scores = self.intercept.astype(np.float64)
        if index:
            scores = scores + np.asarray(values) @ self.weights[index].astype(np.float64)
        return _softmax(scores[None, :] * self.temperature)[0]


@dataclass
class Classifiers:
    """What the model file holds: plain data (no scikit-learn objects)."""

    char_vec: Vectorizer
    word_vec: Vectorizer
    intent_clf: Linear
    category_clf: Linear
    version: str

    @property
    def intents(self) -> list[str]:
        return list(self.intent_clf.labels)

    @property
    def categories(self) -> list[str]:
        return list(self.category_clf.labels)


class Model:
    """Classifiers plus the segmenter they need; ``predict`` is read-only (thread-safe)."""

    def __init__(self, classifiers: Classifiers, segmenter: Segmenter) -> None:
        self.clf = classifiers
        self.segmenter = segmenter

    def features(self, text: str) -> tuple[list[int], list[float]]:
        folded = fold(text)
        words = " ".join(self.segmenter.words(folded))
        ci, cv = self.clf.char_vec.features(char_ngrams(folded))
        wi, wv = self.clf.word_vec.features(word_ngrams(words))
        return ci + wi, cv + wv

    def predict(self, text: str) -> tuple[dict[str, float], dict[str, float]]:
        """(intent -> probability, category -> probability) for one text."""
        index, values = self.features(text)
        ip = self.clf.intent_clf.proba(index, values)
        cp = self.clf.category_clf.proba(index, values)
        return (
            dict(zip(self.clf.intents, map(float, ip), strict=True)),
            dict(zip(self.clf.categories, map(float, cp), strict=True)),
        )


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


# --- training (scikit-learn) -----------------------------------------------------------------


def _fit_linear(
    x: Any, y: np.ndarray, *, balanced: bool = False, groups: np.ndarray | None = None
) -> Linear:
    """A linear SVM on ``x, y`` and the softmax temperature that minimises the log loss of its
    out-of-fold scores. With ``groups`` (the source file of each example) the folds hold out
    whole files: scores on an author's phrasing the fold never saw, which is what real messages
    are (random folds give over-confident temperatures)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import LinearSVC

    def make() -> Any:
        return LinearSVC(C=SVM_C, class_weight="balanced" if balanced else None)

    scores: np.ndarray | None = None
    folds = _group_folds(y, groups) if groups is not None else None
    if folds is not None:
        scores = np.asarray(cross_val_predict(make(), x, y, cv=folds, method="decision_function"))
    else:
        stratified = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
        scores = np.asarray(
            cross_val_predict(make(), x, y, cv=stratified, method="decision_function")
        )
    clf = make().fit(x, y)
    index = {label: i for i, label in enumerate(clf.classes_)}
    gold = np.array([index[label] for label in y])
    best_t, best_loss = 1.0, float("inf")
    scores = np.clip(scores, -50.0, 50.0)
    for t in np.geomspace(0.5, 30.0, 40):
        p = _softmax(scores * t)
        loss = float(-np.mean(np.log(p[np.arange(len(gold)), gold] + 1e-12)))
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return Linear(
        labels=tuple(str(c) for c in clf.classes_),
        weights=np.ascontiguousarray(clf.coef_.T, dtype=np.float32),
        intercept=np.asarray(clf.intercept_, dtype=np.float32),
        temperature=best_t,
    )


def _group_folds(y: np.ndarray, groups: np.ndarray) -> list[tuple[Any, Any]] | None:
    """Folds that hold out whole source files, as few as possible (from ``FOLDS`` up), such
    that every training side still has every class; None when no such split exists."""
    from sklearn.model_selection import GroupKFold

    classes = set(y.tolist())
    n_groups = len(set(groups.tolist()))
    for k in range(FOLDS, n_groups + 1):
        folds = list(GroupKFold(n_splits=k).split(y, y, groups))
        if all(set(y[train].tolist()) == classes for train, _ in folds):
            return folds
    return None


def train(examples: Sequence[Example], segmenter: Segmenter, version: str = "") -> Model:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    folded = [fold(e.text) for e in examples]
    words = [" ".join(segmenter.words(t)) for t in folded]
    char_vec = TfidfVectorizer(
        analyzer="char", ngram_range=CHAR_NGRAMS, sublinear_tf=True, lowercase=False
    )
    word_vec = TfidfVectorizer(
        analyzer="word", token_pattern=r"(?u)\S+", ngram_range=WORD_NGRAMS, sublinear_tf=True,
        lowercase=False,
    )  # fmt: skip
    xc = char_vec.fit_transform(folded)
    x = hstack([xc, word_vec.fit_transform(words)]).tocsr()
    intents = np.array([e.intent for e in examples])
    intent_clf = _fit_linear(x, intents, balanced=True)
    dispute = np.array([e.category is not None for e in examples])
    categories = np.array([e.category for e in examples if e.category is not None])
    sources = np.array([e.source for e in examples if e.category is not None])
    category_clf = _fit_linear(x[dispute], categories, groups=sources)
    classifiers = Classifiers(
        char_vec=_plain(char_vec, 0),
        word_vec=_plain(word_vec, xc.shape[1]),
        intent_clf=intent_clf,
        category_clf=category_clf,
        version=version,
    )
    return Model(classifiers, segmenter)


def _plain(vectorizer: Any, offset: int) -> Vectorizer:
    vocabulary = {str(term): int(i) for term, i in vectorizer.vocabulary_.items()}
    return Vectorizer(vocabulary, np.asarray(vectorizer.idf_, dtype=np.float32), offset)


def build(model_dir: Path, data_dir: Path = DATA_DIR, *, quiet: bool = False) -> Path:
    """Train from ``data_dir`` and write the versioned model file; returns its path."""
    version = data_hash(data_dir)
    path = model_dir / f"nlu-{version}.pkl"
    started = time.perf_counter()
    if not quiet:
        print(f"正在训练语义理解模型（首次使用需要几秒钟）：{path}", file=sys.stderr, flush=True)
    segmenter = Segmenter()
    model = train(load_examples(data_dir), segmenter, version)
    model_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=".nlu-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(model.clf, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent loader sees the old file or the new one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _prune(model_dir, path)
    if not quiet:
        print(f"模型训练完成，用时 {time.perf_counter() - started:.1f} 秒", file=sys.stderr)
    return path


def _prune(model_dir: Path, current: Path) -> None:
    """Delete all but the newest ``KEEP_OLD`` older model files (13 MB each)."""
    old = sorted(
        (p for p in model_dir.glob("nlu-*.pkl") if p != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in old[KEEP_OLD:]:
        with contextlib.suppress(OSError):
            path.unlink()


def ensure(model_dir: Path | None = None, data_dir: Path = DATA_DIR) -> Path:
    """The current model file, built if missing (``python -m nlu``: at install time)."""
    model_dir = model_dir or default_model_dir()
    path = model_path(model_dir, data_dir)
    if not path.exists():
        build(model_dir, data_dir)
    return path


def load(model_dir: Path | None = None, data_dir: Path = DATA_DIR) -> Model:
    """The model for the current data and code: loaded from its file, built first if missing."""
    path = ensure(model_dir, data_dir)
    with path.open("rb") as f:
        classifiers: Classifiers = pickle.load(f)
    return Model(classifiers, Segmenter())
