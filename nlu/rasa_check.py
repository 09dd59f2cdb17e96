"""Rasa's own checks on our training data, without Rasa: entity annotations must start and end
on token boundaries of Rasa's ``JiebaTokenizer`` (``jieba.tokenize`` with the dictionaries in
``nlu/jieba``, as ``nlu/rasa/config.yml`` configures it), else ``rasa train`` warns
"Misaligned entity annotation" and the annotation teaches the model nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from nlu.dataset import Example
from nlu.tokenize import user_dicts


@dataclass(frozen=True)
class Misaligned:
    text: str
    entity: str
    start: int
    end: int
    tokens: tuple[str, ...]


class RasaJieba:
    """What Rasa's JiebaTokenizer does: default mode with HMM, the user dictionaries loaded."""

    def __init__(self) -> None:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for path in user_dicts():
            self._tokenizer.load_userdict(str(path))

    def tokens(self, text: str) -> list[tuple[str, int, int]]:
        return list(self._tokenizer.tokenize(text))


def misaligned(examples: Iterable[Example], tokenizer: RasaJieba) -> list[Misaligned]:
    """Annotations that do not start at a token start or end at a token end."""
    out = []
    for example in examples:
        if not example.entities:
            continue
        tokens = tokenizer.tokens(example.text)
        starts = {s for _, s, _ in tokens}
        ends = {e for _, _, e in tokens}
        for a in example.entities:
            if a.start not in starts or a.end not in ends:
                near = tuple(w for w, s, e in tokens if s < a.end + 2 and e > a.start - 2)
                out.append(Misaligned(example.text, a.type, a.start, a.end, near))
    return out
