"""Staff API tokens: issued once (shown once), stored only as a SHA-256 hash, revocable.

Staff accounts themselves live in the county config; a token just proves "I am staff X".
A token of someone no longer in the config stops working without being revoked.

Revoking ends the web-console sessions the revoked credential opened: a session signed in
with a token records that token (``ConsoleSession.via == "token:<id>"``) and dies with it;
revoking all of a staff member's tokens ends all of their sessions (WeChat Work ones too:
the office revokes someone to lock them out, whatever they signed in with).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from backend.models import ConsoleSession, StaffToken
from backend.notifier import SessionSource, as_clock

TOKEN_PREFIX = "ycs_"
#: ``ConsoleSession.via`` of a session signed in with staff token ``<id>``.
TOKEN_VIA = "token:"


def token_via(token_id: int) -> str:
    """How a console session records the token it was signed in with."""
    return f"{TOKEN_VIA}{token_id}"


def token_via_column(token_id: Any) -> Any:
    """``token_via`` in SQL, for joining sessions to their tokens."""
    return sa.literal(TOKEN_VIA, sa.String) + sa.cast(token_id, sa.String)


class UnknownStaff(LookupError):
    """The staff id is not in the county config."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def find_staff(county: Any, staff_id: str) -> Any | None:
    """The county's staff account with this id, or None."""
    for staff in county.staff:
        if staff.id == staff_id:
            return staff
    return None


class StaffAuth:
    def __init__(self, db: SessionSource, county: Any, clock: Any = None) -> None:
        self._db = db
        self._county = county
        self._clock = as_clock(clock)

    async def issue(self, staff_id: str) -> str:
        """A new random token for ``staff_id``; only its hash is kept, so show it now or never."""
        if find_staff(self._county, staff_id) is None:
            raise UnknownStaff(staff_id)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self._db.session(write=True) as session:
            session.add(
                StaffToken(
                    staff_id=staff_id, token_hash=hash_token(token), created_at=self._clock()
                )
            )
            await session.commit()
        return token

    async def verify(self, token: str) -> Any | None:
        """The staff account the token belongs to, or None (unknown, revoked, or removed)."""
        found = await self.verify_with_id(token)
        return found[0] if found is not None else None

    async def verify_with_id(self, token: str) -> tuple[Any, int] | None:
        """(staff account, token id) of a live token, or None (unknown, revoked, removed).
        The id is what a console session records to end with the token."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        async with self._db.session() as session:
            row = (
                await session.execute(
                    sa.select(t.id, t.staff_id, t.token_hash).where(
                        t.token_hash == digest, t.revoked_at.is_(None)
                    )
                )
            ).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        staff = find_staff(self._county, row.staff_id)
        return (staff, int(row.id)) if staff is not None else None

    async def revoke(self, staff_id: str) -> int:
        """Revoke every live token of ``staff_id`` and end all their console sessions (in one
        transaction); the number of tokens revoked."""
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        sessions = ConsoleSession.__table__  # type: ignore[attr-defined]
        return await self._revoke(
            t.staff_id == staff_id, sa.delete(sessions).where(sessions.c.staff_id == staff_id)
        )

    async def revoke_token(self, token: str) -> bool:
        """Revoke one token (e.g. a leaked one) and end the console sessions signed in with
        it; False if it was not live."""
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        sessions = ConsoleSession.__table__  # type: ignore[attr-defined]
        digest = hash_token(token)
        opened_with = sa.select(token_via_column(t.id)).where(t.token_hash == digest)
        return (
            await self._revoke(
                t.token_hash == digest,
                sa.delete(sessions).where(sessions.c.via.in_(opened_with)),
            )
            == 1
        )

    async def _revoke(self, which: sa.ColumnElement[bool], end_sessions: sa.Delete) -> int:
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        now: datetime = self._clock()
        async with self._db.session(write=True) as session:
            done = await session.execute(
                sa.update(StaffToken.__table__)  # type: ignore[attr-defined]
                .where(which, t.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            await session.execute(end_sessions)
            await session.commit()
        return int(done.rowcount)  # type: ignore[attr-defined]
