"""Use cases of customers: link message authors to customers, merge two customers."""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from domain.authz.policy import Grantee, Permission, decide, require
from domain.conversations.keyset import KeysetWindow, SortKey, apply_window
from domain.conversations.models import Conversation
from domain.conversations.repository import ConversationRepository
from domain.conversations.rules import EventKind
from domain.conversations.service import ConversationChange, record_changes
from domain.customers.models import Customer, CustomerIdentity
from domain.customers.repository import CustomerIdentityRepository, CustomerRepository, IdentityKey
from domain.db.uow import UnitOfWork
from domain.mentions.repository import MentionRepository
from domain.shared.clock import utcnow
from domain.shared.errors import ConflictError, NotFoundError, ValidationError

#: Namespace of the customer ids derived from a first identity (see `first_customer_id`).
_CUSTOMER_NAMESPACE = uuid.UUID("1b0f5ae2-8c4d-5f0e-9a57-6d2c3e8f4a10")

#: How many merge hops `link_authors` follows from an identity to the surviving customer.
_MAX_MERGE_HOPS = 8


@dataclass(frozen=True, slots=True)
class AuthorSighting:
    """An author seen on a platform at some time, with the names the platform gave."""

    platform: str
    platform_user_id: str
    handle: str | None
    display_name: str | None
    seen_at: datetime

    @property
    def key(self) -> IdentityKey:
        return (self.platform, self.platform_user_id)


@dataclass(frozen=True, slots=True)
class MergeResult:
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    identities_moved: int
    conversations_moved: int
    mentions_moved: int


def first_customer_id(tenant_id: uuid.UUID, platform: str, platform_user_id: str) -> uuid.UUID:
    """The id of the customer created for an identity nobody has seen before.

    Derived from the identity, so concurrent transactions that both meet a new author
    create the same customer row (`ON CONFLICT DO NOTHING`) instead of two.
    """
    return uuid.uuid5(_CUSTOMER_NAMESPACE, f"{tenant_id}/{platform}/{platform_user_id}")


async def link_authors(
    uow: UnitOfWork, sightings: Sequence[AuthorSighting]
) -> dict[IdentityKey, uuid.UUID]:
    """The customer of each sighted identity, creating customer and identity when new.

    Identities are upserted with `ON CONFLICT` on `(tenant, platform, platform_user_id)`,
    so concurrent jobs never create two customers for one identity. Known names are
    refreshed (an unknown name keeps the stored one); `last_seen_at` only moves forward.
    Identities of a merged customer resolve to the survivor. Every returned customer is
    locked (FOR UPDATE, id order) until the transaction ends: conversation placement
    for a customer happens under this lock.
    """
    if not sightings:
        return {}
    tenant_id = uow.require_scope().tenant_id
    latest: dict[IdentityKey, AuthorSighting] = {}
    for sighting in sightings:
        found = latest.get(sighting.key)
        if found is None or sighting.seen_at >= found.seen_at:
            latest[sighting.key] = sighting
    identities = CustomerIdentityRepository(uow)
    customers = CustomerRepository(uow)

    known = await identities.find(latest)
    linked: dict[IdentityKey, uuid.UUID] = {key: row.customer_id for key, row in known.items()}
    renamed = [
        {
            "id": row.id,
            "handle": latest[key].handle or row.handle,
            "display_name": latest[key].display_name or row.display_name,
        }
        for key, row in known.items()
        if (latest[key].handle or row.handle, latest[key].display_name or row.display_name)
        != (row.handle, row.display_name)
    ]
    await identities.update_names(renamed)

    new = [sighting for key, sighting in latest.items() if key not in known]
    if new:
        await customers.insert_missing(
            [
                {
                    "id": first_customer_id(tenant_id, s.platform, s.platform_user_id),
                    "created_at": utcnow(),
                    "display_name": (s.display_name or s.handle or "")[:200],
                    "is_vip": False,
                    "crm_id": None,
                    "notes": "",
                    "merged_into_id": None,
                    "merged_at": None,
                    "last_seen_at": None,
                }
                for s in new
            ]
        )
        linked.update(
            await identities.upsert(
                [
                    {
                        "id": uuid.uuid4(),
                        "created_at": utcnow(),
                        "customer_id": first_customer_id(tenant_id, s.platform, s.platform_user_id),
                        "platform": s.platform,
                        "platform_user_id": s.platform_user_id,
                        "handle": s.handle,
                        "display_name": s.display_name,
                    }
                    for s in new
                ]
            )
        )

    locked = await customers.lock_many(linked.values())
    for _ in range(_MAX_MERGE_HOPS):
        merged = {row.merged_into_id for row in locked.values() if row.merged_into_id is not None}
        missing = merged - locked.keys()
        if not missing:
            break
        locked.update(await customers.lock_many(missing))

    def survivor(customer_id: uuid.UUID) -> uuid.UUID:
        for _ in range(_MAX_MERGE_HOPS):
            row = locked.get(customer_id)
            if row is None or row.merged_into_id is None:
                return customer_id
            customer_id = row.merged_into_id
        return customer_id

    resolved = {key: survivor(customer_id) for key, customer_id in linked.items()}
    seen: dict[uuid.UUID, datetime] = {}
    for key, customer_id in resolved.items():
        at = latest[key].seen_at
        current = seen.get(customer_id)
        row = locked.get(customer_id)
        stored = None if row is None else row.last_seen_at
        if (stored is None or at > stored) and (current is None or at > current):
            seen[customer_id] = at
    await customers.set_last_seen(seen)
    return resolved


