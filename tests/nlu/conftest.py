"""One NLU for the whole NLU test session (loading it takes about a second; building it, the
first time for a given data set, a few seconds)."""

from __future__ import annotations

import pytest

import nlu
from nlu.parser import Nlu
from nlu.types import Gazetteer

#: A county gazetteer of the tests' own: place names come from the county at run time.
GAZETTEER = Gazetteer(townships={"凤鸣镇": ("南关村", "北关村")})


@pytest.fixture(scope="session")
def shared_nlu() -> Nlu:
    engine = nlu.load_nlu(GAZETTEER)
    # The tokenizer's dictionary loads on the first parse (seconds on a slow machine): never
    # inside a test that times a parse.
    engine.warm()
    return engine
