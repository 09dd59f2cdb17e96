"""Staff API tokens: issued once (shown once), stored only as a SHA-256 hash, revocable.

Staff accounts themselves live in the county config; a token just proves "I am staff X".
A token of someone no longer in the config stops working without being revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from backend.models import StaffToken
from backend.notifier import SessionSource, as_clock

TOKEN_PREFIX = "ycs_"


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
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        async with self._db.session() as session:
            row = (
                await session.execute(
                    sa.select(t.staff_id, t.token_hash).where(
                        t.token_hash == digest, t.revoked_at.is_(None)
                    )
                )
            ).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        return find_staff(self._county, row.staff_id)

    async def revoke(self, staff_id: str) -> int:
        """Revoke every live token of ``staff_id``; the number revoked."""
        return await self._revoke(StaffToken.__table__.c.staff_id == staff_id)  # type: ignore[attr-defined]

    async def revoke_token(self, token: str) -> bool:
        """Revoke one token (e.g. a leaked one); False if it was not live."""
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        return await self._revoke(t.token_hash == hash_token(token)) == 1

    async def _revoke(self, which: sa.ColumnElement[bool]) -> int:
        t = StaffToken.__table__.c  # type: ignore[attr-defined]
        now: datetime = self._clock()
        async with self._db.session(write=True) as session:
            done = await session.execute(
                sa.update(StaffToken.__table__)  # type: ignore[attr-defined]
                .where(which, t.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            await session.commit()
        return int(done.rowcount)  # type: ignore[attr-defined]
