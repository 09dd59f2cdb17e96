"""Word segmentation: a private jieba tokenizer with the domain user dictionary (no global state)."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba

USER_DICT = Path(__file__).parent / "jieba" / "userdict.txt"


def user_dicts() -> list[Path]:
    """Every dictionary in ``nlu/jieba`` (Rasa's JiebaTokenizer loads them all, and so do we):
    ``userdict.txt`` (domain words) and ``entities.txt`` (annotated entity texts, so that every
    annotation falls on token boundaries)."""
    return sorted(USER_DICT.parent.glob("*.txt"))


class Segmenter:
    """jieba word segmentation, read-only after construction (safe to share between threads)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        # jieba logs "Building prefix dict..." at DEBUG/INFO on its own logger: keep it quiet.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        if cache_dir is not None:
            self._tokenizer.tmp_dir = str(cache_dir)
        self._tokenizer.initialize()
        for path in user_dicts():
            self._tokenizer.load_userdict(str(path))

    def words(self, text: str) -> list[str]:
        return [w for w in self._tokenizer.lcut(text, HMM=False) if w.strip()]
