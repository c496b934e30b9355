"""Turns a session's pending changes into audit log entries."""

import base64
import enum
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from domain.audit.models import AuditLogEntry
from domain.db.base import TenantOwned
from domain.shared.ids import new_id
from domain.shared.tenancy import Actor, ActorKind

REDACTED = "[redacted]"
_SKIPPED_COLUMNS = frozenset({"tenant_id", "created_at"})


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value[:16]).decode("ascii") + "…"
    return value


def _columns(obj: object) -> Iterator[tuple[str, Any, bool]]:
    """(attribute key, column, is secret) of the mapped columns."""
    mapper = inspect(type(obj))
    for attr in mapper.column_attrs:
        if attr.key in _SKIPPED_COLUMNS:
            continue
        column = attr.columns[0]
        yield attr.key, column, bool(column.info.get("secret"))


def _snapshot(obj: object) -> dict[str, Any]:
    return {
        key: REDACTED if secret else _plain(getattr(obj, key))
        for key, _column, secret in _columns(obj)
    }


def _diff(obj: object) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, _column, secret in _columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        before[key] = REDACTED if secret else _plain(old)
        after[key] = REDACTED if secret else _plain(new)
    return before, after


def audit_entries_for_flush(
    session: Session, tenant_id: uuid.UUID, actor: Actor | None
) -> list[AuditLogEntry]:
    """Audit entries for the tenant-owned objects the session is about to flush."""
    who = actor or Actor(kind=ActorKind.SYSTEM, id="unknown")
    entries: list[AuditLogEntry] = []

    def entry(obj: object, action: str, before: Any, after: Any) -> AuditLogEntry:
        if getattr(obj, "id", None) is None:
            # Column defaults run at flush, after this hook: give the row its key now.
            obj.id = new_id()  # type: ignore[attr-defined]
        return AuditLogEntry(
            tenant_id=tenant_id,
            actor_kind=who.kind.value,
            actor_id=who.id,
            action=action,
            entity_type=type(obj).__name__,
            entity_id=obj.id,  # type: ignore[attr-defined]
            before=before,
            after=after,
        )

    for obj in session.new:
        if isinstance(obj, TenantOwned) and not isinstance(obj, AuditLogEntry):
            created = entry(obj, "create", None, None)
            created.after = _snapshot(obj)
            entries.append(created)
    for obj in session.dirty:
        if isinstance(obj, TenantOwned) and session.is_modified(obj):
            before, after = _diff(obj)
            if after:
                entries.append(entry(obj, "update", before, after))
    for obj in session.deleted:
        if isinstance(obj, TenantOwned):
            entries.append(entry(obj, "delete", _snapshot(obj), None))
    return entries
