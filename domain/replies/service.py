"""Use cases of replies: draft, submit (tone check, approval when required), send, deliver,
move to private, react.

Importing this module registers the decision handler of `reply` approval requests.

Services take the unit of work and the caller's `Grantee`, fetch through the
tenant-scoped repositories first (another tenant's ids are simply not found),
then authorise with the one policy. They flush but never commit: the caller
commits once, and jobs are enqueued only after that commit.
"""

import functools
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select

from domain.approvals.models import ApprovalRequest
from domain.approvals.rules import SubjectKind, VersionState
from domain.approvals.service import register_decision_handler, request_approval
from domain.authz.policy import Grantee, Permission, decide, require
from domain.brand_events.service import active_events
from domain.brands.models import Brand
from domain.brands.repository import BrandRepository
from domain.channels.models import Channel, ChannelKind
from domain.channels.repository import ChannelRepository
from domain.channels.service import read_channel_secrets
from domain.conversations.keyset import KeysetWindow
from domain.conversations.models import (
    Conversation,
    ConversationEvent,
    ConversationKind,
    ConversationStatus,
)
from domain.conversations.repository import ConversationRepository
from domain.conversations.rules import FINISHED_STATUSES
from domain.customers.models import Customer
from domain.db.outbox import OutboxMessage, mark_messages_done
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.mentions.models import Mention
from domain.replies import rules
from domain.replies.delivery import DeliveryAction, DeliveryOrder, DeliveryReceipt
from domain.replies.errors import (
    ApprovalPendingError,
    ChannelNotSupportedError,
    ReplyStateError,
    ToneFindingsError,
)
from domain.replies.models import Reply, ReplyKind, ReplyStatus
from domain.replies.repository import ReplyRepository, latest_inbound_mention, link_twins
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.ports import JobQueue
from domain.shared.tenancy import ActorKind
from domain.sla.service import record_first_response
from domain.tenants.models import User
from domain.tone.rules import check_tone
from domain.tone.service import guidelines_for

logger = logging.getLogger("parley.replies")

#: The job that delivers a queued reply; enqueued with `reply_id` and job id `reply:{id}`.
SEND_REPLY_JOB: Final = "send_reply"
#: Outbox topic of deliveries: written with the queueing, done when delivery ends.
DELIVERY_TOPIC: Final = "reply_delivery"
#: Reactions the platforms support, by our name.
REACTIONS: Final = frozenset({"like", "heart"})


def reply_job_id(reply_id: uuid.UUID) -> str:
    """The `send_reply` job id of a reply: at most one queued or running per reply."""
    return f"reply:{reply_id}"


# --- reading --------------------------------------------------------------------------------


async def get_reply(uow: UnitOfWork, *, grantee: Grantee, reply_id: uuid.UUID) -> Reply:
    """The reply, if the grantee may read its brand's inbox; `NotFoundError` otherwise."""
    reply = await ReplyRepository(uow).get(reply_id)
    require(grantee, Permission.INBOX_READ, brand_id=reply.brand_id)
    return reply


async def list_conversation_replies(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    window: KeysetWindow | None = None,
) -> list[Reply]:
    """The conversation's replies, oldest first (delivery status and errors included).

    Without a `window`, every reply; with one, up to `window.limit + 1` rows in
    the window over `REPLY_KEYS` (a backward window's rows come newest first).
    `NotFoundError` for a conversation outside the tenant, `PermissionDeniedError`
    without `inbox:read` on its brand, `ValidationError` for a cursor of another ordering.
    """
    conversation = await ConversationRepository(uow).get(conversation_id)
    require(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id)
    if window is None:
        return await ReplyRepository(uow).list_for_conversation(conversation.id)
    return await ReplyRepository(uow).page_for_conversation(conversation.id, window)


