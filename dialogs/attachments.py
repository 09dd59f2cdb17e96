"""Photos, voice messages and files in the conversation (issue 15, the dialogue's part).

The channel layer downloads, checks and stores what was sent and hands the dialogue plain
``InboundAttachment``s. Here: each is acknowledged in the turn's reply with the store's own
sentence; the draft is never lost; values OCR read from a photo are offered one at a time for
a yes (照片上的身份证号是 1405…，对吗？) and filled only then, a value already given is not
replaced without saying so; a voice message while a report is open gets the few details still
needed asked in writing, or a call back; an attachment with nothing open starts nothing but
says what to do.
"""

from __future__ import annotations

from dialogs import form, questions, texts, understand
from dialogs.filling import reading
from dialogs.form import SLOTS
from dialogs.messages import Choice, Inbound, InboundAttachment
from dialogs.state import ConversationState
from dialogs.step import Step

#: A slot read from a photo is offered at most this many values per report (no endless quiz).
MAX_OFFERS = 4
#: Slots a photo may fill: numbers and facts OCR reads reliably, never the story.
PHOTO_SLOTS = frozenset(
    {"id_number", "phone", "credit_code", "amount", "period", "name", "unit", "employer"}
)
YES_NO = (Choice("photo_yes", "对"), Choice("photo_no", "不对"))
CALL_BACK = "call_back"

_KIND_NAMES = {"image": "照片", "voice": "语音", "video": "视频", "file": "文件"}


def current_draft_key(state: ConversationState, inbound: Inbound) -> str | None:
    """The ``CaseDraft.draft_key`` of the report open in ``state`` (the key the engine gives
    the case it opens from it), or None when no report is open. Called with the state after
    the turn (``TurnResult.state``) it names the draft an upload of ``inbound`` belongs to;
    None then means the turn opened the case (``state.opened[-1]``) or started nothing."""
    draft = state.draft
    if draft is None or not draft.started_at:
        return None
    return f"{inbound.channel}:{inbound.user_ref}:{draft.started_at}"


def attachment_target(state: ConversationState, inbound: Inbound) -> tuple[str, str] | None:
    """Where an upload of ``inbound`` belongs, given the state after its turn: ("draft",
    draft_key) while a report is open, ("case", number) once one was registered from this
    conversation (the latest), None when nothing was reported (the upload stands alone)."""
    key = current_draft_key(state, inbound)
    if key is not None:
        return ("draft", key)
    if state.opened:
        return ("case", state.opened[-1])
    return None


def acknowledge(s: Step) -> bool:
    """Say what became of each attachment; True when the message is dealt with (it had no
    text). Values read from photos are queued for confirmation while a report is open."""
    attachments = s.inbound.attachments
    if not attachments:
        return False
    for a in attachments:
        s.say(_sentence(a))
    st = s.st
    if st.draft is not None and st.privacy_accepted:
        _queue(s, [a for a in attachments if a.accepted and a.kind == "image"])
    if s.text:
        return False  # the words are handled as usual; the photo's values are offered after
    if st.draft is None:
        kinds = "、".join(dict.fromkeys(_KIND_NAMES.get(a.kind, "文件") for a in attachments))
        if st.opened:
            s.say(texts.attachment_after_case(kinds, st.opened[-1]))
        else:
            s.say(texts.attachment_without_story(kinds))
        return True
    if any(a.accepted and a.kind == "voice" for a in attachments):
        _voice(s)
        return True
    if st.photo_offers and st.mode == "":
        offer_next(s)
        return True
    _ask_again(s)
    return True


def after_turn(s: Step) -> None:
    """A photo sent with words: its values are offered once the words are dealt with."""
    st = s.st
    if st.photo_offers and st.mode == "" and st.draft is not None and not s.effects:
        offer_next(s)


def offer_next(s: Step) -> None:
    """The next value read from a photo, as a yes/no question; the form when none is left."""
    st = s.st
    while st.photo_offers and st.draft is not None:
        slot_name, value, shown = st.photo_offers[0]
        slot_ = SLOTS.get(slot_name)
        if slot_ is None or _same(s, slot_name, value):
            st.photo_offers.pop(0)
            continue
        label = texts.FIELD_LABELS.get(slot_name, slot_.label)
        st.mode, st.asking = "photo", []
        if slot_.done(st.draft, st.profile) and slot_name not in st.draft.skipped:
            s.say(texts.photo_differs(label, shown))
        else:
            s.say(texts.photo_offer(label, shown))
        s.offer(*YES_NO)
        return
    st.photo_offers = []
    if st.mode == "photo":
        st.mode = ""
    questions.continue_prompt(s)


