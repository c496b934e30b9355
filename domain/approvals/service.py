"""Use cases of approvals: request, decide, the approver's queue, the audit trail, digests.

Each area registers what a decision does to its subject with
`register_decision_handler` (Q&A versions and tone guideline versions when
`domain.knowledge.service` and `domain.tone.service` are imported; replies in
their own module). Services flush; the caller commits the unit of work once.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select

from domain.approvals.errors import NoDecisionHandlerError
from domain.approvals.models import ApprovalDecision, ApprovalRequest
from domain.approvals.repository import (
    ApprovalDecisionRepository,
    ApprovalDigestRepository,
    ApprovalRequestRepository,
)
from domain.approvals.rules import (
    SubjectKind,
    digest_is_due,
    ensure_undecided,
    parse_decision,
    parse_subject_kind,
    summary_line,
    unsent_items,
)
from domain.authz.policy import Grantee, Permission, Role, decide, require
from domain.brands.repository import BrandRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.notifications.digest import DigestItem, compose_approval_digest
from domain.notifications.email import EmailSender
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants.models import BrandGrant, Membership, User

logger = logging.getLogger("parley.approvals")

DecisionHandler = Callable[[UnitOfWork, ApprovalRequest], Awaitable[None]]
Decision = Literal["approved", "rejected", "changes_requested"]

_HANDLERS: dict[SubjectKind, DecisionHandler] = {}


def register_decision_handler(subject_kind: str, handler: DecisionHandler) -> None:
    """Have `handler(uow, request)` run inside every decision on a `subject_kind` request.

    It runs in the deciding transaction after the request's status is set, so
    it sees the decision and its changes commit (or roll back) with it.
    Registering again for a kind replaces the handler.
    """
    _HANDLERS[parse_subject_kind(subject_kind)] = handler


def actor_label(actor: Actor) -> str:
    """An actor as stored in `requested_by` / `decided_by`: "user:<uuid>", "system:cli"."""
    return f"{actor.kind.value}:{actor.id}"


async def request_approval(
    uow: UnitOfWork,
    *,
    brand_id: uuid.UUID,
    subject_kind: str,
    subject_id: uuid.UUID,
    summary: str,
) -> ApprovalRequest:
    """Put a subject of the brand in its approvers' queue; returns the pending request.

    Idempotent: a subject that already has a pending request gets that one
    back (decided requests do not count: a resubmitted version asks again).
    The requester is the unit of work's actor. `NotFoundError` when the brand
    is not in the tenant; `InvalidTransitionError` for an unknown kind.
    """
    kind = parse_subject_kind(subject_kind)
    await BrandRepository(uow).get(brand_id)
    requests = ApprovalRequestRepository(uow)
    await requests.insert_pending_or_none(
        brand_id=brand_id,
        subject_kind=kind,
        subject_id=subject_id,
        summary=summary_line(summary, limit=500),
        requested_by=actor_label(uow.actor),
        now=utcnow(),
    )
    pending = await requests.pending_for_subject_or_none(kind, subject_id)
    if pending is None:  # pragma: no cover - inserted or found in this transaction
        raise NotFoundError("approval request not found")
    return pending


async def decide_approval(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    approval_id: uuid.UUID,
    decision: Decision,
    comment: str | None,
) -> ApprovalRequest:
    """Approve, reject or request changes on a pending request, and record it in the audit trail.

    Needs `approval:decide` on the request's brand (client approvers of that
    brand, admins, the owner; never agents). A request of a brand the grantee
    cannot see, or of another tenant, raises `NotFoundError`; a visible one it
    may not decide `PermissionDeniedError`; a decided one `AlreadyDecidedError`.
    The decider is the unit of work's actor. The subject's handler runs in
    the same transaction (`NoDecisionHandlerError` when none is registered).
    """
    return await decide_as(
        uow,
        grantee=grantee,
        approval_id=approval_id,
        decision=decision,
        comment=comment,
        decided_by=uow.actor,
    )


async def decide_as(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    approval_id: uuid.UUID,
    decision: str,
    comment: str | None,
    decided_by: Actor,
) -> ApprovalRequest:
    """`decide_approval` on behalf of `decided_by` (an import signed off by a named approver)."""
    parsed = parse_decision(decision)
    requests = ApprovalRequestRepository(uow)
    request = await requests.get_for_update(approval_id)
    if (
        request is None
        or not decide(grantee, Permission.BRAND_READ, brand_id=request.brand_id).allowed
    ):
        raise NotFoundError("approval request not found")
    require(grantee, Permission.APPROVAL_DECIDE, brand_id=request.brand_id)
    ensure_undecided(request.status)
    handler = _HANDLERS.get(request.subject_kind)
    if handler is None:
        raise NoDecisionHandlerError(f"nothing handles decisions on {request.subject_kind}")
    now = utcnow()
    request.status = parsed
    request.decided_by = actor_label(decided_by)
    request.decided_at = now
    request.comment = comment
    ApprovalDecisionRepository(uow).add(
        ApprovalDecision(
            approval_id=request.id,
            brand_id=request.brand_id,
            subject_kind=request.subject_kind,
            subject_id=request.subject_id,
            subject_label=request.summary,
            decision=parsed,
            decided_by=actor_label(decided_by),
            decided_by_role=grantee.role.value,
            comment=comment,
            decided_at=now,
        )
    )
    await uow.flush()
    await handler(uow, request)
    await uow.flush()
    return request


async def get_approval(
    uow: UnitOfWork, *, grantee: Grantee, approval_id: uuid.UUID
) -> ApprovalRequest:
    """One request, if the grantee may see its brand; `NotFoundError` otherwise."""
    request = await ApprovalRequestRepository(uow).get_or_none(approval_id)
    if (
        request is None
        or not decide(grantee, Permission.BRAND_READ, brand_id=request.brand_id).allowed
    ):
        raise NotFoundError("approval request not found")
    return request


async def approval_queue(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_ids: Collection[uuid.UUID] | None = None,
    limit: int = 50,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[ApprovalRequest]:
    """Everything pending on the brands this grantee may decide on, oldest first.

    `brand_ids` narrows the queue to some of those brands (others are ignored,
    never an error). A grantee without `approval:decide` gets an empty queue.
    `after` (a request's created at and id) pages on.
    """
    visible = await _brands_with(uow, grantee, Permission.APPROVAL_DECIDE)
    if brand_ids is not None:
        wanted = set(brand_ids)
        visible = [brand_id for brand_id in visible if brand_id in wanted]
    return await ApprovalRequestRepository(uow).pending_for_brands(
        visible, limit=limit, after=after
    )


async def approvals_readable_by(
    uow: UnitOfWork, *, grantee: Grantee, approval_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ApprovalRequest]:
    """The requests among `approval_ids` whose brand the grantee may see, by id."""
    found = await ApprovalRequestRepository(uow).get_many(list(approval_ids))
    return {
        request.id: request
        for request in found
        if decide(grantee, Permission.BRAND_READ, brand_id=request.brand_id).allowed
    }


async def decisions_of_approvals(
    uow: UnitOfWork, *, grantee: Grantee, approval_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ApprovalDecision]]:
    """The audit trail of each request, oldest first, where the grantee may decide or audit.

    Requests of other brands get an empty list, like requests never decided.
    """
    decisions = await ApprovalDecisionRepository(uow).for_approvals(approval_ids)
    trail: dict[uuid.UUID, list[ApprovalDecision]] = {
        approval_id: [] for approval_id in approval_ids
    }
    for decision in decisions:
        if _may_audit(grantee, decision.brand_id):
            trail[decision.approval_id].append(decision)
    return trail


def _may_audit(grantee: Grantee, brand_id: uuid.UUID) -> bool:
    return (
        decide(grantee, Permission.APPROVAL_DECIDE, brand_id=brand_id).allowed
        or decide(grantee, Permission.AUDIT_READ, brand_id=brand_id).allowed
    )


async def approval_decisions(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[ApprovalDecision]:
    """The audit trail of decisions, newest first, on brands the grantee may decide or audit."""
    deciding = await _brands_with(uow, grantee, Permission.APPROVAL_DECIDE)
    auditing = await _brands_with(uow, grantee, Permission.AUDIT_READ)
    visible = set(deciding) | set(auditing)
    if brand_id is not None:
        visible &= {brand_id}
    return await ApprovalDecisionRepository(uow).for_brands(
        visible, subject_id=subject_id, limit=limit
    )


async def _brands_with(
    uow: UnitOfWork, grantee: Grantee, permission: Permission
) -> list[uuid.UUID]:
    all_ids = await BrandRepository(uow).all_ids()
    return [
        brand_id for brand_id in all_ids if decide(grantee, permission, brand_id=brand_id).allowed
    ]


# --- client approvers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Approver:
    """An active client approver of the tenant and the brands granted to them."""

    user_id: uuid.UUID
    email: str
    brand_ids: frozenset[uuid.UUID]


async def client_approvers(uow: UnitOfWork) -> list[Approver]:
    """Every active client approver of the scope's tenant with an active account, by e-mail."""
    scope = uow.require_scope()
    result = await uow.session.execute(
        select(Membership.id, User.id, User.email)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.tenant_id == scope.tenant_id,
            Membership.role == Role.CLIENT_APPROVER,
            Membership.is_active.is_(True),
            User.is_active.is_(True),
        )
        .order_by(User.email)
    )
    rows = result.all()
    grants = await uow.session.execute(
        select(BrandGrant.membership_id, BrandGrant.brand_id).where(
            BrandGrant.tenant_id == scope.tenant_id,
            BrandGrant.membership_id.in_([membership_id for membership_id, _, _ in rows]),
        )
    )
    by_membership: dict[uuid.UUID, set[uuid.UUID]] = {}
    for membership_id, brand_id in grants.all():
        by_membership.setdefault(membership_id, set()).add(brand_id)
    return [
        Approver(user_id=user_id, email=email, brand_ids=frozenset(by_membership.get(m_id, ())))
        for m_id, user_id, email in rows
    ]