async def replies_readable_by(
    uow: UnitOfWork, *, grantee: Grantee, reply_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Reply]:
    """The tenant's replies among `reply_ids` whose brand's inbox the grantee may read."""
    replies = await ReplyRepository(uow).get_many(list(dict.fromkeys(reply_ids)))
    return {
        reply.id: reply
        for reply in replies
        if decide(grantee, Permission.INBOX_READ, brand_id=reply.brand_id).allowed
    }


# --- drafting -------------------------------------------------------------------------------


async def create_draft(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    text: str,
    kind: ReplyKind | None = None,
    qna_version_ids: Sequence[uuid.UUID | str] = (),
    in_reply_to_mention_id: uuid.UUID | None = None,
) -> Reply:
    """A new draft in the conversation, with the tone check's findings on its text.

    `kind` defaults to a public reply in a public thread and a private message
    in a direct conversation. The draft answers `in_reply_to_mention_id` (a
    message of this conversation) or else the customer's latest message.
    Raises `NotFoundError` (no such conversation or message in the tenant),
    `PermissionDeniedError` (no `inbox:write` on the brand), `ValidationError`.
    """
    conversation = await ConversationRepository(uow).get(conversation_id)
    require(grantee, Permission.INBOX_WRITE, brand_id=conversation.brand_id)
    kind = kind or _default_kind(conversation)
    if kind is ReplyKind.REACTION:
        raise ValidationError("reactions are made with react()", field="kind")
    mention = await _answered_mention(uow, conversation, in_reply_to_mention_id)
    reply = ReplyRepository(uow).add(
        Reply(
            id=uuid.uuid4(),
            conversation_id=conversation.id,
            brand_id=conversation.brand_id,
            channel_id=conversation.channel_id,
            in_reply_to_mention_id=None if mention is None else mention.id,
            author_user_id=_author_id(uow),
            kind=kind,
            status=ReplyStatus.DRAFT,
            text=_clean_text(text),
            qna_version_ids=await _approved_qna_versions(
                uow, brand_id=conversation.brand_id, version_ids=qna_version_ids
            ),
            tone_findings=[],
            approval_reasons=[],
            approval_required=False,
            delivery_attempts=0,
            idempotency_key=uuid.uuid4().hex,
        )
    )
    await _refresh_tone(uow, reply, conversation=conversation, mention=mention)
    await uow.flush()
    return reply


async def _approved_qna_versions(
    uow: UnitOfWork, *, brand_id: uuid.UUID, version_ids: Sequence[uuid.UUID | str]
) -> list[str]:
    """`version_ids` as stored on a reply, once each is an approved version of a live
    Q&A entry of the brand; `ValidationError` (field `qnaVersionIds`) otherwise.

    A reply records the client-approved answers it used: a draft, rejected or
    retired version, or another brand's, must never be recorded as one.
    """
    try:
        wanted = list(dict.fromkeys(uuid.UUID(str(value)) for value in version_ids))
    except ValueError:
        raise ValidationError("not a Q&A version id", field="qnaVersionIds") from None
    if not wanted:
        return []
    result = await uow.session.execute(
        select(QnaVersion.id)
        .join(QnaEntry, QnaEntry.id == QnaVersion.entry_id)
        .where(
            QnaVersion.id.in_(wanted),
            QnaVersion.state == VersionState.APPROVED,
            QnaEntry.brand_id == brand_id,
            QnaEntry.retired_at.is_(None),
        )
    )
    if set(result.scalars()) != set(wanted):
        raise ValidationError(
            "only approved Q&A versions of this brand can be used", field="qnaVersionIds"
        )
    return [str(value) for value in wanted]


