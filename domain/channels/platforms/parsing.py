"""Typed, path-aware reading of decoded JSON payloads, shared by the platform parsers.

Every failure raises `MalformedPayload` naming the platform and the JSON path, so a
rejected delivery can be diagnosed from the log line alone.
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.channels.platforms.types import MalformedPayload, NormalizedMention, ParseResult

# Epoch values at or above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_MILLIS_THRESHOLD = 10**11


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def decode_json(body: bytes, *, platform: str) -> object:
    """The decoded JSON value of `body`; raises `MalformedPayload` for non-UTF-8 or bad JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(
            f"{platform} payload is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from exc
    if not text.strip():
        raise MalformedPayload(f"{platform} payload is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedPayload(
            f"{platform} payload is not valid JSON ({exc.msg} at line {exc.lineno}, "
            f"column {exc.colno})"
        ) from exc
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise MalformedPayload(f"{platform} payload is not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise MalformedPayload(f"{platform} payload is nested too deeply") from exc


def load_object(body: bytes, *, platform: str) -> "Node":
    """The top-level JSON object of `body` as a `Node`."""
    return Node.wrap(decode_json(body, platform=platform), path="", platform=platform)


def epoch_to_datetime(value: int) -> datetime:
    """A UTC datetime from epoch seconds or milliseconds (told apart by magnitude)."""
    if value >= _MILLIS_THRESHOLD:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return datetime.fromtimestamp(value, tz=UTC)


def text_or_none(value: str | None) -> str | None:
    """Empty text means no text: media-only messages come with "" on some platforms."""
    return value if value else None


@dataclass(frozen=True, slots=True)
class Node:
    """A JSON object plus where it sits in the payload, with typed accessors."""

    data: Mapping[str, object]
    path: str
    platform: str

    @classmethod
    def wrap(cls, value: object, *, path: str, platform: str) -> "Node":
        if not isinstance(value, dict):
            where = path or "top level"
            raise MalformedPayload(
                f"{platform} payload: {where}: expected an object, got {_json_type(value)}"
            )
        return cls(value, path, platform)

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> MalformedPayload:
        """The error to raise for the value at `key`."""
        return MalformedPayload(f"{self.platform} payload: {self._at(key)}: {problem}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def field_names(self) -> Iterator[str]:
        return iter(self.data)

    def obj(self, key: str) -> "Node":
        if key not in self.data:
            raise self.error(key, "missing")
        return Node.wrap(self.data[key], path=self._at(key), platform=self.platform)

    def obj_or_none(self, key: str) -> "Node | None":
        if self.data.get(key) is None:
            return None
        return self.obj(key)

    def objs(self, key: str) -> tuple["Node", ...]:
        """The objects in the array at `key`; an absent or null array is empty."""
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(key, f"expected an array, got {_json_type(value)}")
        at = self._at(key)
        return tuple(
            Node.wrap(item, path=f"{at}[{index}]", platform=self.platform)
            for index, item in enumerate(value)
        )

    def id(self, key: str) -> str:
        """An identifier as a string; platforms send ids as strings or integers."""
        found = self.id_or_none(key)
        if found is None:
            raise self.error(key, "missing")
        return found

    def id_or_none(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise self.error(key, f"expected an id (string or integer), got {_json_type(value)}")

    def ids(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(key, f"expected an array, got {_json_type(value)}")
        at = self._at(key)
        found: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item:
                found.append(item)
            elif isinstance(item, int) and not isinstance(item, bool):
                found.append(str(item))
            else:
                problem = f"expected an id, got {_json_type(item)}"
                raise MalformedPayload(f"{self.platform} payload: {at}[{index}]: {problem}")
        return tuple(found)

    def string(self, key: str) -> str:
        found = self.string_or_none(key)
        if found is None:
            raise self.error(key, "missing")
        return found

    def string_or_none(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.error(key, f"expected a string, got {_json_type(value)}")

    def integer(self, key: str) -> int:
        found = self.integer_or_none(key)
        if found is None:
            raise self.error(key, "missing")
        return found

    def integer_or_none(self, key: str) -> int | None:
        """An integer; digit strings count, since several platforms quote big numbers."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        # Ids and timestamps are at most 20 digits; the bound keeps int() cheap.
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
            return int(value)
        raise self.error(key, f"expected an integer, got {_json_type(value)}")

    def flag(self, key: str) -> bool:
        """True for true, "true" or 1 (X sends "false" as a string in places); absent is False."""
        value = self.data.get(key)
        return value is True or value == "true" or (type(value) is int and value == 1)

    def epoch(self, key: str) -> datetime:
        found = self.epoch_or_none(key)
        if found is None:
            raise self.error(key, "missing")
        return found

    def epoch_or_none(self, key: str) -> datetime | None:
        """A UTC time from epoch seconds or milliseconds."""
        value = self.integer_or_none(key)
        if value is None:
            return None
        try:
            return epoch_to_datetime(value)
        except (OverflowError, OSError, ValueError) as exc:
            raise self.error(key, f"timestamp {value} is out of range") from exc


@dataclass(slots=True)
class ResultBuilder:
    """Collects mentions and skip reasons while a parser walks a payload."""

    mentions: list[NormalizedMention] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def add(self, mention: NormalizedMention) -> None:
        self.mentions.append(mention)

    def ignore(self, reason: str) -> None:
        self.ignored.append(reason)

    def result(self) -> ParseResult:
        return ParseResult(mentions=tuple(self.mentions), ignored=tuple(self.ignored))


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` without repeats, first occurrence order kept."""
    return tuple(dict.fromkeys(values))