async def lock_customers(uow: UnitOfWork, customer_ids: Sequence[uuid.UUID]) -> None:
    """Lock these customers (FOR UPDATE, id order) until the transaction ends."""
    if customer_ids:
        await CustomerRepository(uow).lock_many(customer_ids)


async def merge_customers(
    uow: UnitOfWork, *, survivor_id: uuid.UUID, merged_id: uuid.UUID
) -> MergeResult:
    """Merge customer `merged_id` into `survivor_id`: one person, two profiles.

    Moves every identity, conversation and mention of the merged customer to the
    survivor, marks the merged one (`merged_into_id`, `merged_at`; it is kept, not
    deleted, so old references still resolve), re-points customers merged into it
    before, and writes a `customer_merged` event (and inbox notification) on each moved
    conversation, with the unit of work's actor. The survivor keeps its fields and takes
    the merged one's VIP flag, CRM id and name where it has none.

    Raises `NotFoundError` when either is not a customer of the tenant,
    `ValidationError` when they are the same or the survivor is itself merged, and
    `ConflictError` when the merged customer was merged already. The caller authorises
    and commits.
    """
    if survivor_id == merged_id:
        raise ValidationError("a customer cannot be merged into itself", field="merged_id")
    customers = CustomerRepository(uow)
    await customers.lock_many([survivor_id, merged_id])
    found = {
        customer.id: customer for customer in await customers.get_many([survivor_id, merged_id])
    }
    if survivor_id not in found or merged_id not in found:
        raise NotFoundError("Customer not found")
    survivor, merged = found[survivor_id], found[merged_id]
    if merged.merged_into_id is not None:
        raise ConflictError("the customer was merged already")
    if survivor.merged_into_id is not None:
        raise ValidationError("the surviving customer was merged into another", field="survivor_id")

    now = utcnow()
    identities_moved = await CustomerIdentityRepository(uow).move_customer(
        from_customer=merged_id, to_customer=survivor_id
    )
    conversations = await ConversationRepository(uow).move_customer(
        from_customer=merged_id, to_customer=survivor_id
    )
    mentions_moved = await MentionRepository(uow).move_customer(
        from_customer=merged_id, to_customer=survivor_id
    )
    await customers.repoint_merged(from_customer=merged_id, to_customer=survivor_id)

    survivor.is_vip = survivor.is_vip or merged.is_vip
    survivor.crm_id = survivor.crm_id or merged.crm_id
    survivor.display_name = survivor.display_name or merged.display_name
    if merged.last_seen_at is not None and (
        survivor.last_seen_at is None or merged.last_seen_at > survivor.last_seen_at
    ):
        survivor.last_seen_at = merged.last_seen_at
    merged.merged_into_id = survivor_id
    merged.merged_at = now
    await uow.flush()

    await record_changes(
        uow,
        [
            ConversationChange(
                conversation_id=conversation_id,
                brand_id=brand_id,
                kind=EventKind.CUSTOMER_MERGED,
                data={"from_customer_id": merged_id, "to_customer_id": survivor_id},
            )
            for conversation_id, brand_id in conversations
        ],
        now=now,
    )
    return MergeResult(
        survivor_id=survivor_id,
        merged_id=merged_id,
        identities_moved=identities_moved,
        conversations_moved=len(conversations),
        mentions_moved=mentions_moved,
    )


# --- agents' views and edits ----------------------------------------------------

#: Longest customer notes and CRM id (the columns' sizes).
MAX_CUSTOMER_NOTES = 4000
MAX_CRM_ID = 100
MAX_DISPLAY_NAME = 200

CUSTOMER_LIST_KEYS: tuple[SortKey, ...] = (
    SortKey(Customer.created_at.expression, datetime, descending=True),
    SortKey(Customer.id.expression, uuid.UUID, descending=True),
)


def _require_customers_readable(grantee: Grantee) -> None:
    # Customers span every brand of the tenant, so reading them is a tenant-wide right.
    require(grantee, Permission.INBOX_READ)


