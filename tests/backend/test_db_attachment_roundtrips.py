"""Opening a case costs no attachment statement when the dialogue knows its draft kept no
upload (``CaseDraft.uploads is False``), and one (``UPDATE … RETURNING``) otherwise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event


async def test_no_attachment_statement_without_uploads(
    case_service: Any, database: Any, make_draft: Any
) -> None:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "attachments" in statement.lower():
            seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        await case_service.open_case(make_draft(draft_key="k-none", uploads=False))
        assert seen == []
        await case_service.open_case(make_draft(draft_key="k-some", uploads=None))
        assert len(seen) == 1 and "RETURNING" in seen[0].upper()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