def on_photo(s: Step) -> bool:
    """The answer to 照片上的…，对吗？: filled on a yes, dropped on a no; anything else is
    handled as usual (the remaining values are not asked about)."""
    st = s.st
    if st.draft is None or not st.photo_offers:
        st.mode, st.photo_offers = "", []
        return False
    yes = s.choice == "photo_yes" or (not s.choice and understand.agrees(s.text))
    no = s.choice == "photo_no" or (not s.choice and understand.is_deny(s.text))
    if not (yes or no):
        st.mode, st.photo_offers = "", []
        return False
    slot_name, value, _ = st.photo_offers.pop(0)
    if yes:
        slot_ = SLOTS[slot_name]
        read = slot_.read(value, reading(s, slot_name))
        if read.ok:
            form.apply(slot_, read.updates, st.draft, st.profile)
            s.say("好的，记下了。")
        else:
            s.say(read.problem or "照片上的这个看不清，先不填了。")
    else:
        s.say("好的，不用照片上的。")
    offer_next(s)
    return True


def call_back(s: Step) -> bool:
    """ "请工作人员打电话给我" after a voice message: what is still missing is left to the
    call (a phone number to call is still needed); the summary comes next."""
    st = s.st
    draft = st.draft
    if draft is None:
        return False
    who = _caller(s)
    note = f"（发了语音，不方便打字，请{who}回电核实）"
    draft.description = f"{draft.description or '（语音反映，内容见附件）'}{note}"
    if not draft.category_sure:
        draft.category, draft.category_sure = draft.category or "other", True
    rules = s.ctx.form_rules
    for x in form.FORM:
        if not x.needed(draft, st.profile, rules) or x.done(draft, st.profile):
            continue
        if x.name == "phone" and not draft.proxy:
            continue  # the one thing a call back needs
        if x.skippable(draft) or x.name in form.LEFT_TO_STAFF:
            x.skipped_list(draft, st.profile).append(x.name)
    s.say(f"好的，会请{who}打电话和您核实。")
    st.mode = ""
    questions.continue_prompt(s)
    return True


# --- helpers ---------------------------------------------------------------------------------


def _sentence(a: InboundAttachment) -> str:
    if a.sentence:
        return a.sentence[:200]
    name = _KIND_NAMES.get(a.kind, "文件")
    if a.accepted:
        return f"收到{name}了，会一并交给办理单位。"
    return f"这个{name}没能收下，请换一个再发，或者用文字说明。"


def _queue(s: Step, photos: list[InboundAttachment]) -> None:
    st = s.st
    known = {(o[0], o[1]) for o in st.photo_offers}
    for a in photos:
        for item in a.suggestions[:8]:
            if len(item) != 3:
                continue
            slot_name, value, shown = (str(x)[:64] for x in item)
            if slot_name not in PHOTO_SLOTS or not value or (slot_name, value) in known:
                continue
            if len(st.photo_offers) >= MAX_OFFERS:
                return
            st.photo_offers.append([slot_name, value, shown or value])
            known.add((slot_name, value))


def _same(s: Step, slot_name: str, value: str) -> bool:
    """The photo says what the draft already holds: nothing to ask."""
    st = s.st
    assert st.draft is not None
    slot_ = SLOTS[slot_name]
    read = slot_.read(value, reading(s, slot_name))
    if not read.ok:
        return False
    target = slot_.target(st.draft, st.profile)
    return all(getattr(target, k, None) == v for k, v in read.updates.items() if k in slot_.holds)


def _caller(s: Step) -> str:
    """Who calls back: the grid worker the county lists for the complainant's village, else
    the staff (a grid worker filing for someone is called by the staff)."""
    st = s.st
    draft = st.draft
    if draft is not None and not draft.proxy and draft.village:
        for w in s.ctx.grid_workers:
            if draft.village and w.village == draft.village:
                return f"网格员{w.name}"
    return "工作人员"


def _voice(s: Step) -> None:
    """A voice message while a report is open: the few details still needed, in writing, or
    a call back."""
    st = s.st
    assert st.draft is not None
    slots = form.pending(st.draft, st.profile, s.ctx.form_rules)
    if st.mode not in ("", "privacy") or not slots:
        _ask_again(s)
        return
    rules = s.ctx.form_rules
    missing = [
        x
        for x in form.FORM
        if x.needed(st.draft, st.profile, rules)
        and not x.done(st.draft, st.profile)
        and x.name not in ("category", "consent")
    ]
    labels = "、".join(dict.fromkeys(texts.FIELD_LABELS.get(x.name, x.label) for x in missing))
    who = _caller(s)
    s.say(texts.voice_needs(labels, who))
    questions.continue_prompt(s)
    s.offer(*s.choices, Choice(CALL_BACK, f"请{who}打电话给我"))


def _ask_again(s: Step) -> None:
    """Whatever was asked before the attachment, asked again (nothing is lost)."""
    st = s.st
    if st.mode == "summary":
        s.say(texts.SUMMARY_ASK)
        s.offer(*questions.CONFIRM_CHOICES)
    elif st.mode == "photo":
        offer_next(s)
    elif st.mode in ("", "privacy"):
        questions.continue_prompt(s)
    else:
        s.say("请接着回答上面的问题。")
        s.offer(*(Choice(item[0], item[1]) for item in s.menu_at_start if len(item) == 2))
