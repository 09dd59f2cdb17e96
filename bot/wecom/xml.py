"""Callback XML of WeChat Work, parsed safely into plain dataclasses.

defusedxml refuses DTDs, entity expansion and external references; bodies over
``MAX_XML_BYTES`` are refused before parsing. Nothing of the XML leaves ``bot.wecom``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_XML_BYTES = 64 * 1024


class XmlError(ValueError):
    """The body is not a callback we can read (too large, not XML, unsafe, missing parts)."""


def _parse(data: bytes | str) -> Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise XmlError(f"XML body too large ({len(raw)} bytes > {MAX_XML_BYTES})")
    try:
        root = SafeET.fromstring(raw)
    except (ParseError, DefusedXmlException) as exc:
        raise XmlError(f"not acceptable XML: {exc}") from None
    if root.tag != "xml":
        raise XmlError(f"root element is <{root.tag}>, expected <xml>")
    return root


def _fields(root: Element) -> dict[str, str]:
    """Top-level children as text (nested elements are flattened one level, e.g. for events
    that carry a <SendLocationInfo>; we do not use them)."""
    return {child.tag: (child.text or "").strip() for child in root}


@dataclass(frozen=True)
class Envelope:
    """The outer, encrypted callback body."""

    to_user: str
    encrypt: str
    agent_id: str | None = None


@dataclass(frozen=True)
class CallbackMessage:
    """The decrypted callback: a member's message (self-built app) or an event."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    content: str = ""
    msg_id: str = ""
    agent_id: str = ""
    event: str = ""
    event_key: str = ""
    #: 微信客服 ``kf_msg_or_event``: the token for ``kf/sync_msg`` and the account.
    token: str = ""
    open_kfid: str = ""
    fields: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def dedup_key(self) -> str:
        """WeChat Work re-sends a callback up to 3 times: messages carry a MsgId; events
        are identified by sender + CreateTime (and the event name, the kf token)."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"ev:{self.from_user}:{self.create_time}:{self.event}:{self.token}"[:200]


def parse_envelope(data: bytes | str) -> Envelope:
    f = _fields(_parse(data))
    encrypt = f.get("Encrypt", "")
    if not encrypt:
        raise XmlError("callback has no <Encrypt>")
    return Envelope(
        to_user=f.get("ToUserName", ""), encrypt=encrypt, agent_id=f.get("AgentID") or None
    )


def parse_message(data: bytes | str) -> CallbackMessage:
    f = _fields(_parse(data))
    msg_type = f.get("MsgType", "")
    if not msg_type:
        raise XmlError("callback message has no <MsgType>")
    try:
        create_time = int(f.get("CreateTime") or 0)
    except ValueError:
        raise XmlError("<CreateTime> is not a number") from None
    return CallbackMessage(
        to_user=f.get("ToUserName", ""),
        from_user=f.get("FromUserName", ""),
        create_time=create_time,
        msg_type=msg_type,
        content=f.get("Content", ""),
        msg_id=f.get("MsgId", ""),
        agent_id=f.get("AgentID", ""),
        event=f.get("Event", ""),
        event_key=f.get("EventKey", ""),
        token=f.get("Token", ""),
        open_kfid=f.get("OpenKfId", ""),
        fields=f,
    )


def _cdata(value: str) -> str:
    # "]]>" cannot appear inside CDATA: split it across two sections.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def to_xml(fields: dict[str, str | int]) -> str:
    """``<xml><Key><![CDATA[value]]></Key>…</xml>``; integers are written bare."""
    parts = []
    for key, value in fields.items():
        text = str(value) if isinstance(value, int) else _cdata(value)
        parts.append(f"<{key}>{text}</{key}>")
    return "<xml>" + "".join(parts) + "</xml>"
