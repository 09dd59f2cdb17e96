"""The statistical part: TF-IDF features (character and word n-grams) and two linear classifiers
(dialogue intent; dispute category), trained from the Rasa data, cached in a versioned file.

The file name carries a hash of the training data, this module's code version and the
scikit-learn version, so a changed data set or library never loads a stale model.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.dataset import DATA_DIR, Example, data_files, load_examples
from nlu.normalize import fold
from nlu.tokenize import USER_DICT, Segmenter

#: Bump when features or training change in a way that invalidates cached models.
CODE_VERSION = "1"


def default_model_dir() -> Path:
    env = os.environ.get("YICHUANG_NLU_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "yichuang" / "nlu"


def data_hash(data_dir: Path = DATA_DIR) -> str:
    import sklearn

    digest = hashlib.sha256()
    digest.update(f"code={CODE_VERSION};sklearn={sklearn.__version__}".encode())
    for path in [*data_files(data_dir), USER_DICT]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(model_dir: Path, data_dir: Path = DATA_DIR) -> Path:
    return model_dir / f"nlu-{data_hash(data_dir)}.pkl"


@dataclass
class Classifiers:
    """Fitted vectorizers and classifiers (what the model file holds)."""

    char_vec: Any
    word_vec: Any
    intent_clf: Any
    category_clf: Any
    version: str

    @property
    def intents(self) -> list[str]:
        return [str(c) for c in self.intent_clf.classes_]

    @property
    def categories(self) -> list[str]:
        return [str(c) for c in self.category_clf.classes_]


class Model:
    """Classifiers plus the segmenter they need; ``predict`` is read-only (thread-safe)."""

    def __init__(self, classifiers: Classifiers, segmenter: Segmenter) -> None:
        self.clf = classifiers
        self.segmenter = segmenter

    def features(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        folded = [fold(t) for t in texts]
        words = [" ".join(self.segmenter.words(t)) for t in folded]
        return hstack(
            [self.clf.char_vec.transform(folded), self.clf.word_vec.transform(words)]
        ).tocsr()

    def predict(self, text: str) -> tuple[dict[str, float], dict[str, float]]:
        """(intent -> probability, category -> probability) for one text."""
        x = self.features([text])
        ip = self.clf.intent_clf.predict_proba(x)[0]
        cp = self.clf.category_clf.predict_proba(x)[0]
        return (
            dict(zip(self.clf.intents, map(float, ip), strict=True)),
            dict(zip(self.clf.categories, map(float, cp), strict=True)),
        )

    def predict_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        x = self.features(texts)
        return self.clf.intent_clf.predict_proba(x), self.clf.category_clf.predict_proba(x)


def train(examples: Sequence[Example], segmenter: Segmenter, version: str = "") -> Model:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    folded = [fold(e.text) for e in examples]
    words = [" ".join(segmenter.words(t)) for t in folded]
    char_vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
    word_vec = TfidfVectorizer(
        analyzer="word", token_pattern=r"(?u)\S+", ngram_range=(1, 2), sublinear_tf=True
    )
    x = hstack([char_vec.fit_transform(folded), word_vec.fit_transform(words)]).tocsr()
    intents = np.array([e.intent for e in examples])
    intent_clf = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced")
    intent_clf.fit(x, intents)
    dispute = np.array([e.category is not None for e in examples])
    categories = np.array([e.category for e in examples if e.category is not None])
    category_clf = LogisticRegression(C=20.0, max_iter=3000)
    category_clf.fit(x[dispute], categories)
    return Model(Classifiers(char_vec, word_vec, intent_clf, category_clf, version), segmenter)


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
    if not quiet:
        print(f"模型训练完成，用时 {time.perf_counter() - started:.1f} 秒", file=sys.stderr)
    return path


def load(model_dir: Path | None = None, data_dir: Path = DATA_DIR) -> Model:
    """The model for the current data and code: loaded from its file, built first if missing."""
    model_dir = model_dir or default_model_dir()
    path = model_path(model_dir, data_dir)
    if not path.exists():
        build(model_dir, data_dir)
    with path.open("rb") as f:
        classifiers: Classifiers = pickle.load(f)
    return Model(classifiers, Segmenter())