def approver_grantee(approver: Approver) -> Grantee:
    """The grantee of a client approver acting with everything the role allows."""
    return Grantee(
        role=Role.CLIENT_APPROVER,
        brand_ids=approver.brand_ids,
        scopes=frozenset({"approvals"}),
    )


# --- e-mail digest ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestRun:
    """What one digest run did in one tenant (counts only, no addresses)."""

    sent: int
    items: int
    failed: int


async def send_approval_digests(
    database: Database,
    *,
    tenant_id: uuid.UUID,
    actor: Actor,
    sender: EmailSender,
    public_base_url: str,
    interval: timedelta,
    now: datetime | None = None,
) -> DigestRun:
    """E-mail each client approver of the tenant one digest of their pending requests.

    An approver gets a digest only when a pending request of a brand granted
    to them was never in a digest to them, and at most one per `interval`.
    Each approver is one transaction: the requests are recorded as sent
    (claimed with ON CONFLICT, so concurrent runs never both send an item),
    the message is sent, then the transaction commits. A refused message rolls
    its record back and is counted in `failed`, so the next run tries again;
    a crash between the server's acceptance and the commit can repeat one
    digest (at least once, never silently lost).
    """
    moment = now or utcnow()
    scope = TenantScope(tenant_id)
    async with UnitOfWork(database, actor=actor, scope=scope) as uow:
        plans = await _digest_plans(uow, now=moment, interval=interval)
    sent = items = failed = 0
    for approver, planned in plans:
        try:
            async with UnitOfWork(database, actor=actor, scope=scope) as uow:
                claimed = set(
                    await ApprovalDigestRepository(uow).claim(
                        user_id=approver.user_id,
                        approval_ids=[uuid.UUID(item.approval_id) for item in planned],
                        now=moment,
                    )
                )
                chosen = [item for item in planned if uuid.UUID(item.approval_id) in claimed]
                if not chosen:
                    continue
                await sender.send(
                    compose_approval_digest(
                        recipient=approver.email, items=chosen, public_base_url=public_base_url
                    )
                )
                await uow.commit()
        except Exception as error:
            failed += 1
            logger.warning("approval digest not sent (%s)", type(error).__name__)
            continue
        sent += 1
        items += len(chosen)
    return DigestRun(sent=sent, items=items, failed=failed)


