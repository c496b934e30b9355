"""Use cases of customers: link message authors to customers, merge two customers."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.conversations.repository import ConversationRepository
from domain.conversations.rules import EventKind
from domain.conversations.service import ConversationChange, record_changes
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
