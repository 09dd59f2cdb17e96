"""A short schemathesis run against the served OpenAPI document (the long one is
``benchmarks/api_fuzz.py``): its coverage phase sends the boundary values of every documented
parameter and body field — empty, too long, wrong type, out of range, NUL — to the routes
that take input, and every answer must be a documented status with a documented body:
no 5xx, no undocumented 4xx, no text/plain page."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from apiharness import Api, running_api

pytest.importorskip("schemathesis")

#: One operation of each input shape: query filters, a case number, an integer path id,
#: a strict integer body field, an agency body field.
OPERATIONS = "listCases|getCase|retryDeadLetter|extendDueCase"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection"
)


@pytest.fixture
async def api(postgres_database: Any, county: Any, clock: Any) -> AsyncIterator[Api]:
    """PostgreSQL only (it refuses more than SQLite); the benchmark fuzzes both."""
    async with running_api(postgres_database, county, clock) as running:
        yield running


async def test_schemathesis_coverage_phase_finds_nothing(api: Api, tmp_path: Path) -> None:
    for user, category in (("1", "late_fee"), ("2", "refund"), ("3", "arrears")):
        await api.open_case(user, category, "单位拖欠社保，滞纳金太高")
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is a dev dependency: .venv/bin/pip install schemathesis"
    base = api.base_url
    proc = await asyncio.create_subprocess_exec(
        st,
        "run",
        f"{base}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {api.tokens['office01']}",
        "--include-operation-id-regex",
        f"^({OPERATIONS})$",
        "--phases",
        "coverage",
        "--mode",
        "negative",  # the invalid values: what used to answer 500
        "--checks",
        CHECKS,
        "--workers",
        "1",  # schemathesis 4.32 on Python 3.11 trips over its own AST code with threads
        "--generation-database",
        "none",
        "--max-failures",
        "5",
        "--no-color",
        cwd=tmp_path,  # schemathesis writes a cache directory where it runs
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-6000:]
    assert " passed" in text and "generated" in text, text[-2000:]