async def customers_by_ids(
    uow: UnitOfWork, *, grantee: Grantee, customer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """The tenant's customers among these ids, when `grantee` may read customers
    (tenant-wide `inbox:read`; client roles may not); otherwise none."""
    if not customer_ids or not decide(grantee, Permission.INBOX_READ).allowed:
        return {}
    customers = await CustomerRepository(uow).get_many(list(customer_ids))
    return {customer.id: customer for customer in customers}


async def identities_of(
    uow: UnitOfWork, customer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[CustomerIdentity]]:
    """Each customer's platform identities, by platform and handle."""
    found: dict[uuid.UUID, list[CustomerIdentity]] = {key: [] for key in customer_ids}
    if not customer_ids:
        return found
    result = await uow.session.execute(
        select(CustomerIdentity)
        .where(
            CustomerIdentity.tenant_id == uow.require_scope().tenant_id,
            CustomerIdentity.customer_id.in_(list(customer_ids)),
        )
        .order_by(CustomerIdentity.platform, CustomerIdentity.handle, CustomerIdentity.id)
    )
    for identity in result.scalars():
        found[identity.customer_id].append(identity)
    return found


async def list_customers(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    text: str | None,
    brand_id: uuid.UUID | None,
    window: KeysetWindow,
) -> list[Customer]:
    """A page of the tenant's customers (not merged away), newest first.

    `text` matches the display name or an identity's handle or name (case-
    insensitive substring); `brand_id` keeps customers with a conversation on
    that brand. Raises `PermissionDeniedError` unless the grantee may read
    customers (tenant-wide `inbox:read`).
    """
    _require_customers_readable(grantee)
    tenant_id = uow.require_scope().tenant_id
    statement = select(Customer).where(
        Customer.tenant_id == tenant_id, Customer.merged_into_id.is_(None)
    )
    if text:
        pattern = f"%{_escape_like(text.strip().lower())}%"
        named = exists(
            select(CustomerIdentity.id).where(
                CustomerIdentity.tenant_id == tenant_id,
                CustomerIdentity.customer_id == Customer.id,
                or_(
                    func.lower(CustomerIdentity.handle).like(pattern, escape="\\"),
                    func.lower(CustomerIdentity.display_name).like(pattern, escape="\\"),
                ),
            )
        )
        statement = statement.where(
            or_(func.lower(Customer.display_name).like(pattern, escape="\\"), named)
        )
    if brand_id is not None:
        statement = statement.where(
            exists(
                select(Conversation.id).where(
                    Conversation.tenant_id == tenant_id,
                    Conversation.customer_id == Customer.id,
                    Conversation.brand_id == brand_id,
                )
            )
        )
    result = await uow.session.execute(apply_window(statement, CUSTOMER_LIST_KEYS, window))
    return list(result.scalars())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def update_customer(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    customer_id: uuid.UUID,
    display_name: str | None = None,
    is_vip: bool | None = None,
    notes: str | None = None,
    crm_id: str | None = None,
) -> Customer:
    """Change what agents keep about a customer (None leaves a field as it is; an
    empty CRM id clears it); commits. The audit log records before and after.

    Raises `NotFoundError` (not a customer of the tenant), `PermissionDeniedError`
    (no tenant-wide `inbox:write`) and `ValidationError` for values too long.
    """
    customer = await CustomerRepository(uow).get_or_none(customer_id)
    if customer is None:
        raise NotFoundError("Customer not found")
    require(grantee, Permission.INBOX_WRITE)
    for field_name, value, limit in (
        ("displayName", display_name, MAX_DISPLAY_NAME),
        ("notes", notes, MAX_CUSTOMER_NOTES),
        ("crmId", crm_id, MAX_CRM_ID),
    ):
        if value is not None and len(value) > limit:
            raise ValidationError(f"at most {limit} characters", field=field_name)
    if display_name is not None:
        customer.display_name = display_name.strip()
    if is_vip is not None:
        customer.is_vip = is_vip
    if notes is not None:
        customer.notes = notes
    if crm_id is not None:
        customer.crm_id = crm_id.strip() or None
    await uow.flush()
    await uow.commit()
    return customer


async def merge_customer_into(
    uow: UnitOfWork, *, grantee: Grantee, source_id: uuid.UUID, target_id: uuid.UUID
) -> Customer:
    """An agent's explicit merge of `source_id` into `target_id` (see `merge_customers`);
    commits and returns the target.

    Raises `NotFoundError`, `PermissionDeniedError` (no tenant-wide `inbox:write`),
    `ValidationError` and `ConflictError` as `merge_customers` does.
    """
    require(grantee, Permission.INBOX_WRITE)
    await merge_customers(uow, survivor_id=target_id, merged_id=source_id)
    target = await CustomerRepository(uow).get(target_id)
    await uow.commit()
    return target
