"""Chinese NLU for yichuang: one message -> intent, dispute category, tier hint, entities.

nlu = load_nlu(gazetteer, model_dir)      # trains the model on first use, then loads it
parse = nlu.parse("单位欠缴社保三年了", now)  # -> nlu.types.Parse
nlu.parse("中", now, expecting="confirm")   # what the dialogue just asked: "confirm",
                                           # "correction", "category", a slot name, or None

Build the model ahead of first use (install time, CI): ``python -m nlu``.
"""

from __future__ import annotations

from pathlib import Path

from nlu.entities import extract
from nlu.entities.people import looks_like_name
from nlu.model import default_model_dir
from nlu.parser import Nlu
from nlu.types import Gazetteer

__all__ = ["Nlu", "default_model_dir", "extract", "load_nlu", "looks_like_name"]


def load_nlu(
    gazetteer: Gazetteer | None = None,
    model_dir: Path | None = None,
    *,
    backend: str = "builtin",
    rasa_url: str | None = None,
) -> Nlu:
    """The NLU with its model loaded (built first if the versioned file is missing).

    ``model_dir``: where models are cached (default ``$YICHUANG_NLU_MODEL_DIR`` or
    ``~/.cache/yichuang/nlu``). ``backend="rasa"`` with ``rasa_url`` asks a Rasa server first
    and falls back to the built-in model when it does not answer.
    """
    from nlu.model import load

    model = load(model_dir or default_model_dir())
    nlu = Nlu(model, gazetteer)
    if backend == "rasa" and rasa_url:
        from nlu.rasa_client import RasaParser

        nlu.remote = RasaParser(rasa_url, model, gazetteer)
    return nlu
