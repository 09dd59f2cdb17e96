"""One dialogue turn as a pure function.

``turn(state, inbound, parse, ctx)`` returns the new state, the replies and the effects the
caller must carry out (open a case, look one up...). Effects that produce an answer are fed
back through ``resolve(state, effect, outcome, inbound, ctx)``, also pure. Nothing here does
I/O, reads a clock or knows a channel: ``dialogs.service`` does that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from backend.drafts import (
    CaseDraft,
    CaseView,
    ComplainantDraft,
    FilerDraft,
    OpenedCase,
)
from dialogs import texts, understand
from dialogs.context import DialogContext
from dialogs.messages import Choice, Inbound, Reply
from dialogs.names import find_name, is_address_form, looks_like_name
from dialogs.state import ConversationState, Draft, Profile
from dialogs.validate import check_credit_code, check_id_number, check_phone, normalise_digits
from nlu.types import CATEGORIES, CATEGORY_NAMES, INSURANCE_TYPES, Entity, Parse

#: Categories whose routing or handling involves an employer: ask for it.
EMPLOYER_CATEGORIES = frozenset({"arrears", "labor_relation", "contribution_base"})
#: Categories routed to 人社 or 医保 by insurance type: ask for it.
INSURANCE_CATEGORIES = frozenset(
    {"registration", "benefits", "special_assessment", "payment_record", "info_transfer"}
)
#: Categories routed by the reform date (before: 人社/医保, after: 税务): ask for the period.
PERIOD_CATEGORIES = frozenset(
    {"contribution_base", "contribution_amount", "late_fee", "special_assessment"}
)
REQUIRED = ("description", "category", "name", "phone", "township")
SKIPPABLE = frozenset(
    {"village", "id_number", "employer", "insurance_type", "period", "worker_village"}
)
#: A category ranked at least this likely is taken without asking (when the NLU is not
#: "uncertain"); "other" is never taken without asking: the menu helps the user say more.
RANKING_SURE = 0.6
#: ... and at least this likely even when the NLU calls the message as a whole uncertain.
RANKING_CLEAR = 0.8
#: Default menu when the NLU offers no ranking.
DEFAULT_CANDIDATES = ("contribution_amount", "late_fee", "refund")

CASE_NUMBER = re.compile(r"[A-Za-z]{2,4}-?\d{4}-?\d{3,8}")
GRID_INTRO = re.compile(r"网格员|代办员|协理员|网格长")
PROXY_MARKER = re.compile(r"帮|替|代(?!办员)|给")
SELF_MARKER = re.compile(r"我自己|我本人|本人的事|给我自己")

CONFIRM_CHOICES = (
    Choice("confirm", "确认提交"),
    Choice("edit", "修改"),
    Choice("cancel", "取消"),
)
SKIP_CHOICE = Choice("skip", "跳过")


# --- effects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCase:
    draft: CaseDraft


@dataclass(frozen=True)
class LookupCase:
    number: str
    phone_last4: str | None = None


@dataclass(frozen=True)
class ListMyCases:
    pass


@dataclass(frozen=True)
class RecordFeedback:
    number: str
    verdict: str  # satisfied | basically_satisfied | dissatisfied
    text: str
    actor: str


@dataclass(frozen=True)
class Replay:
    """Parse this held text and run one more turn with it (after resume / restart)."""

    text: str


Effect = OpenCase | LookupCase | ListMyCases | RecordFeedback | Replay


@dataclass(frozen=True)
class Failed:
    """An effect that did not work (backend down, bad data): the outcome ``resolve`` gets."""

    reason: str = ""


@dataclass
class TurnResult:
    state: ConversationState
    replies: list[Reply]
    effects: list[Effect] = field(default_factory=list)


# --- public functions ---------------------------------------------------------------------


def turn(
    state: ConversationState,
    inbound: Inbound,
    parse: Parse,
    ctx: DialogContext,
    *,
    tail: Parse | None = None,
) -> TurnResult:
    """One user message -> new state, replies, effects.

    ``tail`` is the parse of a correction's new value ("不是滞纳金的问题，是退费" -> "退费"),
    when the caller found one with ``understand.correction_tail``.
    """
    t = _Turn(state, inbound, ctx, parse=parse, tail=tail)
    t.run()
    return t.result()


def resolve(
    state: ConversationState,
    effect: Effect,
    outcome: Any,
    inbound: Inbound,
    ctx: DialogContext,
) -> TurnResult:
    """Fold an effect's outcome back into the conversation (replies come before the turn's)."""
    t = _Turn(state, inbound, ctx, parse=None, tail=None)
    t.resolve(effect, outcome)
    return t.result()


def case_draft(state: ConversationState, inbound: Inbound) -> CaseDraft:
    """The backend's view of the collected draft."""
    d = state.draft or Draft()
    profile = state.profile
    filer = None
    if d.proxy:
        filer = FilerDraft(
            name=profile.name or "",
            phone=profile.phone or "",
            township=profile.township,
            village=profile.village,
        )
    return CaseDraft(
        channel=inbound.channel,
        channel_user=inbound.user_ref,
        description=d.description or "",
        complainant=ComplainantDraft(
            kind="employer" if d.kind == "employer" else "person",
            name=d.name,
            phone=d.phone,
            id_number=d.id_number,
            employer=d.employer,
            credit_code=d.credit_code,
            township=d.township,
            village=d.village,
            insurance_type=d.insurance_type,
            period_start=date.fromisoformat(d.period_start) if d.period_start else None,
            period_end=date.fromisoformat(d.period_end) if d.period_end else None,
            amount=d.amount,
            people_count=d.people_count,
        ),
        category=d.category,
        tier_hint=d.tier_hint,
        nlu_confidence=d.confidence,
        filed_by=filer,
        consent=bool(d.proxy and d.consent),
        reported_at=inbound.received_at,
        # One report, one case: a 确认 repeated after a crash or sent twice finds this key.
        draft_key=f"{inbound.channel}:{inbound.user_ref}:{d.started_at}" if d.started_at else None,
    )