async def update_draft(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    reply_id: uuid.UUID,
    text: str | None = None,
    qna_version_ids: Sequence[uuid.UUID | str] | None = None,
) -> Reply:
    """Change a draft's text and/or the Q&A versions it uses; the tone check runs again.

    Only drafts change (`ReplyStateError` otherwise; a reply sent back for
    changes is a draft again).
    """
    reply = await ReplyRepository(uow).get(reply_id)
    require(grantee, Permission.INBOX_WRITE, brand_id=reply.brand_id)
    if reply.status not in rules.EDITABLE_STATUSES:
        raise ReplyStateError(f"a {reply.status} reply cannot be edited")
    if text is not None:
        reply.text = _clean_text(text)
    if qna_version_ids is not None:
        reply.qna_version_ids = await _approved_qna_versions(
            uow, brand_id=reply.brand_id, version_ids=qna_version_ids
        )
    conversation = await ConversationRepository(uow).get(reply.conversation_id)
    await _refresh_tone(
        uow, reply, conversation=conversation, mention=await _mention_of(uow, reply)
    )
    await uow.flush()
    return reply


async def submit_reply(
    uow: UnitOfWork, *, grantee: Grantee, reply_id: uuid.UUID, now: datetime | None = None
) -> Reply:
    """Finish a draft: tone check, then approval when the brand's rules require it.

    Findings of severity error stop the submission (`ToneFindingsError`, with
    them). Approval is required for the departments and categories of the
    brand's policy (legal, PR by default), VIP customers and crisis mode (see
    `rules.approval_reasons`); the reply then waits in `pending_approval` and
    an approval request is filed, else it is `approved` at once.
    """
    now = now or utcnow()
    reply = await ReplyRepository(uow).get(reply_id)
    require(grantee, Permission.INBOX_WRITE, brand_id=reply.brand_id)
    if reply.status is not ReplyStatus.DRAFT:
        raise ReplyStateError(f"a {reply.status} reply cannot be submitted")
    conversation = await ConversationRepository(uow).get(reply.conversation_id)
    mention = await _mention_of(uow, reply)
    brand = await _refresh_tone(uow, reply, conversation=conversation, mention=mention)
    blocking = rules.blocking_findings(reply.tone_findings)
    if blocking:
        await uow.flush()
        raise ToneFindingsError(
            f"{len(blocking)} tone finding(s) to fix first", findings=[dict(f) for f in blocking]
        )
    customer = await uow.session.get(Customer, conversation.customer_id)
    reasons = rules.approval_reasons(
        policy=rules.ApprovalPolicy.from_settings(brand.settings),
        labels=mention.labels if mention is not None else {},
        is_vip_customer=customer is not None and customer.is_vip,
        crisis_mode=rules.crisis_mode_active(
            brand.settings,
            now=now,
            active_event_kinds=[
                event.kind.value
                for event in await active_events(
                    uow, brand_ids=[brand.id], at=now, channel_id=conversation.channel_id
                )
            ],
        ),
    )
    reply.submitted_at = now
    reply.approval_reasons = list(reasons)
    reply.approval_required = bool(reasons)
    if reasons:
        _move(reply, ReplyStatus.PENDING_APPROVAL)
        await uow.flush()
        await _request_approval(uow, reply, reasons)
    else:
        _move(reply, ReplyStatus.APPROVED)
        await uow.flush()
    return reply


async def decide_reply_approval(uow: UnitOfWork, *, reply_id: uuid.UUID, decision: str) -> Reply:
    """Apply a client's decision on a reply awaiting approval.

    "approved" makes it sendable, "changes_requested" a draft again,
    "rejected" cancels it. Called by the approvals module's decision handler,
    which has checked the approver's permission; other statuses are left alone.
    """
    reply = await ReplyRepository(uow).get(reply_id)
    if reply.status is not ReplyStatus.PENDING_APPROVAL:
        raise ReplyStateError(f"a {reply.status} reply is not awaiting approval")
    outcome = {
        "approved": ReplyStatus.APPROVED,
        "changes_requested": ReplyStatus.DRAFT,
        "rejected": ReplyStatus.CANCELLED,
    }.get(str(decision))
    if outcome is None:
        raise ValidationError(f"unknown decision {decision!r}", field="decision")
    _move(reply, outcome)
    await uow.flush()
    return reply


