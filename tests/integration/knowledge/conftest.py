"""Fixtures of the Q&A suggestion tests: both search backends, real and empty.

`qna_backend` runs a test twice: on OpenSearch (an index prefix of its own,
removed afterwards) and on SQLite FTS5 (a fresh database file).
"""

import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import create_async_engine

from domain.settings import Settings
from domain.shared.ports import SearchIndex
from search.documents import LOGICAL_INDICES
from search.indices import template_name
from search.opensearch import OpenSearchIndex, create_opensearch_client
from search.sqlite_fts import SqliteFtsIndex

BACKENDS = [
    pytest.param("opensearch", marks=pytest.mark.opensearch, id="opensearch"),
    pytest.param("sqlite", id="sqlite-fts5"),
]


@dataclass(frozen=True)
class QnaBackend:
    """A ready search index and how to make its writes visible to searches."""

    name: str
    search: SearchIndex
    refresh: Callable[[], Awaitable[None]]


async def _nothing_to_refresh() -> None:
    """SQLite FTS5 writes are visible as soon as they return."""


@pytest.fixture(params=BACKENDS)
async def qna_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QnaBackend]:
    if request.param == "sqlite":
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'qna-search.db'}")
        index = SqliteFtsIndex(engine)
        await index.ensure_ready()
        try:
            yield QnaBackend("sqlite", index, _nothing_to_refresh)
        finally:
            await engine.dispose()
        return
    settings: Settings = request.getfixturevalue("services_settings")
    url: str = request.getfixturevalue("opensearch_url")
    prefix = f"{settings.search_index_prefix}-suggest-{uuid.uuid4().hex[:8]}"
    client = create_opensearch_client(url)
    opensearch = OpenSearchIndex(client, prefix=prefix)
    try:
        await opensearch.ensure_ready()

        async def refresh() -> None:
            await opensearch.refresh("qna")

        yield QnaBackend("opensearch", opensearch, refresh)
    finally:
        await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        for index_name in LOGICAL_INDICES:
            await client.indices.delete_index_template(
                name=template_name(prefix, index_name), ignore=[404]
            )
        await client.close()


@pytest.fixture
async def opensearch_qna(
    services_settings: Settings, opensearch_url: str
) -> AsyncIterator[QnaBackend]:
    """An OpenSearch index of its own (removed afterwards), for tests on PostgreSQL."""
    prefix = f"{services_settings.search_index_prefix}-kb-{uuid.uuid4().hex[:8]}"
    client = create_opensearch_client(opensearch_url)
    opensearch = OpenSearchIndex(client, prefix=prefix)
    try:
        await opensearch.ensure_ready()

        async def refresh() -> None:
            await opensearch.refresh("qna")

        yield QnaBackend("opensearch", opensearch, refresh)
    finally:
        await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        for index_name in LOGICAL_INDICES:
            await client.indices.delete_index_template(
                name=template_name(prefix, index_name), ignore=[404]
            )
        await client.close()


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free loopback port (the controller cannot take 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