def next_field(draft: Draft, profile: Profile) -> str | None:
    """The one thing to ask next, in a sensible order; None when the summary can be shown."""
    if draft.proxy:
        if not profile.name:
            return "worker_name"
        if not profile.phone:
            return "worker_phone"
        if not (profile.village or profile.township) and "worker_village" not in profile.skipped:
            return "worker_village"
    if not draft.description:
        return "description"
    if not draft.category_sure:
        return "category"
    for name in ("name", "phone", "township"):
        if not getattr(draft, name):
            return name
    optional: list[str] = ["village", "id_number"]
    if draft.category in EMPLOYER_CATEGORIES and draft.kind == "person":
        optional.append("employer")
    if draft.category in INSURANCE_CATEGORIES:
        optional.append("insurance_type")
    if draft.category in PERIOD_CATEGORIES:
        optional.append("period")
    for name in optional:
        if name not in draft.skipped and not _has(draft, name):
            return name
    if draft.proxy and draft.consent is not True:
        return "consent"
    return None


def _has(draft: Draft, name: str) -> bool:
    if name == "id_number":
        return bool(draft.id_number or draft.credit_code)
    if name == "period":
        return bool(draft.period_start)
    return bool(getattr(draft, name))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- the turn -----------------------------------------------------------------------------