async def _on_reply_decision(uow: UnitOfWork, request: ApprovalRequest) -> None:
    """What a client's decision on a `reply` request does to the reply."""
    await decide_reply_approval(uow, reply_id=request.subject_id, decision=request.status.value)


register_decision_handler(SubjectKind.REPLY.value, _on_reply_decision)


async def cancel_reply(uow: UnitOfWork, *, grantee: Grantee, reply_id: uuid.UUID) -> Reply:
    """Withdraw a reply that has not gone out (draft, awaiting approval, approved, queued or
    failed); `ReplyStateError` once it is sending or sent. A queued reply's job then finds
    nothing to send."""
    reply = await ReplyRepository(uow).get(reply_id)
    require(grantee, Permission.INBOX_WRITE, brand_id=reply.brand_id)
    _move(reply, ReplyStatus.CANCELLED)
    await uow.flush()
    return reply


# --- sending --------------------------------------------------------------------------------


async def send_reply(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    reply_id: uuid.UUID,
    queue: JobQueue | None,
    now: datetime | None = None,
) -> Reply:
    """Queue a reply for delivery through its channel.

    Needs `reply:send` on the brand (agents yes, client roles never); a channel
    without a platform API (imports, generic webhooks) raises
    `ChannelNotSupportedError`. A draft
    is submitted first; if it then needs approval it stays `pending_approval`
    and nothing is queued. An approved reply (or a failed one, sent again)
    becomes `queued`: an outbox row is written in this transaction and the
    `send_reply` job (job id `reply:{id}`) is enqueued after the commit. A
    reply already awaiting approval raises `ApprovalPendingError`.
    """
    now = now or utcnow()
    reply = await ReplyRepository(uow).get(reply_id)
    require(grantee, Permission.REPLY_SEND, brand_id=reply.brand_id)
    if reply.status is ReplyStatus.DRAFT:
        reply = await submit_reply(uow, grantee=grantee, reply_id=reply.id, now=now)
        if reply.status is ReplyStatus.PENDING_APPROVAL:
            return reply
    if reply.status is ReplyStatus.PENDING_APPROVAL:
        raise ApprovalPendingError("the reply awaits the client's approval")
    if reply.status not in (ReplyStatus.APPROVED, ReplyStatus.FAILED):
        raise ReplyStateError(f"a {reply.status} reply cannot be sent")
    channel = await ChannelRepository(uow).get(reply.channel_id)
    if channel.kind not in rules.DELIVERABLE_CHANNELS:
        raise ChannelNotSupportedError(f"replies cannot be sent to {channel.kind} channels")
    await _queue(uow, reply, queue=queue, now=now)
    return reply


async def _queue(uow: UnitOfWork, reply: Reply, *, queue: JobQueue | None, now: datetime) -> None:
    _move(reply, ReplyStatus.QUEUED)
    reply.queued_at = now
    reply.last_error = None
    tenant_id = uow.require_scope().tenant_id
    uow.session.add(
        OutboxMessage(
            tenant_id=tenant_id,
            topic=DELIVERY_TOPIC,
            payload={"reply_id": str(reply.id)},
            attempts=0,
            next_attempt_at=now,
        )
    )
    await uow.flush()
    if queue is not None:
        uow.after_commit(functools.partial(enqueue_delivery, queue, tenant_id, reply.id))


async def enqueue_delivery(queue: JobQueue, tenant_id: uuid.UUID, reply_id: uuid.UUID) -> None:
    """Enqueue `send_reply` for a queued reply (deduplicated by its job id)."""
    try:
        await queue.enqueue(
            SEND_REPLY_JOB,
            tenant_id=tenant_id,
            job_id=reply_job_id(reply_id),
            reply_id=str(reply_id),
        )
    except Exception as error:
        # The reply is queued and its outbox row pending: the delivery sweep enqueues it again.
        logger.warning("reply %s queued but not enqueued: %s", reply_id, type(error).__name__)


