"""SLA policies: versioned targets per brand, priority and service tier.

Managing needs `sla:manage` on the brand, reading `inbox:read`. A change is a
new version (a new row with the same `lineage_id`); running clocks keep the
version they started with.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.authz.policy import Grantee, Permission, decide, require
from domain.brands.models import Brand, ServiceTier
from domain.brands.repository import BrandRepository
from domain.db.uow import UnitOfWork
from domain.shared.errors import NotFoundError
from domain.shared.ids import new_id
from domain.sla.errors import InvalidPolicyError
from domain.sla.models import ANY, SlaPolicy
from domain.sla.repository import PolicyRepository
from domain.sla.rules import (
    calendar_from_config,
)

_PRIORITIES = (ANY, "hot", "cold", "noise")
_TIERS = (ANY, *(tier.value for tier in ServiceTier))
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class PolicyFields:
    """What a caller sets on a policy (all of it, on create and on update).

    Targets are business minutes; None means no clock of that kind.
    """

    name: str
    priority: str = ANY
    service_tier: str = ANY
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warning_minutes: int = 15
    around_the_clock: bool = False
    business_hours: Mapping[str, Sequence[Mapping[str, str]]] | None = None
    raise_priority_on_breach: bool = False
    notify_team_lead_on_breach: bool = False


def _validate_policy(fields: PolicyFields, *, timezone: str) -> None:
    if not fields.name.strip():
        raise InvalidPolicyError("a policy needs a name", field="name")
    if fields.priority not in _PRIORITIES:
        raise InvalidPolicyError(f"priority is one of {_PRIORITIES}", field="priority")
    if fields.service_tier not in _TIERS:
        raise InvalidPolicyError(f"service tier is one of {_TIERS}", field="serviceTier")
    for name in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        value = getattr(fields, name)
        if value is not None and not 1 <= value <= 60 * 24 * 90:
            raise InvalidPolicyError("a target is between 1 minute and 90 days", field=name)
    if not 0 <= fields.warning_minutes <= 60 * 24:
        raise InvalidPolicyError("the warning lead is 0 to 1440 minutes", field="warningMinutes")
    if fields.business_hours is not None:
        if set(fields.business_hours) - set(_WEEKDAYS):
            raise InvalidPolicyError("business hours are keyed mon…sun", field="businessHours")
        try:
            calendar_from_config(timezone=timezone, business_hours=fields.business_hours)
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidPolicyError(
                f"bad business hours: {error}", field="businessHours"
            ) from error


def _policy_values(fields: PolicyFields) -> dict[str, Any]:
    return {
        "name": fields.name.strip(),
        "priority": fields.priority,
        "service_tier": fields.service_tier,
        "first_response_minutes": fields.first_response_minutes,
        "next_response_minutes": fields.next_response_minutes,
        "resolution_minutes": fields.resolution_minutes,
        "warning_minutes": fields.warning_minutes,
        "around_the_clock": fields.around_the_clock,
        "business_hours": (
            None
            if fields.business_hours is None
            else {
                day: [dict(slot) for slot in slots] for day, slots in fields.business_hours.items()
            }
        ),
        "breach_actions": {
            "raise_priority": fields.raise_priority_on_breach,
            "notify_team_lead": fields.notify_team_lead_on_breach,
        },
    }


async def create_policy(
    uow: UnitOfWork, grantee: Grantee, *, brand_id: uuid.UUID, fields: PolicyFields
) -> SlaPolicy:
    """Add a policy (version 1) to a brand; needs `sla:manage`. Flushes; the caller commits.

    Raises `NotFoundError`, `PermissionDeniedError`, `InvalidPolicyError`.
    """
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.SLA_MANAGE, brand_id=brand.id)
    _validate_policy(fields, timezone=brand.timezone)
    policy = SlaPolicy(lineage_id=new_id(), version=1, brand_id=brand.id, **_policy_values(fields))
    PolicyRepository(uow).add(policy)
    await uow.flush()
    return policy


async def update_policy(
    uow: UnitOfWork, grantee: Grantee, *, policy_id: uuid.UUID, fields: PolicyFields, at: datetime
) -> SlaPolicy:
    """A new version of a current policy; the old one is retired at `at`.

    Running clocks keep the version they started with; new clocks use the new
    one. Returns the new version (a new id). `NotFoundError` for a retired policy.
    """
    repository = PolicyRepository(uow)
    current = await repository.get(policy_id)
    require(grantee, Permission.SLA_MANAGE, brand_id=current.brand_id)
    if current.retired_at is not None:
        raise NotFoundError("policy already replaced or retired")
    brand = await BrandRepository(uow).get(current.brand_id)
    _validate_policy(fields, timezone=brand.timezone)
    current.retired_at = at
    successor = SlaPolicy(
        lineage_id=current.lineage_id,
        version=current.version + 1,
        brand_id=current.brand_id,
        **_policy_values(fields),
    )
    repository.add(successor)
    await uow.flush()
    return successor


async def retire_policy(
    uow: UnitOfWork, grantee: Grantee, *, policy_id: uuid.UUID, at: datetime
) -> SlaPolicy:
    """Stop using a policy for new clocks (running clocks keep it)."""
    policy = await PolicyRepository(uow).get(policy_id)
    require(grantee, Permission.SLA_MANAGE, brand_id=policy.brand_id)
    if policy.retired_at is None:
        policy.retired_at = at
        await uow.flush()
    return policy


async def list_policies(
    uow: UnitOfWork, grantee: Grantee, *, brand_id: uuid.UUID
) -> list[SlaPolicy]:
    """A brand's current policies; needs `inbox:read` on the brand."""
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.INBOX_READ, brand_id=brand.id)
    return await PolicyRepository(uow).current_for_brands([brand.id])


def default_policy_fields(brand: Brand) -> PolicyFields:
    """The demo's default policy: answer within an hour (30 min for premium brands),
    answer again within two, resolve within three business days."""
    premium = brand.service_tier is ServiceTier.PREMIUM
    return PolicyFields(
        name="Default",
        first_response_minutes=30 if premium else 60,
        next_response_minutes=60 if premium else 120,
        resolution_minutes=3 * 8 * 60,
        warning_minutes=15,
        raise_priority_on_breach=True,
        notify_team_lead_on_breach=True,
    )


async def ensure_default_policy(uow: UnitOfWork, *, brand_id: uuid.UUID) -> SlaPolicy:
    """The brand's current catch-all policy, created from `default_policy_fields` when the
    brand has no current policy at all (so seeding twice adds nothing). No permission
    check: for seeding and provisioning."""
    repository = PolicyRepository(uow)
    current = await repository.current_for_brands([brand_id])
    if current:
        return current[0]
    brand = await BrandRepository(uow).get(brand_id)
    policy = SlaPolicy(
        lineage_id=new_id(),
        version=1,
        brand_id=brand.id,
        **_policy_values(default_policy_fields(brand)),
    )
    repository.add(policy)
    await uow.flush()
    return policy


async def visible_policies(
    uow: UnitOfWork, grantee: Grantee, policy_ids: Sequence[uuid.UUID]
) -> list[SlaPolicy]:
    """The policies (any version) among these ids the grantee may read (`inbox:read` on
    their brand); others and unknown ids are left out, in no particular order."""
    found = await PolicyRepository(uow).get_many(list(policy_ids))
    return [
        policy
        for policy in found
        if decide(grantee, Permission.INBOX_READ, brand_id=policy.brand_id).allowed
    ]
