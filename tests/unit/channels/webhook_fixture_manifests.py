"""Reads the webhook fixture manifests under tests/fixtures/webhooks for the channel tests."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

FIXTURES_DIR = Path(__file__).parents[2] / "fixtures" / "webhooks"
WEBHOOK_PLATFORMS = ("facebook", "instagram", "x", "telegram", "vk")


@dataclass(frozen=True)
class Fixture:
    platform: str
    entry: dict[str, Any]

    @property
    def file(self) -> str:
        return str(self.entry["file"])

    @property
    def body(self) -> bytes:
        return (FIXTURES_DIR / self.platform / self.file).read_bytes()

    @property
    def is_webhook_body(self) -> bool:
        return bool(self.entry.get("webhook_body", True))

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.entry["headers"])

    @property
    def thread_links(self) -> list[dict[str, Any]]:
        thread = self.entry["thread"]
        if isinstance(thread, list):
            return thread
        return [thread] if thread else []


@cache
def manifest(platform: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (FIXTURES_DIR / platform / "manifest.json").read_text(encoding="utf-8")
    )
    return loaded


def fixtures(*platforms: str, webhook_only: bool = False) -> list[Fixture]:
    found = [
        Fixture(platform, entry)
        for platform in platforms or WEBHOOK_PLATFORMS
        for entry in manifest(platform)["fixtures"]
    ]
    return [f for f in found if f.is_webhook_body or not webhook_only]


def fixture(platform: str, file_prefix: str) -> Fixture:
    """The one fixture of `platform` whose file name starts with `file_prefix` (e.g. "02_")."""
    (found,) = [f for f in fixtures(platform) if f.file.startswith(file_prefix)]
    return found


def body(platform: str, file_prefix: str) -> bytes:
    return fixture(platform, file_prefix).body


def params(items: list[Fixture]) -> list[Any]:
    return [pytest.param(item, id=f"{item.platform}/{item.file}") for item in items]