async def begin_delivery(
    uow: UnitOfWork, *, reply_id: uuid.UUID, now: datetime
) -> DeliveryOrder | None:
    """Claim a queued reply for one delivery attempt; None when there is nothing to send.

    The reply is locked, marked `sending` and its attempt counted *before*
    the platform is called (the caller commits first). A reply already
    `sent`, `failed` or `cancelled` is never sent again: a redelivered job
    finds nothing to do. A reply found `sending` was interrupted mid-call; it
    is attempted again, with the same idempotency key.
    """
    reply = await ReplyRepository(uow).get_for_update(reply_id)
    if reply is None:
        raise NotFoundError("reply not found")
    if reply.status not in (ReplyStatus.QUEUED, ReplyStatus.SENDING):
        return None
    channel = await ChannelRepository(uow).get(reply.channel_id)
    mention = await _mention_of(uow, reply)
    _move(reply, ReplyStatus.SENDING)
    reply.delivery_attempts += 1
    reply.last_attempt_at = now
    await uow.flush()
    return DeliveryOrder(
        reply_id=reply.id,
        tenant_id=uow.require_scope().tenant_id,
        channel_kind=channel.kind.value,
        action=_delivery_action(reply, mention),
        account_id=channel.external_account_id or "",
        credentials=read_channel_secrets(uow, channel),
        text=await _outgoing_text(uow, reply, mention),
        reaction=reply.reaction,
        target_external_id=None if mention is None else mention.external_id,
        target_kind=None if mention is None else mention.kind,
        target_root_external_id=None if mention is None else mention.root_external_id,
        recipient_platform_id=await _recipient_of(uow, reply, mention),
        target_extra={
            key: str(value)
            for key, value in ({} if mention is None else mention.extra).items()
            if isinstance(value, str | int)
        },
        idempotency_key=reply.idempotency_key,
        attempt=reply.delivery_attempts,
    )


async def record_delivery(
    uow: UnitOfWork,
    *,
    reply_id: uuid.UUID,
    now: datetime,
    receipt: DeliveryReceipt | None = None,
    error: str | None = None,
    retry_later: bool = False,
    http_attempts: int = 1,
) -> Reply:
    """Record how a delivery attempt ended.

    With a `receipt`: `sent`, with the platform's id; a message (not a
    reaction) stops the conversation's running response clocks, so the first
    one records the first response (SLA). With an `error`: `failed`
    with the platform's message, or — `retry_later` — `queued` again for the
    job's next try. `http_attempts` beyond the first (retries inside the
    attempt) are added to `delivery_attempts`. The delivery's outbox row is
    done unless the reply waits for another try.
    """
    reply = await ReplyRepository(uow).get_for_update(reply_id)
    if reply is None:
        raise NotFoundError("reply not found")
    reply.delivery_attempts += max(http_attempts - 1, 0)
    if receipt is not None:
        _move(reply, ReplyStatus.SENT)
        reply.platform_message_id = receipt.platform_message_id
        reply.sent_at = now
        reply.last_error = None
        await uow.flush()
        if reply.kind is not ReplyKind.REACTION:
            await _record_first_response(uow, reply, now)
    else:
        _move(reply, ReplyStatus.QUEUED if retry_later else ReplyStatus.FAILED)
        reply.last_error = (error or "delivery failed")[:1000]
        await uow.flush()
    if reply.status is not ReplyStatus.QUEUED:
        await _finish_outbox(uow, reply.id, now=now)
    return reply


async def pending_delivery_ids(uow: UnitOfWork, *, queued_before: datetime) -> list[uuid.UUID]:
    """Replies of the tenant still queued since before `queued_before` (lost jobs)."""
    result = await uow.session.execute(
        select(Reply.id).where(
            Reply.status.in_((ReplyStatus.QUEUED, ReplyStatus.SENDING)),
            Reply.queued_at <= queued_before,
        )
    )
    return list(result.scalars())


# --- move to private, reactions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MovedToPrivate:
    """The public acknowledgement, the private message and the twin conversation."""

    public_reply: Reply
    private_reply: Reply
    private_conversation_id: uuid.UUID


