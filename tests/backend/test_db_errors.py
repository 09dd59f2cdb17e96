"""Issue 14, finding 4: which errors mean "the database cannot serve now" (answer 503, have
the message re-delivered) and which mean "this input is refused" (never retried)."""

from __future__ import annotations

import pytest
import sqlalchemy.exc as sa_exc

from backend.db import is_unavailable


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(),
        TimeoutError(),
        OSError("Multiple exceptions: [Errno 111] Connect call failed"),
        sa_exc.OperationalError("SELECT 1", {}, Exception()),
        sa_exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        sa_exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached"),
        sa_exc.DBAPIError("SELECT 1", {}, _PgError("57014")),  # statement timeout
        sa_exc.DBAPIError("SELECT 1", {}, _PgError("08006")),  # connection failure
        sa_exc.DBAPIError("SELECT 1", {}, _PgError("40P01")),  # deadlock
    ],
)
def test_unavailable(exc: BaseException) -> None:
    assert is_unavailable(exc)
    wrapped = RuntimeError("while opening a case")
    wrapped.__cause__ = exc
    assert is_unavailable(wrapped)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad"),
        PermissionError(13, "Permission denied"),
        sa_exc.IntegrityError("INSERT", {}, Exception()),
        sa_exc.DBAPIError("INSERT", {}, _PgError("22021")),  # NUL / bad encoding
        sa_exc.DBAPIError("INSERT", {}, _PgError("22001")),  # value too long
    ],
)
def test_refused_input_is_not_unavailability(exc: BaseException) -> None:
    assert not is_unavailable(exc)
