"""Ingestion jobs."""

from collections.abc import Awaitable, Callable
from typing import Any

JOBS: tuple[Callable[..., Awaitable[Any]], ...] = ()
