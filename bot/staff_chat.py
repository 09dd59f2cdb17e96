"""Staff in a chat (Telegram, WeChat Work app): buttons and short commands to act on cases.

Shared by the channel adapters; they translate their updates to ``handle(staff, text,
choice_id, reply_to_case)`` and send the ``Reply`` list back. The same agency scoping as the
staff API applies, and personal data stays masked in chat (the full record is in the API).

Buttons (``Choice.id``, at most 32 ASCII characters): ``accept:N``, ``transfer:N`` (answers
with ``transfer_to:N:<agency>`` choices), ``reply:N``, ``opinion:N``, ``approve:N``,
``close:N``, ``detail:N``. Commands: ``/cases``, ``/detail N``, ``/accept N``,
``/transfer N 单位 [理由]``, ``/reply N 内容``, ``/opinion N 内容``, ``/close N [办理结果]``
(the result is sent to the complainant; a ``close:N`` button on a simple case asks for it),
``/help``; Chinese words work too (案件、详情、受理、移送、回复/答复、意见、办结).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from backend.access import actor_for, refusal, sees_all
from backend.permissions import allowed_actions
from backend.service import CaseDetail, CaseFilter
from backend.workflow import OPEN_STATUSES, CaseNotFound, StaffAction, WorkflowError
from bot.api.inputs import shown, strip_controls
from dialogs.messages import Choice, Reply
from identifiers import normalise_case_number, small_int
from identifiers.masking import mask_id, mask_phone, mask_text

log = logging.getLogger(__name__)

MAX_CHOICE_ID = 32
#: Longest message handled: a written reply or opinion is at most this long (as in the API).
MAX_TEXT = 5000
TOO_LONG = f"消息太长了（最多 {MAX_TEXT} 字），请精简后再发送。"

#: Command word (after an optional "/") -> action.
_COMMANDS: dict[str, str] = {
    "cases": "cases",
    "list": "cases",
    "案件": "cases",
    "我的案件": "cases",
    "待办": "cases",
    "detail": "detail",
    "show": "detail",
    "详情": "detail",
    "查看": "detail",
    "accept": "accept",
    "受理": "accept",
    "transfer": "transfer",
    "移送": "transfer",
    "reply": "reply",
    "回复": "reply",
    "答复": "reply",
    "opinion": "submit_opinion",
    "意见": "submit_opinion",
    "approve": "approve",
    "批准": "approve",
    "close": "close",
    "办结": "close",
    "help": "help",
    "start": "help",
    "帮助": "help",
}

HELP = (
    "工作人员可用的指令：\n"
    "/cases 本单位在办案件\n"
    "/detail 案件号 查看案件\n"
    "/accept 案件号 受理\n"
    "/transfer 案件号 单位 [理由] 移送（不写单位会列出可选单位）\n"
    "/reply 案件号 答复内容 书面答复缴费人\n"
    "/opinion 案件号 意见 联办单位提交书面意见\n"
    "/close 案件号 [办理结果] 办结（办理结果原文发给缴费人；简易事项当场办结时必填）\n"
    "也可以用中文：受理、移送、回复、意见、办结、详情、案件。"
)

ASK_CLOSE = (
    "请写上告知缴费人的办理结果（会原文发给缴费人），发送：\n"
    "/close {number} 办理结果\n"
    "例如：/close {number} 经核实，您的缴费记录已补录，可在小程序查询。"
)

NOT_STAFF = "您不是本县登记的工作人员，不能办理案件。如需反映社保费问题，请直接描述您的情况。"


@dataclass(frozen=True)
class _Command:
    action: str
    number: str | None
    rest: str


class StaffChat:
    """Case handling for staff over chat; channel-neutral (``Reply``/``Choice`` out)."""

    def __init__(self, county: Any, cases: Any) -> None:
        self._county = county
        self._cases = cases

    # --- who is this ------------------------------------------------------------------

    def staff_for(self, channel: str, user_ref: str) -> Any | None:
        """The staff account bound to this chat user (telegram_user_id / wecom_userid)."""
        for staff in self._county.staff:
            if channel == "telegram" and staff.telegram_user_id is not None:
                if str(staff.telegram_user_id) == str(user_ref):
                    return staff
            elif channel.startswith("wecom") and staff.wecom_userid == user_ref:
                return staff
        return None

    # --- one message ------------------------------------------------------------------

    async def handle(
        self,
        staff: Any | None,
        text: str,
        choice_id: str | None = None,
        reply_to_case: str | None = None,
    ) -> list[Reply]:
        if staff is None:
            return [Reply(NOT_STAFF)]
        if len(text) > MAX_TEXT:
            return [Reply(TOO_LONG)]
        # NUL and other control characters cannot be stored (PostgreSQL) and mean nothing.
        text = strip_controls(text)
        command = self._parse_choice(choice_id) if choice_id else self._parse_text(text)
        replied = normalise_case_number(reply_to_case) if reply_to_case else None
        if command is None and replied and text.strip():
            # A plain answer to a case notification is the written reply to the complainant.
            command = _Command("reply", replied, text.strip())
        if command is None:
            return [Reply(HELP)]
        try:
            return await self._run(staff, command)
        except CaseNotFound:
            return [Reply(f"没有编号为 {command.number} 的案件，请核对案件号。")]
        except WorkflowError as exc:
            return [Reply(str(exc))]

    def _parse_choice(self, choice_id: str) -> _Command | None:
        # Button ids come back from the chat client, which anyone can forge: check them too.
        if len(choice_id) > 2 * MAX_CHOICE_ID:
            return None
        parts = strip_controls(choice_id).split(":")
        number = normalise_case_number(parts[1]) if len(parts) > 1 else None
        if number is None:
            return None
        parts[1] = number
        if len(parts) == 3 and parts[0] == "transfer_to":
            return _Command("transfer_to", parts[1], parts[2])
        if len(parts) == 2 and parts[0] in (
            "accept",
            "transfer",
            "reply",
            "opinion",
            "approve",
            "close",
            "detail",
        ):
            action = {"opinion": "submit_opinion"}.get(parts[0], parts[0])
            return _Command(
                f"ask_{action}" if action in ("reply", "submit_opinion") else action, parts[1], ""
            )
        return None

    def _parse_text(self, text: str) -> _Command | None:
        words = text.strip().split(maxsplit=2)
        if not words:
            return None
        head = words[0].lstrip("/").split("@", 1)[0].lower()  # "/accept@mybot" in Telegram groups
        action = _COMMANDS.get(head)
        if action is None:
            return None
        number = normalise_case_number(words[1]) if len(words) > 1 else None
        rest = words[2] if len(words) > 2 and number else " ".join(words[1:]) if not number else ""
        return _Command(action, number, rest.strip())

    # --- doing it ---------------------------------------------------------------------

    async def _run(self, staff: Any, cmd: _Command) -> list[Reply]:
        if cmd.action == "help":
            return [Reply(HELP)]
        if cmd.action == "cases":
            return [await self._list(staff)]
        if cmd.number is None:
            return [Reply(f"请写上案件号，例如：/{_english(cmd.action)} YC-2026-000001\n\n{HELP}")]
        detail: CaseDetail = await self._cases.detail(cmd.number)
        # The first-receiving agency (首问) may still read a case it transferred, not act on it.
        first = detail.first_agency if cmd.action == "detail" else None
        reason = refusal(self._county, staff, detail.lead_agency, detail.co_agencies, first)
        if reason is not None:
            log.warning(
                "staff chat: refused %s %s for %s: %s", cmd.action, cmd.number, staff.id, reason
            )
            return [Reply(reason)]
        number = detail.number
        if cmd.action == "detail":
            return [self._detail(detail, staff)]
        if cmd.action == "ask_reply":
            return [Reply(f"请发送：/reply {number} 答复内容\n（也可以直接回复这条案件通知）")]
        if cmd.action == "ask_submit_opinion":
            return [Reply(f"请发送：/opinion {number} 本单位的书面意见")]
        if cmd.action == "transfer" and not cmd.rest:
            return [self._agency_menu(detail)]
        if cmd.action in ("transfer", "transfer_to"):
            words = cmd.rest.split(maxsplit=1)
            agency = self._agency(words[0]) if words else None
            if agency is None:
                menu = self._agency_menu(detail)
                wanted = shown(words[0]) if words else ""
                return [Reply(f"没有找到单位“{wanted}”，请从下面选择。", menu.choices)]
            reason = words[1] if len(words) > 1 and cmd.action == "transfer" else ""
            reason = (
                reason
                or f"经{self._county.agency(staff.agency).short_name}审核，移送{agency.short_name}办理。"
            )
            return [
                await self._act(staff, number, "transfer", text=reason, target_agency=agency.id)
            ]
        if cmd.action in ("reply", "submit_opinion") and not cmd.rest:
            verb = "答复内容" if cmd.action == "reply" else "书面意见"
            return [Reply(f"请在案件号后面写上{verb}，例如：/{_english(cmd.action)} {number} ……")]
        if cmd.action == "close":
            if not cmd.rest and _settled_on_the_spot(detail):
                # 当场办结 tells the complainant the result: ask for it, in their words.
                return [Reply(ASK_CLOSE.format(number=number))]
            # What follows /close is the result for the complainant, never an internal note.
            return [await self._act(staff, number, "close", reply=cmd.rest or None)]
        return [await self._act(staff, number, cmd.action, text=cmd.rest)]

    async def _act(self, staff: Any, number: str, kind: str, **fields: Any) -> Reply:
        action = StaffAction(kind=kind, actor=actor_for(self._county, staff), **fields)
        detail: CaseDetail = await self._cases.act(number, action)
        log.info("staff chat: %s %s by %s", kind, number, staff.id)
        done = {
            "accept": "已受理",
            "transfer": f"已移送{self._agency_name(detail.lead_agency)}",
            "reply": "已书面答复缴费人",
            "submit_opinion": "已提交书面意见",
            "approve": "已批准专案办理",
            "close": "已办结",
        }.get(kind, "已办理")
        text = f"{done}：{number}\n状态：{detail.status_label}\n办理时限：{self._due(detail)}"
        return Reply(text, self._next_choices(staff, detail))

    # --- rendering --------------------------------------------------------------------

    async def _list(self, staff: Any) -> Reply:
        agency = None if sees_all(self._county, staff) else staff.agency
        found: list[CaseDetail] = await self._cases.list_cases(
            CaseFilter(status=sorted(OPEN_STATUSES), agency=agency, limit=20, with_events=False)
        )
        if not found:
            return Reply("目前没有在办案件。")
        lines = ["在办案件（最近20件）："]
        for d in found:
            late = "【已超期】" if d.overdue else ""
            lines.append(f"{d.number} {d.category_label} {d.status_label} 时限{self._due(d)}{late}")
        choices = tuple(Choice(f"detail:{d.number}", f"{d.number} 详情") for d in found[:8])
        return Reply("\n".join(lines), choices)

    def _detail(self, d: CaseDetail, staff: Any) -> Reply:
        c = d.complainant
        who = c.name or c.employer or "（未留姓名）"
        ident = "｜".join(
            x for x in (who, mask_id(c.id_number) or "", mask_phone(c.phone) or "") if x
        )
        lines = [
            f"案件 {d.number}（{d.status_label}）",
            f"类别：{d.category_label}｜{d.tier_label}",
            f"缴费人：{ident}",
            f"诉求：{mask_text(d.description)}",
            f"牵头单位：{self._agency_name(d.lead_agency)}；联办："
            + ("、".join(self._agency_name(a) for a in d.co_agencies) or "无"),
            f"办理时限：{self._due(d)}" + ("【已超期】" if d.overdue else ""),
        ]
        if d.latest_reply:
            lines.append(f"答复：{mask_text(d.latest_reply)}")
        if d.attachments.total:
            lines.append(f"附件：{d.attachments.summary()}（请在工作台案件详情中查看）")
        for e in d.events[-5:]:
            lines.append(f"· {self._local(e.at)} {e.action_label} {mask_text(e.text)[:60]}")
        return Reply("\n".join(lines), self._next_choices(staff, d))

    def _next_choices(self, staff: Any, d: CaseDetail) -> tuple[Choice, ...]:
        """Buttons for exactly what this staff member may do next (backend.permissions)."""
        labels = {
            "accept": "受理",
            "transfer": "移送",
            "reply": "答复",
            "submit_opinion": "提交意见",
            "approve": "批准",
            "close": "办结",
        }
        ids = {"submit_opinion": "opinion"}
        out = [
            Choice(f"{ids.get(a, a)}:{d.number}", labels[a])
            for a in allowed_actions(d, actor_for(self._county, staff))
            if a in labels
        ]
        return tuple(c for c in out if len(c.id) <= MAX_CHOICE_ID)

    def _agency_menu(self, d: CaseDetail) -> Reply:
        choices = []
        for index, agency in enumerate(self._county.agencies):
            if agency.id == d.lead_agency:
                continue
            choice_id = f"transfer_to:{d.number}:{agency.id}"
            if len(choice_id) > MAX_CHOICE_ID:  # keep within Telegram's callback_data limit
                choice_id = f"transfer_to:{d.number}:#{index}"
            choices.append(Choice(choice_id, agency.short_name))
        return Reply(
            f"把 {d.number} 移送到哪个单位？（也可以发送：/transfer {d.number} 单位 理由）",
            tuple(choices),
        )

    def _agency(self, word: str) -> Any | None:
        """An agency from a menu index ("#3", from ``_agency_menu``) or as the county config
        resolves names (``County.find_agency``: hrss / 县人社局 / 人社局); in chat a unique
        fragment ("人社") is enough too."""
        agencies = list(self._county.agencies)
        if word[:1] in ("#", "＃"):
            index = small_int(word)  # "#²", "#①" or 5,000 digits must not raise
            return agencies[index] if index is not None and index < len(agencies) else None
        found = self._county.find_agency(word)
        if found is not None:
            return found
        matches = [a for a in agencies if word and (word in a.short_name or word in a.name)]
        return matches[0] if len(matches) == 1 else None

    def _agency_name(self, agency_id: str) -> str:
        if self._county.has_agency(agency_id):
            return str(self._county.agency(agency_id).short_name)
        return agency_id

    def _due(self, d: CaseDetail) -> str:
        return self._local(d.due_at)

    def _local(self, moment: Any) -> str:
        from zoneinfo import ZoneInfo

        return f"{moment.astimezone(ZoneInfo(self._county.timezone)):%m-%d %H:%M}"


def _settled_on_the_spot(d: CaseDetail) -> bool:
    """Closing now is 当场办结 (a simple case not yet answered): the result is required."""
    return d.tier == "simple" and d.status in ("registered", "accepted")


def _english(action: str) -> str:
    return {"submit_opinion": "opinion"}.get(action, action)