async def move_to_private(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    public_text: str,
    private_text: str,
    queue: JobQueue | None = None,
    now: datetime | None = None,
) -> MovedToPrivate:
    """Move a public thread to a private channel, keeping both ends linked.

    The channel must take private messages (`dm_enabled`, a platform with an
    API), else `ChannelNotSupportedError`. Creates (or reuses) the customer's
    direct conversation on the same channel
    as the private twin, links the two both ways, records a `moved_to_private`
    event on each (visible in both timelines), and drafts the public
    acknowledgement and the private message (a Meta private reply to the
    customer's comment, a DM elsewhere). With a `queue`, both are sent at once
    (`send_reply`: approval rules apply); without, they stay drafts.
    """
    now = now or utcnow()
    conversation = await ConversationRepository(uow).get(conversation_id)
    require(grantee, Permission.INBOX_WRITE, brand_id=conversation.brand_id)
    if conversation.kind is not ConversationKind.PUBLIC_THREAD:
        raise ValidationError("only a public thread can move to private", field="conversationId")
    channel = await ChannelRepository(uow).get(conversation.channel_id)
    if channel.kind not in rules.DELIVERABLE_CHANNELS or not channel.dm_enabled:
        raise ChannelNotSupportedError("the channel takes no private messages")
    mention = await latest_inbound_mention(uow, conversation.id)
    if mention is None or not mention.author_platform_id:
        raise ValidationError("no customer message to answer in private", field="conversationId")
    private = await _private_twin(uow, conversation, channel, mention.author_platform_id, now)
    await link_twins(uow, conversation.id, private.id)
    for this, other in ((conversation, private), (private, conversation)):
        uow.session.add(
            ConversationEvent(
                conversation_id=this.id,
                kind="moved_to_private",
                actor_kind=uow.actor.kind.value,
                actor_id=uow.actor.id,
                data={"twin_conversation_id": str(other.id), "public_id": str(conversation.id)},
            )
        )
    public_reply = await create_draft(
        uow,
        grantee=grantee,
        conversation_id=conversation.id,
        text=public_text,
        kind=ReplyKind.PUBLIC_REPLY,
        in_reply_to_mention_id=mention.id,
    )
    public_reply.twin_conversation_id = private.id
    private_reply = await create_draft(
        uow,
        grantee=grantee,
        conversation_id=private.id,
        text=private_text,
        kind=ReplyKind.PRIVATE_MESSAGE,
    )
    private_reply.twin_conversation_id = conversation.id
    # The private message answers the public comment (Meta's private replies need its id).
    private_reply.in_reply_to_mention_id = mention.id
    await uow.flush()
    if queue is not None:
        for reply in (public_reply, private_reply):
            await send_reply(uow, grantee=grantee, reply_id=reply.id, queue=queue, now=now)
    return MovedToPrivate(
        public_reply=public_reply, private_reply=private_reply, private_conversation_id=private.id
    )


async def react(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    mention_id: uuid.UUID,
    reaction: str = "like",
    queue: JobQueue | None = None,
    now: datetime | None = None,
) -> Reply:
    """React to a customer's message (praise) where the platform supports it: queued at once.

    Needs `reply:send` on the brand. `ChannelNotSupportedError` on channels
    without a reaction API (Instagram, VK here), `ValidationError` for an
    unknown reaction or a message outside any conversation.
    """
    now = now or utcnow()
    mention = await _get_mention(uow, mention_id)
    require(grantee, Permission.REPLY_SEND, brand_id=mention.brand_id)
    if reaction not in REACTIONS:
        raise ValidationError(f"unknown reaction {reaction!r}", field="reaction")
    channel = await ChannelRepository(uow).get(mention.channel_id)
    if channel.kind not in rules.REACTION_CHANNELS:
        raise ChannelNotSupportedError(f"{channel.kind} has no reactions")
    if mention.conversation_id is None:
        raise ValidationError("the message is in no conversation", field="mentionId")
    reply = ReplyRepository(uow).add(
        Reply(
            id=uuid.uuid4(),
            conversation_id=mention.conversation_id,
            brand_id=mention.brand_id,
            channel_id=mention.channel_id,
            in_reply_to_mention_id=mention.id,
            author_user_id=_author_id(uow),
            kind=ReplyKind.REACTION,
            status=ReplyStatus.APPROVED,
            text="",
            reaction=reaction,
            tone_findings=[],
            qna_version_ids=[],
            approval_reasons=[],
            approval_required=False,
            delivery_attempts=0,
            idempotency_key=uuid.uuid4().hex,
        )
    )
    await _queue(uow, reply, queue=queue, now=now)
    return reply