async def _digest_plans(
    uow: UnitOfWork, *, now: datetime, interval: timedelta
) -> list[tuple[Approver, list[DigestItem]]]:
    approvers = await client_approvers(uow)
    granted = {brand_id for approver in approvers for brand_id in approver.brand_ids}
    pending = await ApprovalRequestRepository(uow).pending_for_brands(granted)
    if not pending:
        return []
    brand_names = await _brand_names(uow, {request.brand_id for request in pending})
    digests = ApprovalDigestRepository(uow)
    user_ids = [approver.user_id for approver in approvers]
    last_sent = await digests.last_sent_at(user_ids)
    already = await digests.sent_approval_ids(user_ids, [request.id for request in pending])
    plans: list[tuple[Approver, list[DigestItem]]] = []
    for approver in approvers:
        if not digest_is_due(last_sent.get(approver.user_id), now=now, interval=interval):
            continue
        items = [
            DigestItem(
                approval_id=str(request.id),
                brand_name=brand_names[request.brand_id],
                subject_kind=request.subject_kind.value,
                summary=request.summary,
                requested_at=request.created_at,
            )
            for request in pending
            if request.brand_id in approver.brand_ids
        ]
        sent_here = [str(a_id) for u_id, a_id in already if u_id == approver.user_id]
        fresh = unsent_items(items, sent_here)
        if fresh:
            plans.append((approver, fresh))
    return plans


async def _brand_names(uow: UnitOfWork, brand_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    brands = await BrandRepository(uow).list_all(only_ids=list(brand_ids))
    return {brand.id: brand.name for brand in brands}
