"""The model file: plain numbers that need no scikit-learn to load, features identical to the
scikit-learn vectorizers they were fitted with, and a file name that changes with the data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.dataset import DATA_DIR
from nlu.model import Vectorizer, char_ngrams, data_hash
from nlu.normalize import fold

TEXTS = ["单位欠缴社保三年了", "滞纳金  太高了 ABC", "退费1.2万一直没到账", ""]


def test_our_tfidf_equals_scikit_learns() -> None:
    folded = [fold(t) for t in TEXTS]
    fitted = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False
    ).fit(folded)
    ours = Vectorizer(
        {str(k): int(v) for k, v in fitted.vocabulary_.items()}, fitted.idf_.astype(np.float32)
    )
    expected = fitted.transform(folded).toarray()
    for text, row in zip(folded, expected, strict=True):
        index, values = ours.features(char_ngrams(text))
        got = np.zeros_like(row)
        got[index] = values
        assert np.abs(got - row).max() < 1e-6


def test_loading_the_model_does_not_import_scikit_learn(shared_nlu: object) -> None:
    code = "import sys, nlu; n = nlu.load_nlu(); n.parse('社保'); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_model_file_name_follows_the_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    before = data_hash(data)
    assert before == data_hash(DATA_DIR)
    intents = data / "intents.yml"
    intents.write_text(intents.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert data_hash(data) != before