# --- helpers --------------------------------------------------------------------------------


def _move(reply: Reply, target: ReplyStatus) -> None:
    """Change the reply's status along `rules.TRANSITIONS`; `ReplyStateError` otherwise."""
    if reply.status is not target and not rules.can_transition(reply.status, target):
        raise ReplyStateError(f"a {reply.status} reply cannot become {target}")
    reply.status = target


def _default_kind(conversation: Conversation) -> ReplyKind:
    if conversation.kind is ConversationKind.DIRECT:
        return ReplyKind.PRIVATE_MESSAGE
    return ReplyKind.PUBLIC_REPLY


def _clean_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError("a reply needs text", field="text")
    if len(cleaned) > rules.MAX_TEXT_LENGTH:
        raise ValidationError(f"at most {rules.MAX_TEXT_LENGTH} characters", field="text")
    return cleaned


def _author_id(uow: UnitOfWork) -> uuid.UUID | None:
    if uow.actor.kind is not ActorKind.USER:
        return None
    try:
        return uuid.UUID(uow.actor.id)
    except ValueError:
        return None


async def _get_mention(uow: UnitOfWork, mention_id: uuid.UUID) -> Mention:
    result = await uow.session.execute(select(Mention).where(Mention.id == mention_id))
    mention = result.scalar_one_or_none()
    if mention is None:
        raise NotFoundError("Mention not found")
    return mention


async def _answered_mention(
    uow: UnitOfWork, conversation: Conversation, mention_id: uuid.UUID | None
) -> Mention | None:
    if mention_id is None:
        return await latest_inbound_mention(uow, conversation.id)
    mention = await _get_mention(uow, mention_id)
    if mention.conversation_id != conversation.id:
        raise ValidationError("the message is not in this conversation", field="inReplyToMentionId")
    return mention


async def _mention_of(uow: UnitOfWork, reply: Reply) -> Mention | None:
    if reply.in_reply_to_mention_id is None:
        return None
    result = await uow.session.execute(
        select(Mention).where(Mention.id == reply.in_reply_to_mention_id)
    )
    return result.scalar_one_or_none()


async def _refresh_tone(
    uow: UnitOfWork, reply: Reply, *, conversation: Conversation, mention: Mention | None
) -> Brand:
    """Run the tone check on the reply's text and store the findings; returns the brand."""
    brand = await BrandRepository(uow).get(conversation.brand_id)
    channel = await ChannelRepository(uow).get(conversation.channel_id)
    labels = mention.labels if mention is not None else {}
    language = _language(brand, mention)
    guidelines, version, _ = await guidelines_for(uow, brand=brand, language=language)
    findings = check_tone(
        reply.text,
        guidelines=guidelines,
        language=language,
        channel_kind=channel.kind.value,
        context_category=_string(labels.get("category")),
    )
    reply.tone_findings = [
        {
            "code": finding.code.value,
            "message": finding.message,
            "start": finding.start,
            "end": finding.end,
            "severity": finding.severity.value,
        }
        for finding in findings
    ]
    # The approved guideline version in force (None while the brand has only its settings).
    reply.tone_version_id = None if version is None else version.id
    return brand