class _Turn:
    def __init__(
        self,
        state: ConversationState,
        inbound: Inbound,
        ctx: DialogContext,
        *,
        parse: Parse | None,
        tail: Parse | None,
    ) -> None:
        # Work on a copy: the caller's state object stays as it was (pure function).
        self.st = ConversationState.from_json(state.to_json())
        self.inbound = inbound
        self.ctx = ctx
        self.parse = parse
        self.tail = tail
        self.text = inbound.text.strip()
        self.parts: list[str] = []
        self.choices: tuple[Choice, ...] = ()
        self.effects: list[Effect] = []
        #: Fields whose value was given but failed its check this turn.
        self.error_fields: list[str] = []
        self.mode_at_start = state.mode

    # -- output --

    def error(self, field_name: str, message: str) -> None:
        self.say(message)
        self.error_fields.append(field_name)

    def say(self, text: str) -> None:
        if text:
            self.parts.append(text)

    def offer(self, *choices: Choice) -> None:
        self.choices = tuple(choices)
        self.st.menu = [[c.id, c.label] for c in choices]

    def result(self) -> TurnResult:
        self.st.updated_at = _iso(self.inbound.received_at)
        replies = [Reply("\n".join(self.parts), self.choices)] if self.parts else []
        return TurnResult(self.st, replies, self.effects)

    # -- entry points --

    def run(self) -> None:
        st = self.st
        first_contact = st.turns == 0
        st.turns += 1
        self.mode_at_start = st.mode
        self.identify()
        self.choice = understand.resolve_choice(self.text, self.inbound.choice_id, st.menu)
        st.menu = []
        if first_contact:
            self.say(texts.greeting(self.ctx))
        if self.idle_return():
            return
        handler = {
            "resume": self.on_resume,
            "cancel": self.on_cancel_confirm,
            "lookup": self.on_lookup_last4,
            "feedback": self.on_feedback,
            "summary": self.on_summary,
            "privacy": self.on_privacy,
        }.get(st.mode)
        if handler is not None and handler():
            return
        self.dispatch()

    def resolve(self, effect: Effect, outcome: Any) -> None:
        st = self.st
        st.menu = []
        if isinstance(effect, OpenCase):
            if isinstance(outcome, OpenedCase):
                proxy = bool(st.draft and st.draft.proxy)
                st.draft, st.mode, st.asking = None, "", None
                st.opened.append(outcome.number)
                self.say(texts.opened(outcome, proxy, self.ctx.timezone))
            else:
                self.say(texts.OPEN_FAILED)
                self.show_summary()
            return
        if isinstance(effect, LookupCase):
            self.resolve_lookup(effect, outcome)
            return
        if isinstance(effect, ListMyCases):
            views = outcome if isinstance(outcome, list) else []
            if views:
                self.say(texts.case_list(views, self.ctx.timezone))
            elif isinstance(outcome, Failed):
                self.say("暂时查不了，请稍后再试。")
            else:
                self.say(texts.NO_CASES)
            self.continue_prompt()
            return
        if isinstance(effect, RecordFeedback):
            st.feedback_due = [d for d in st.feedback_due if d[0] != effect.number]
            st.mode, st.feedback_case = "", None
            if isinstance(outcome, Failed):
                self.say("您的评价没记录成功，请稍后再回复一次。")
            elif effect.verdict == "dissatisfied":
                self.say(texts.FEEDBACK_OBJECTION)
            else:
                self.say(texts.THANKS_FEEDBACK)

    # -- identity --

    def identify(self) -> None:
        """A grid worker listed in the config is recognised by a vouched phone or account."""
        profile = self.st.profile
        if profile.from_config:
            return
        worker = self.ctx.grid_worker_for(
            self.inbound.channel, self.inbound.user_ref, self.inbound.contact_phone
        )
        if worker is None:
            return
        profile.role = "grid_worker"
        profile.from_config = True
        profile.name = profile.name or worker.name
        profile.phone = profile.phone or check_phone(worker.phone).value or worker.phone
        profile.township = profile.township or worker.township
        profile.village = profile.village or worker.village

    # -- idle --

    def idle_return(self) -> bool:
        st = self.st
        if st.draft is None or st.mode in ("resume", "cancel") or not st.updated_at:
            return False
        last = datetime.fromisoformat(st.updated_at)
        if self.inbound.received_at - last <= timedelta(minutes=self.ctx.idle_minutes):
            return False
        if self.case_number() or understand.is_my_cases(self.text):
            return False  # a quick lookup does not need the question
        st.mode = "resume"
        st.pending_text = self.text if not self.choice else None
        self.say(texts.resume(st.draft))
        self.offer(Choice("resume", "接着填"), Choice("restart", "重新开始"))
        return True

    def on_resume(self) -> bool:
        st = self.st
        pending = st.pending_text or ""
        st.mode, st.pending_text = "", None
        if self.choice == "restart" or (not self.choice and re.search("重新|重来|重填", self.text)):
            st.draft, st.asking = None, None
            self.say("好的，重新开始。")
            if pending and not understand.is_greet(pending):
                self.effects.append(Replay(pending))
            else:
                self.say(texts.ASK_PROBLEM)
                st.asking = "description"
                st.draft = Draft(started_at=_iso(self.inbound.received_at))
            return True
        if self.choice == "resume" or understand.is_affirm(self.text):
            self.say("好的，我们接着填。")
            if pending and not understand.is_greet(pending):
                self.effects.append(Replay(pending))
            else:
                self.continue_prompt()
            return True
        # Anything else: carry on with the draft; the held message is not lost.
        combined = f"{pending}，{self.text}" if pending and not understand.is_greet(pending) else ""
        if combined:
            self.effects.append(Replay(combined))
            return True
        return False

    # -- modal questions --

    def on_cancel_confirm(self) -> bool:
        st = self.st
        st.mode = ""
        keep = self.choice == "cancel_no" or (
            not self.choice and (understand.is_deny(self.text) or "继续" in self.text)
        )
        if keep:
            self.say(texts.CANCEL_KEPT)
            self.continue_prompt()
            return True
        if (
            self.choice == "cancel_yes"
            or understand.is_affirm(self.text)
            or understand.is_cancel(self.text)
        ):
            st.draft, st.asking = None, None
            self.say(texts.CANCEL_DONE)
            return True
        return False

    def on_lookup_last4(self) -> bool:
        st = self.st
        digits = normalise_digits(understand.squeeze(self.text))
        number = st.lookup_number
        if number and re.fullmatch(r"(尾号|后四位|后4位)?\d{4}", digits):
            self.effects.append(LookupCase(number, digits[-4:]))
            return True
        st.mode, st.lookup_number = "", None
        return False

    def on_feedback(self) -> bool:
        st = self.st
        verdict = self.choice[3:] if self.choice and self.choice.startswith("fb:") else None
        verdict = verdict or understand.verdict(self.text)
        if verdict and st.feedback_case:
            self.record_feedback(st.feedback_case, verdict)
            return True
        st.mode, st.feedback_case = "", None
        return False

    def on_privacy(self) -> bool:
        st = self.st
        if self.choice == "yes" or (not self.choice and understand.is_affirm(self.text)):
            st.privacy_accepted, st.mode = True, ""
            self.say(texts.PRIVACY_THEN_ASK)
            if st.draft is None:
                st.draft = Draft(started_at=_iso(self.inbound.received_at))
                st.draft.proxy = st.profile.role == "grid_worker"
            self.continue_prompt()
            return True
        if self.choice == "no" or understand.is_deny(self.text) or understand.is_cancel(self.text):
            st.draft, st.mode, st.asking = None, "", None
            self.say(texts.PRIVACY_DECLINED)
            return True
        return False

    def on_summary(self) -> bool:
        st = self.st
        if st.draft is None:
            st.mode = ""
            return False
        if self.choice == "confirm" or (not self.choice and understand.is_affirm(self.text)):
            missing = next_field(st.draft, st.profile)
            if missing is not None:
                st.mode = ""
                self.ask(missing)
                return True
            st.privacy_accepted = True
            self.effects.append(OpenCase(case_draft(st, self.inbound)))
            return True
        if self.choice == "edit" or (not self.choice and understand.is_deny(self.text)):
            self.say(texts.EDIT_HINT)
            self.offer(*CONFIRM_CHOICES)
            return True
        if self.choice == "cancel":
            self.ask_cancel()
            return True
        return False

    # -- the general case --

    def dispatch(self) -> None:
        st, text, parse = self.st, self.text, self.parse
        assert parse is not None
        in_progress = st.draft is not None

        if understand.is_cancel(text) and not understand.is_correction(text):
            if in_progress:
                self.ask_cancel()
            else:
                self.say(texts.NOTHING_TO_CANCEL)
            return
        number = self.case_number()
        if number:
            last4 = self.last4_besides(number)
            self.effects.append(LookupCase(number, last4))
            return
        if understand.is_my_cases(text):
            self.effects.append(ListMyCases())
            return
        if not in_progress and self.feedback_turn():
            return
        if in_progress and understand.is_correction(text) and self.correct():
            return
        # A bare name or phone number may look like small talk to the NLU: when a value is
        # asked, try the answer first; when the story is asked, greetings and questions first.
        talk_first = not in_progress or st.asking in (None, "description")
        if talk_first and self.small_talk(in_progress):
            return
        if in_progress and self.answer():
            return
        if not talk_first and self.small_talk(in_progress):
            return
        if not in_progress:
            self.start()
            return
        self.unanswered()

    def small_talk(self, in_progress: bool) -> bool:
        st, text, parse = self.st, self.text, self.parse
        assert parse is not None
        has_details = any(e.type != "case_number" for e in parse.entities)
        if understand.is_help(text) or (parse.intent == "help" and not has_details):
            self.say(texts.help_text(self.ctx))
            self.continue_prompt()
            return True
        if understand.is_thanks(text) or (parse.intent == "thanks" and len(text) <= 10):
            self.say(texts.THANKS_REPLY if not in_progress else "不客气。")
            self.continue_prompt()
            return True
        if understand.is_greet(text) or (parse.intent == "greet" and len(text) <= 8):
            if st.turns > 1 or not self.parts:
                self.say(
                    "您好！" if in_progress else "您好！有什么可以帮您？直接说遇到的问题就行。"
                )
            if not st.privacy_accepted and not in_progress:
                self.ask_privacy()
            else:
                self.continue_prompt()
            return True
        if parse.intent == "query_status" and not has_details:
            self.effects.append(ListMyCases())
            return True
        if parse.intent == "out_of_scope" and not has_details and not GRID_INTRO.search(text):
            self.say(texts.referral(self.ctx, text))
            self.continue_prompt()
            return True
        if not in_progress and parse.intent in ("affirm", "deny", "skip", "cancel", "correct"):
            self.say("有什么可以帮您？直接说遇到的问题就行。")
            self.continue_prompt()
            return True
        return False

    # -- starting and filling a report --

    def start(self) -> None:
        st, parse, text = self.st, self.parse, self.text
        assert parse is not None
        draft = Draft(started_at=_iso(self.inbound.received_at))
        st.draft = draft
        split = self.grid_split()
        if split is not None:
            st.profile.role = "grid_worker"
        if st.profile.role == "grid_worker":
            draft.proxy = not SELF_MARKER.search(text)
        self.absorb(split=split, asking=None)
        body = text[split:] if split is not None else text
        if self.is_report_text(body) and not draft.description:
            draft.description = body.strip(" ，,。")
        self.take_category(parse)
        self.prefill_place()
        if not st.privacy_accepted:
            if next_field(draft, st.profile) is None:
                self.say(texts.privacy(self.ctx))
                self.show_summary(with_privacy=True)
            else:
                self.ask_privacy()
            return
        self.continue_prompt()

    def is_report_text(self, body: str) -> bool:
        parse = self.parse
        assert parse is not None
        content = understand.squeeze(body)
        for e in parse.entities:
            content = content.replace(understand.squeeze(e.text), "")
        if len(re.findall(r"[\u4e00-\u9fff]", content)) < 4:
            return False
        # "帮陈大爷反映个事" says nothing about the problem yet: the story must name one.
        if parse.ranking and parse.ranking[0][1] >= RANKING_SURE:
            return True
        if parse.category is not None and not parse.uncertain:
            return True
        if parse.intent == "report_dispute" and parse.intent_confidence >= 0.7:
            return True
        # A rambling story the classifier cannot place is still the user's description:
        # keep it and let the category menu sort it out, rather than asking them to retype.
        return len(re.findall(r"[\u4e00-\u9fff]", content)) >= 6 and understand.mentions_domain(
            content
        )

    def take_category(self, parse: Parse, *, force: bool = False) -> None:
        draft = self.st.draft
        if draft is None or (draft.category_sure and not force):
            return
        if parse.intent not in ("report_dispute", "inform", "correct") and not parse.category:
            return
        label, confidence = parse.category, parse.confidence
        if label is None and parse.ranking and parse.ranking[0][1] >= RANKING_SURE:
            # "inform" messages carry no category, but a long story still has a clear one.
            label, confidence = parse.ranking[0]
        top, top_p = parse.ranking[0] if parse.ranking else (None, 0.0)
        # "uncertain" may come from the intent; a category this far ahead needs no menu.
        plain = label == top and top_p >= RANKING_CLEAR
        if label and label != "other" and (not parse.uncertain or plain):
            draft.category, draft.category_sure = label, True
            draft.confidence, draft.tier_hint = confidence, parse.tier
            return
        ranked = [label for label, _ in parse.ranking if label in CATEGORIES and label != "other"]
        if parse.category and parse.category != "other" and parse.category not in ranked:
            ranked.insert(0, parse.category)
        if ranked or parse.category:
            draft.candidates = ranked[:3] or list(DEFAULT_CANDIDATES)
            draft.category = parse.category
            draft.confidence, draft.tier_hint = parse.confidence, parse.tier

    def grid_split(self) -> int | None:
        """Where the complainant's part of "我是XX村网格员王芳，帮张桂兰反映…" begins."""
        m = GRID_INTRO.search(self.text)
        if not m:
            return None
        marker = PROXY_MARKER.search(self.text, m.end())
        if marker:
            return marker.start()
        stop = re.search(r"[，,。.!！\n]", self.text[m.end() :])
        return m.end() + stop.start() if stop else len(self.text)

    def absorb(
        self, *, split: int | None, asking: str | None, overwrite: bool = False, after: int = 0
    ) -> list[str]:
        """Store every valid entity of the parse; return the fields stored. Errors are said."""
        parse = self.parse
        assert parse is not None and self.st.draft is not None
        stored: list[str] = []
        seen: set[str] = set()
        entities = [e for e in parse.entities if e.start >= after] or list(parse.entities)
        if overwrite:
            entities = list(reversed(entities))  # the corrected value is the last one said
        for e in entities:
            if e.type == "person_name" and len(str(e.value)) < 2:
                continue  # a lone surname is not a name to store
            to_worker = (asking or "").startswith("worker_") or (
                split is not None and e.start < split
            )
            if e.type in seen and not to_worker:
                continue
            if not e.valid:
                self.error(_ERROR_FIELDS.get(e.type, e.type), _error(e))
                seen.add(e.type)
                continue
            name = self.store(e, to_worker=to_worker, asking=asking, overwrite=overwrite)
            if name:
                stored.append(name)
                seen.add(e.type)
        if (
            "person_name" not in seen
            and len(self.text) > 5
            and asking in (None, "name", "worker_name", "description")
        ):
            stored += self.names_in_text(split, asking, overwrite, after)
        return stored

    def names_in_text(
        self, split: int | None, asking: str | None, overwrite: bool, after: int
    ) -> list[str]:
        """Names the NLU did not tag ("…的，叫王秀英，今年68了"), for the worker or complainant."""
        st = self.st
        assert st.draft is not None
        found = find_name(self.text[after:])
        if found is None:
            return []
        name, at = found[0], found[1] + after
        if (asking or "").startswith("worker_") or (split is not None and at < split):
            if st.profile.name and asking != "worker_name":
                return []
            st.profile.name = name
            return ["worker_name"]
        if st.draft.name and not (overwrite or asking == "name" or st.mode == "summary"):
            return []
        st.draft.name = name
        return ["name"]

    def store(
        self, e: Entity, *, to_worker: bool, asking: str | None, overwrite: bool
    ) -> str | None:
        st = self.st
        draft = st.draft
        assert draft is not None
        profile = st.profile
        if to_worker:
            if e.type == "person_name":
                profile.name = str(e.value)
                return "worker_name"
            if e.type == "phone":
                profile.phone = str(e.value)
                return "worker_phone"
            if e.type == "village":
                profile.village = str(e.value)
                profile.township = profile.township or self.ctx.township_of_village(str(e.value))
                return "worker_village"
            if e.type == "township":
                profile.township = str(e.value)
                return "worker_village"
            return None
        replace = overwrite or st.mode == "summary"
        if e.type == "phone":
            checked = check_phone(str(e.value))
            if checked.value is None:
                self.error("phone", checked.reason or "")
                return None
            return self.put("phone", checked.value, replace=True)
        if e.type == "id_number":
            checked = check_id_number(str(e.value))
            if checked.value is None:
                self.error("id_number", checked.reason or "")
                return None
            return self.put("id_number", checked.value, replace=True)
        if e.type == "credit_code":
            return self.put("credit_code", str(e.value), replace=True)
        if e.type == "person_name":
            if asking == "name" or not draft.name or replace:
                return self.put("name", str(e.value), replace=True)
            return None
        if e.type == "employer":
            return self.put("employer", str(e.value), replace=replace or asking == "employer")
        if e.type == "township":
            return self.put("township", str(e.value), replace=replace or asking == "township")
        if e.type == "village":
            village = str(e.value)
            name = self.put("village", village, replace=replace or asking == "village")
            township = self.ctx.township_of_village(village)
            if (
                name
                and township
                and (not draft.township or draft.township not in self.ctx.township_names)
            ):
                draft.township = township
            return name
        if e.type == "insurance_type" and e.value in INSURANCE_TYPES:
            return self.put("insurance_type", str(e.value), replace=True)
        if e.type == "period" and isinstance(e.value, dict) and e.value.get("start"):
            draft.period_start = str(e.value["start"])
            draft.period_end = str(e.value.get("end") or e.value["start"])
            return "period"
        if e.type == "amount":
            try:
                return self.put("amount", float(e.value), replace=True)
            except (TypeError, ValueError):
                return None
        if e.type == "people_count":
            try:
                return self.put("people_count", int(e.value), replace=True)
            except (TypeError, ValueError):
                return None
        return None

    def put(self, name: str, value: Any, *, replace: bool) -> str | None:
        draft = self.st.draft
        assert draft is not None
        if getattr(draft, name) and not replace:
            return None
        setattr(draft, name, value)
        return name

    def answer(self) -> bool:
        """Take the message as details / the answer to the question asked. True if handled."""
        st, parse = self.st, self.parse
        assert parse is not None and st.draft is not None
        draft = st.draft
        asking = st.asking
        stored = self.absorb(split=self.grid_split(), asking=asking)
        if asking and asking not in stored and not self.error_fields:
            if self.bare_answer(asking):
                stored.append(asking)
            elif not self.error_fields and self.skip(asking):
                return True
        if (
            not draft.category_sure
            and parse.intent == "report_dispute"
            and not understand.is_skip(self.text)
        ):
            self.take_category(parse)
        if stored and asking not in stored:
            got = "、".join(dict.fromkeys(texts.FIELD_LABELS.get(s, s) for s in stored))
            self.say(f"记下了{got}。")
        elif stored and not self.error_fields:
            self.say("好的。")
        if self.error_fields:
            # The check's own sentence asks for the value again: no second question.
            st.mode, st.asking = "", self.error_fields[0]
            if st.asking in SKIPPABLE:
                self.offer(SKIP_CHOICE)
            return True
        if not stored:
            if asking != "description" and self.is_report_text(self.text) and len(self.text) >= 10:
                # More of the story: keep it, nothing the user says is dropped.
                draft.description = (
                    f"{draft.description}；{self.text}" if draft.description else self.text
                )
                self.say("补充的情况记下了。")
                self.continue_prompt()
                return True
            return False
        self.continue_prompt()
        return True

    def bare_answer(self, asking: str) -> bool:
        """The message is just the value asked for ("张桂兰", "城关", "1"). Stores it if so."""
        st, text = self.st, self.text
        draft = st.draft
        assert draft is not None
        choice = self.choice or ""
        if asking == "description":
            if understand.is_skip(text) or len(re.findall(r"[\u4e00-\u9fff]", text)) < 4:
                return False
            draft.description = text
            if self.parse is not None:
                self.take_category(self.parse)
            return True
        if asking == "category":
            label = choice[4:] if choice.startswith("cat:") else None
            label = label or understand.category_from_words(text)
            if label in CATEGORIES:
                draft.category, draft.category_sure = label, True
                return True
            if self.parse and self.parse.category and not self.parse.uncertain and len(text) > 4:
                draft.category, draft.category_sure = self.parse.category, True
                return True
            return False
        if asking in ("name", "worker_name"):
            name = looks_like_name(text)
            if not name:
                return False
            if asking == "name":
                draft.name = name
            else:
                st.profile.name = name
            return True
        if asking in ("phone", "worker_phone"):
            if not re.search(r"\d{5,}", normalise_digits(text)):
                return False
            checked = check_phone(text)
            if checked.value is None:
                self.error(asking, checked.reason or "")
                return False
            if asking == "phone":
                draft.phone = checked.value
            else:
                st.profile.phone = checked.value
            return True
        if asking == "id_number":
            raw = re.sub(r"[^\dXx]", "", normalise_digits(text))
            if len(raw) < 6:
                return False
            if len(raw) == 18 and re.search(r"[A-Za-z]", normalise_digits(text)[:17]):
                checked = check_credit_code(text)
                if checked.value:
                    draft.credit_code = checked.value
                    return True
            checked = check_id_number(raw)
            if checked.value is None:
                self.error(asking, checked.reason or "")
                return False
            draft.id_number = checked.value
            return True
        if asking == "township":
            town = self.match_township(choice, text)
            if town:
                draft.township = town
            return bool(town)
        if asking in ("village", "worker_village"):
            township = draft.township if asking == "village" else st.profile.township
            village = self.match_village(choice, text, township)
            if not village:
                return False
            if asking == "village":
                draft.village = village
                draft.township = draft.township or self.ctx.township_of_village(village)
            else:
                st.profile.village = village
                st.profile.township = st.profile.township or self.ctx.township_of_village(village)
            return True
        if asking == "employer":
            value = _clean_value(text)
            if (
                2 <= len(value) <= 40
                and not understand.is_skip(text)
                and not understand.is_deny(text)
            ):
                draft.employer = value
                return True
            return False
        if asking == "insurance_type":
            key = choice[4:] if choice.startswith("ins:") else understand.insurance_from_words(text)
            if key in INSURANCE_TYPES:
                draft.insurance_type = key
                return True
            return False
        if asking == "consent":
            refused = bool(re.search("没|不同意|不愿意|还没", text))
            if choice == "consent_yes" or (
                not choice and not refused and (understand.is_affirm(text) or "同意" in text)
            ):
                draft.consent = True
                return True
            if choice == "consent_no" or understand.is_deny(text) or refused:
                draft.consent = False
                self.say(texts.CONSENT_MISSING)
                self.offer(Choice("consent_yes", "本人已同意"), Choice("cancel", "取消"))
                st.asking = "consent"
                return False
            return False
        return False

    def match_township(self, choice: str, text: str) -> str | None:
        names = self.ctx.township_names
        if choice.startswith("tw:") and choice[3:].isdigit() and int(choice[3:]) < len(names):
            return names[int(choice[3:])]
        s = understand.squeeze(text)
        for name in names:
            stem = re.sub(r"(镇|乡|街道|办事处)$", "", name)
            if name in s or (len(stem) >= 2 and stem in s):
                return name
        value = _clean_value(text)
        if re.fullmatch(r"[\u4e00-\u9fff]{1,10}(镇|乡|街道|办事处|县|市|区)", value):
            return value  # not in the gazetteer: registered as given (首问负责), transferred later
        return None

    def match_village(self, choice: str, text: str, township: str | None) -> str | None:
        villages = self.ctx.villages_of(township)
        if choice.startswith("vil:") and choice[4:].isdigit() and int(choice[4:]) < len(villages):
            return villages[int(choice[4:])]
        s = understand.squeeze(text)
        every = villages or tuple(v for _, vs in self.ctx.townships for v in vs)
        for name in every:
            stem = re.sub(r"(村|社区|居委会)$", "", name)
            if name in s or (len(stem) >= 2 and stem in s):
                return name
        value = _clean_value(text)
        if re.fullmatch(r"[\u4e00-\u9fff\d]{1,10}(村|社区|居委会|组|庄|屯|寨|沟|湾|坪|营)", value):
            return value
        return None

    def skip(self, asking: str) -> bool:
        st = self.st
        draft = st.draft
        assert draft is not None
        if not (understand.is_skip(self.text) or self.choice == "skip"):
            return False
        if asking == "category":
            draft.category, draft.category_sure = "other", True
        elif asking == "worker_village":
            st.profile.skipped.append(asking)
        elif asking in SKIPPABLE:
            draft.skipped.append(asking)
        else:
            self.say(texts.REQUIRED_NOT_SKIPPABLE)
            self.reask(asking)
            return True
        self.say("好的，这项先不填。")
        self.continue_prompt()
        return True

    def correct(self) -> bool:
        """ "电话写错了，是139…" / "名字改成…" / "不是滞纳金的问题，是退费": change one field."""
        st, text, parse = self.st, self.text, self.parse
        assert parse is not None and st.draft is not None
        draft = st.draft
        target = understand.correction_field(text)
        tail_text = understand.correction_tail(text) or ""
        tail_at = text.rfind(tail_text) if tail_text else 0
        changed = False
        if target == "category":
            label = None
            if self.tail and self.tail.category and not self.tail.uncertain:
                label = self.tail.category
            label = understand.category_from_words(tail_text) or label
            if label:
                draft.category, draft.category_sure = label, True
                changed = True
        else:
            before = len(self.parts)
            stored = self.absorb(split=None, asking=target, overwrite=True, after=max(tail_at, 0))
            if len(self.parts) > before:
                self.reask(target or st.asking or "description")
                return True
            if target and target not in stored and target in _BARE_FIELDS and tail_text:
                saved = self.text
                self.text = tail_text
                try:
                    changed = self.bare_answer(target)
                finally:
                    self.text = saved
            changed = changed or bool(stored)
        if not changed:
            self.say(texts.EDIT_HINT)
            self.continue_prompt()
            return True
        self.say("改好了。")
        self.continue_prompt()
        return True

    def unanswered(self) -> None:
        if self.st.asking in ("name", "worker_name") and is_address_form(self.text):
            self.say(texts.FULL_NAME_PLEASE)
            self.continue_prompt()
            return
        self.say(texts.NOT_UNDERSTOOD)
        if self.st.mode == "summary":
            self.say(texts.EDIT_HINT)
            self.say(texts.SUMMARY_ASK)
            self.offer(*CONFIRM_CHOICES)
            return
        self.continue_prompt()

    # -- questions --

    def continue_prompt(self) -> None:
        """Ask whatever the conversation needs next (nothing when no report is in progress)."""
        st = self.st
        if (
            st.mode in ("summary",)
            and st.draft is not None
            and next_field(st.draft, st.profile) is None
        ):
            self.show_summary(with_privacy=not st.privacy_accepted)
            return
        if st.draft is None:
            st.asking = None
            if st.mode not in ("lookup", "feedback"):
                st.mode = ""
            return
        if not st.privacy_accepted:
            self.ask_privacy()
            return
        self.prefill_place()
        field_name = next_field(st.draft, st.profile)
        if field_name is None:
            self.show_summary()
        else:
            st.mode = ""
            self.ask(field_name)

    def prefill_place(self) -> None:
        """A grid worker files for households of their own grid: start from its township and
        village (shown in the summary, where a correction changes them)."""
        draft, profile = self.st.draft, self.st.profile
        if draft is None or not draft.proxy or draft.township or draft.village:
            return
        if next_field(draft, profile) in ("worker_name", "worker_phone", "worker_village"):
            return
        draft.township, draft.village = profile.township, profile.village

    def reask(self, field_name: str) -> None:
        self.ask(field_name)

    def ask(self, field_name: str) -> None:
        st = self.st
        st.asking = field_name
        self.say(texts.question(field_name, st.draft, st.profile, self.ctx))
        if field_name == "category" and st.draft is not None:
            candidates = st.draft.candidates or list(DEFAULT_CANDIDATES)
            choices = [Choice(f"cat:{c}", CATEGORY_NAMES[c]) for c in candidates[:3]]
            self.offer(*choices, Choice("cat:other", "其他"))
        elif field_name == "township" and 1 < len(self.ctx.township_names) <= 12:
            self.offer(*(Choice(f"tw:{i}", n) for i, n in enumerate(self.ctx.township_names)))
        elif field_name == "village" and st.draft is not None:
            villages = self.ctx.villages_of(st.draft.township)
            if 1 < len(villages) <= 12:
                self.offer(*(Choice(f"vil:{i}", v) for i, v in enumerate(villages)), SKIP_CHOICE)
            else:
                self.offer(SKIP_CHOICE)
        elif field_name == "insurance_type":
            self.offer(*(Choice(f"ins:{k}", v) for k, v in INSURANCE_TYPES.items()), SKIP_CHOICE)
        elif field_name in SKIPPABLE:
            self.offer(SKIP_CHOICE)
        elif field_name == "consent":
            self.offer(Choice("consent_yes", "本人已同意"), Choice("consent_no", "还没问过"))

    def show_summary(self, *, with_privacy: bool = False) -> None:
        st = self.st
        assert st.draft is not None
        st.mode, st.asking = "summary", None
        self.say(texts.summary(st.draft, st.profile, self.ctx))
        self.say(texts.SUMMARY_ASK_PRIVACY if with_privacy else texts.SUMMARY_ASK)
        self.offer(*CONFIRM_CHOICES)

    def ask_privacy(self) -> None:
        st = self.st
        st.mode = "privacy"
        if self.mode_at_start == "privacy":
            self.say(texts.PRIVACY_REMIND)  # the notice is just above: do not repeat it
        else:
            self.say(texts.privacy(self.ctx))
            self.say(texts.PRIVACY_ASK)
        self.offer(Choice("yes", "同意"), Choice("no", "不同意"))

    def ask_cancel(self) -> None:
        self.st.mode = "cancel"
        self.say(texts.CANCEL_ASK)
        self.offer(Choice("cancel_yes", "确定取消"), Choice("cancel_no", "继续填写"))

    # -- status and feedback --

    def case_number(self) -> str | None:
        parse = self.parse
        if parse is not None:
            e = parse.first("case_number")
            if e is not None:
                return str(e.value)
        m = CASE_NUMBER.search(self.text)
        if not m:
            return None
        raw = m.group(0).upper()
        parts = re.fullmatch(r"([A-Z]{2,4})-?(\d{4})-?(\d{3,8})", raw)
        return f"{parts.group(1)}-{parts.group(2)}-{parts.group(3)}" if parts else raw

    def last4_besides(self, number: str) -> str | None:
        rest = self.text.replace(number, " ")
        rest = CASE_NUMBER.sub(" ", rest)
        m = re.search(r"(?<!\d)(\d{4})(?!\d)", normalise_digits(rest))
        return m.group(1) if m else None

    def resolve_lookup(self, effect: LookupCase, outcome: Any) -> None:
        st = self.st
        if isinstance(outcome, Failed):
            self.say("暂时查不了，请稍后再试。")
            self.continue_prompt()
            return
        if not isinstance(outcome, CaseView):
            st.mode, st.lookup_number = "", None
            self.say(texts.lookup_missing(effect.number))
            self.continue_prompt()
            return
        view = outcome
        user = self.inbound.user_ref
        own = view.channel == self.inbound.channel and user in (
            view.channel_user,
            view.filed_by_channel_user,
        )
        if own or (
            effect.phone_last4
            and effect.phone_last4 == view.complainant_phone_last4
            and st.lookup_attempts < 3
        ):
            st.mode, st.lookup_number, st.lookup_attempts = "", None, 0
            self.say(texts.case_status(view, self.ctx.timezone))
            self.continue_prompt()
            return
        if st.lookup_attempts >= 3:
            st.mode, st.lookup_number = "", None
            self.say(texts.LOOKUP_LOCKED)
            self.continue_prompt()
            return
        if effect.phone_last4:
            st.lookup_attempts += 1
            if st.lookup_attempts >= 3:
                st.mode, st.lookup_number = "", None
                self.say(texts.LOOKUP_LOCKED)
                self.continue_prompt()
                return
            self.say(texts.LOOKUP_WRONG_LAST4)
        st.mode, st.lookup_number = "lookup", view.number
        self.say(texts.LOOKUP_ASK_LAST4)

    def feedback_turn(self) -> bool:
        st = self.st
        if not st.feedback_due:
            return False
        parse = self.parse
        verdict = understand.verdict(self.text)
        if verdict:
            self.record_feedback(st.feedback_due[0][0], verdict)
            return True
        if parse is not None and parse.intent == "report_dispute" and len(self.text) > 8:
            return False
        for number, reply in st.feedback_due:
            if number not in st.feedback_asked:
                st.feedback_asked.append(number)
                st.mode, st.feedback_case = "feedback", number
                self.say(texts.ask_feedback(number, reply))
                self.offer(
                    Choice("fb:satisfied", "满意"),
                    Choice("fb:basically_satisfied", "基本满意"),
                    Choice("fb:dissatisfied", "不满意"),
                )
                return True
        return False

    def record_feedback(self, number: str, verdict: str) -> None:
        profile = self.st.profile
        actor = f"grid_worker:{profile.phone}" if profile.role == "grid_worker" else "complainant"
        self.effects.append(RecordFeedback(number, verdict, self.text, actor))


_ERROR_FIELDS = {"credit_code": "id_number", "period": "period"}

_BARE_FIELDS = frozenset(
    {
        "name",
        "phone",
        "id_number",
        "township",
        "village",
        "employer",
        "insurance_type",
        "description",
    }
)


def _clean_value(text: str) -> str:
    value = re.sub(r"^(是|在|叫|我在|我是|就是|单位是|公司是|我们是)", "", text.strip())
    return re.sub(r"[\s，。！？、,.!?~…]+$", "", value).strip()


def _error(e: Entity) -> str:
    if e.reason:
        reason = e.reason.rstrip("。！!")
        return reason + ("。" if "核对" in reason else "，请再核对一下。")
    label = texts.FIELD_LABELS.get(e.type, "这个内容")
    return f"{label}好像不对，请再核对一下。"
