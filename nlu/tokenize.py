"""Word segmentation: a private jieba tokenizer with the domain user dictionary (no global state)."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba

USER_DICT = Path(__file__).parent / "jieba" / "userdict.txt"


class Segmenter:
    """jieba word segmentation, read-only after construction (safe to share between threads)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        # jieba logs "Building prefix dict..." at DEBUG/INFO on its own logger: keep it quiet.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        if cache_dir is not None:
            self._tokenizer.tmp_dir = str(cache_dir)
        self._tokenizer.initialize()
        self._tokenizer.load_userdict(str(USER_DICT))

    def words(self, text: str) -> list[str]:
        return [w for w in self._tokenizer.lcut(text, HMM=False) if w.strip()]
