"""The training data as Rasa reads it (issue 11): every entity annotation on token boundaries
of Rasa's JiebaTokenizer with our dictionaries, insurance types and people counts annotated
wherever the rules find them, and no county's place names in the shared data."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from nlu.dataset import DATA_DIR, Example, load_examples
from nlu.entities import extract
from nlu.rasa_check import RasaJieba, misaligned

EXAMPLE_COUNTY = Path(__file__).parents[2] / "backend" / "county" / "example.toml"


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


def test_no_annotation_is_misaligned_for_rasa(examples: list[Example]) -> None:
    bad = misaligned(examples, RasaJieba())
    shown = [f"{b.entity} {b.text[b.start : b.end]!r} tokens {b.tokens}" for b in bad[:10]]
    assert bad == [], "\n".join(shown)


def test_the_checker_sees_a_misaligned_annotation() -> None:
    # "社" alone splits the token "社保": Rasa would warn about this annotation.
    from nlu.dataset import Annotated

    example = Example("社保断了", "report_dispute", "payment_record", (Annotated("x", "社", 0, 1),))
    assert len(misaligned([example], RasaJieba())) == 1


@pytest.mark.parametrize("kind", ["insurance_type", "people_count"])
def test_what_the_rules_find_is_annotated(examples: list[Example], kind: str) -> None:
    missing = []
    for e in examples:
        for found in extract(e.text):
            if found.type == kind and not any(
                a.type == kind and a.start < found.end and found.start < a.end for a in e.entities
            ):
                missing.append(f"{found.text!r} in {e.text[:40]!r}")
    assert missing == [], missing[:10]


def test_no_county_place_names_in_the_shared_data() -> None:
    county = tomllib.loads(EXAMPLE_COUNTY.read_text(encoding="utf-8"))
    places = {t["name"] for t in county["townships"]}
    places |= {v for t in county["townships"] for v in t.get("villages", [])}
    found = {
        (path.name, place)
        for path in [*DATA_DIR.glob("*.yml"), DATA_DIR / "test_split.jsonl"]
        for place in places
        if place in path.read_text(encoding="utf-8")
    }
    assert found == set()
    lookups = yaml.safe_load((DATA_DIR / "lookup.yml").read_text(encoding="utf-8"))["nlu"]
    assert {block["lookup"] for block in lookups}.isdisjoint({"township", "village"})
