"""Console sessions: a random id in an HTTP-only cookie, only its SHA-256 hash in the database.

A session is created at every sign-in (never reused from the request: no session fixation),
expires after ``SESSION_HOURS`` whatever happens, or after ``IDLE_HOURS`` without a request,
and is deleted at sign-out. A session signed in with a staff token lives only as long as that
token (``via == "token:<id>"``, checked on every request, so a revoked token ends it at once
even if the deletion in ``StaffAuth.revoke*`` were missed); a staff member no longer in the
county file has no session. The CSRF token
of a session is derived from its id with HMAC, so it needs no storage and changes with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from backend.auth import TOKEN_VIA, find_staff, token_via_column
from backend.models import ConsoleSession, StaffToken
from backend.notifier import SessionSource, as_clock

_TABLE: sa.Table = ConsoleSession.__table__  # type: ignore[attr-defined]
_TOKENS: sa.Table = StaffToken.__table__  # type: ignore[attr-defined]

#: Absolute lifetime of a console session (a working day).
SESSION_HOURS = 10
#: A session unused this long has ended (a phone left on a desk).
IDLE_HOURS = 2
#: ``last_seen_at`` is written at most this often (not one UPDATE per page).
TOUCH_EVERY = timedelta(minutes=5)
#: Sessions are at most this long (anything longer in a cookie is not ours).
MAX_ID_LENGTH = 100


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def csrf_token(session_id: str) -> str:
    """The CSRF token of the forms of this session (HMAC of the session id)."""
    return hmac.new(session_id.encode("utf-8"), b"yichuang-console-csrf", "sha256").hexdigest()


def csrf_ok(session_id: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(session_id), token)


@dataclass(frozen=True)
class SignedIn:
    """A live session: the staff account and the raw id (from the cookie)."""

    session_id: str
    staff: Any  # backend.config.StaffMember
    expires_at: datetime
    via: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.session_id)


class ConsoleSessions:
    def __init__(self, db: SessionSource, county: Any, clock: Any = None) -> None:
        self._db = db
        self._county = county
        self._clock = as_clock(clock)

    async def create(self, staff_id: str, via: str) -> SignedIn:
        """A brand-new session for ``staff_id`` (the caller sets the cookie). ``via``:
        ``backend.auth.token_via(token id)`` or "wecom"."""
        staff = find_staff(self._county, staff_id)
        if staff is None:
            raise LookupError(staff_id)
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        expires = now + timedelta(hours=SESSION_HOURS)
        async with self._db.session(write=True) as s:
            s.add(
                ConsoleSession(
                    session_hash=_hash(session_id),
                    staff_id=staff_id,
                    via=via,
                    created_at=now,
                    expires_at=expires,
                    last_seen_at=now,
                )
            )
            await s.commit()
        return SignedIn(session_id, staff, expires, via)

    async def lookup(self, session_id: str | None) -> SignedIn | None:
        """The live session with this id, or None (unknown, expired, or staff removed)."""
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return None
        t = _TABLE.c
        k = _TOKENS.c
        digest = _hash(session_id)
        # The token a session was signed in with, if it is still live (one query).
        live_token = sa.and_(
            t.via == token_via_column(k.id), k.staff_id == t.staff_id, k.revoked_at.is_(None)
        )
        async with self._db.session() as s:
            row = (
                await s.execute(
                    sa.select(t.staff_id, t.expires_at, t.last_seen_at, t.via, k.id.label("tok"))
                    .select_from(_TABLE.outerjoin(_TOKENS, live_token))
                    .where(t.session_hash == digest)
                )
            ).first()
        now = self._clock()
        if row is None or row.expires_at <= now:
            return None
        if (row.via.startswith(TOKEN_VIA) and row.tok is None) or row.via == "token":
            # Signed in with a token that has been revoked since: the session ends with it
            # (a session from before tokens were recorded cannot be checked: it ends too).
            await self.end(session_id)
            return None
        if now - row.last_seen_at > timedelta(hours=IDLE_HOURS):
            await self.end(session_id)
            return None
        staff = find_staff(self._county, row.staff_id)
        if staff is None:
            # Removed from the county file: no access, and the session is gone for good.
            await self.end(session_id)
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            async with self._db.session(write=True) as s:
                await s.execute(
                    sa.update(_TABLE).where(t.session_hash == digest).values(last_seen_at=now)
                )
                await s.commit()
        return SignedIn(session_id, staff, row.expires_at, row.via)

    async def end(self, session_id: str | None) -> None:
        """Delete the session (sign-out, or a new sign-in replacing it)."""
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return
        t = _TABLE.c
        async with self._db.session(write=True) as s:
            await s.execute(sa.delete(_TABLE).where(t.session_hash == _hash(session_id)))
            await s.commit()

    async def purge_expired(self) -> int:
        """Delete expired sessions and those of staff no longer in the county file; the
        number deleted."""
        t = _TABLE.c
        staff_ids = sorted(s.id for s in self._county.staff)
        async with self._db.session(write=True) as s:
            done = await s.execute(
                sa.delete(_TABLE).where(
                    sa.or_(t.expires_at <= self._clock(), t.staff_id.not_in(staff_ids))
                )
            )
            await s.commit()
        return int(done.rowcount)  # type: ignore[attr-defined]