def _language(brand: Brand, mention: Mention | None) -> str:
    """The reply's language: the customer's message's, else the brand's primary one."""
    labels = mention.labels if mention is not None else {}
    return (
        (mention.language if mention is not None else None)
        or _string(labels.get("language"))
        or brand.primary_language
    )


async def _outgoing_text(uow: UnitOfWork, reply: Reply, mention: Mention | None) -> str:
    """The text as delivered: the draft plus the signature the system appends, if any."""
    if reply.kind is ReplyKind.REACTION:
        return ""
    brand = await BrandRepository(uow).get(reply.brand_id)
    guidelines, _, _ = await guidelines_for(uow, brand=brand, language=_language(brand, mention))
    author = (
        None if reply.author_user_id is None else await uow.session.get(User, reply.author_user_id)
    )
    return rules.signed_text(
        reply.text, guidelines.signature, author_name="" if author is None else author.display_name
    )


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


async def _request_approval(uow: UnitOfWork, reply: Reply, reasons: Sequence[str]) -> None:
    await request_approval(
        uow,
        brand_id=reply.brand_id,
        subject_kind=SubjectKind.REPLY.value,
        subject_id=reply.id,
        summary=f"Reply awaiting sign-off ({', '.join(reasons)})",
    )


async def _record_first_response(uow: UnitOfWork, reply: Reply, at: datetime) -> None:
    # Every message out stops the running response clocks: the first one the
    # first-response clock, later ones a next-response clock started since.
    await record_first_response(uow, conversation_id=reply.conversation_id, at=at)


async def _finish_outbox(uow: UnitOfWork, reply_id: uuid.UUID, *, now: datetime) -> None:
    result = await uow.session.execute(
        select(OutboxMessage.id).where(
            OutboxMessage.topic == DELIVERY_TOPIC,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.payload["reply_id"].as_string() == str(reply_id),
        )
    )
    await mark_messages_done(uow, list(result.scalars()), now=now)


def _delivery_action(reply: Reply, mention: Mention | None) -> DeliveryAction:
    if reply.kind is ReplyKind.REACTION:
        return DeliveryAction.REACTION
    if reply.kind is ReplyKind.PUBLIC_REPLY:
        return DeliveryAction.PUBLIC_REPLY
    if mention is not None and mention.kind != "dm":
        return DeliveryAction.PRIVATE_REPLY_TO_COMMENT
    return DeliveryAction.DIRECT_MESSAGE


async def _recipient_of(uow: UnitOfWork, reply: Reply, mention: Mention | None) -> str | None:
    if mention is not None and mention.author_platform_id:
        return mention.author_platform_id
    latest = await latest_inbound_mention(uow, reply.conversation_id)
    return None if latest is None else latest.author_platform_id


async def _private_twin(
    uow: UnitOfWork,
    conversation: Conversation,
    channel: Channel,
    customer_platform_id: str,
    now: datetime,
) -> Conversation:
    thread = rules.direct_thread_key(
        channel_kind=ChannelKind(channel.kind),
        account_id=channel.external_account_id or "",
        customer_platform_id=customer_platform_id,
    )
    result = await uow.session.execute(
        select(Conversation)
        .where(
            Conversation.channel_id == channel.id,
            Conversation.customer_id == conversation.customer_id,
            Conversation.kind == ConversationKind.DIRECT,
            Conversation.thread_key == thread,
        )
        .order_by(Conversation.opened_at.desc())
        .limit(1)
    )
    existing = result.scalar_one_or_none()
    if existing is not None and existing.status not in FINISHED_STATUSES:
        return existing
    private = Conversation(
        id=uuid.uuid4(),
        brand_id=conversation.brand_id,
        channel_id=channel.id,
        customer_id=conversation.customer_id,
        kind=ConversationKind.DIRECT,
        thread_key=thread,
        status=ConversationStatus.OPEN,
        opened_at=now,
        last_message_at=now,
        message_count=0,
    )
    uow.session.add(private)
    await uow.flush()
    return private
