"""Issue 14, finding 7: text from the channels is cleaned and capped before anything else."""

from __future__ import annotations

from datetime import UTC, datetime

from dialogs.edge import MAX_INBOUND, clean_inbound, clean_text
from dialogs.messages import Inbound


def test_control_characters_go_newlines_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x07c\x1b[1m\x7f\x85d") == "abc[1md"
    assert clean_text("一\r\n二\r三\t四") == "一\n二\n三\t四"
    assert clean_text("\ufeff张三\u202e\u2066\ud800") == "张三"
    assert clean_text("👨‍👩‍👧 ok") == "👨‍👩‍👧 ok"  # zero-width joiners in emoji are kept
    assert clean_text(None) == ""


def test_length_is_capped_even_when_most_of_it_is_removed() -> None:
    assert len(clean_text("字" * 100_000)) == MAX_INBOUND
    assert clean_text("\x00" * 100_000 + "好") == ""  # bounded work: the head only
    assert clean_text("\x00好" * 10, 5) == "好好好好好"


def test_every_field_of_an_inbound_is_cleaned() -> None:
    raw = Inbound(
        "telegram",
        "42\x00",
        "你好\x00",
        "m\x00" * 300,
        datetime.now(UTC),
        choice_id="yes\x00" * 40,
        contact_phone="138\x00" * 20,
        display_name="\x00",
    )
    clean = clean_inbound(raw)
    assert (clean.user_ref, clean.text) == ("42", "你好")
    assert len(clean.message_id) == 200 and "\x00" not in clean.message_id
    assert clean.choice_id is not None and len(clean.choice_id) == 64
    assert clean.contact_phone is not None and len(clean.contact_phone) == 32
    assert clean.display_name is None
