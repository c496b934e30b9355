"""What a connector needs to deliver one reply, and what it reports back: plain values.

The job builds a `DeliveryOrder` from the database (`service.begin_delivery`),
hands it to the platform connector outside any transaction, and records the
`DeliveryReceipt` or the failure (`service.record_delivery`).
"""

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class DeliveryAction(StrEnum):
    """What the platform is asked to do."""

    #: Answer a post or comment in public (under `target_external_id`).
    PUBLIC_REPLY = "public_reply"
    #: A direct message to `recipient_platform_id`.
    DIRECT_MESSAGE = "direct_message"
    #: A private reply to the public comment `target_external_id` (Meta's private replies).
    PRIVATE_REPLY_TO_COMMENT = "private_reply_to_comment"
    #: React to the message `target_external_id`.
    REACTION = "reaction"


@dataclass(frozen=True, slots=True)
class DeliveryOrder:
    """One delivery attempt of one reply. `credentials` are secrets: never log them."""

    reply_id: uuid.UUID
    tenant_id: uuid.UUID
    channel_kind: str
    action: DeliveryAction
    #: The brand's account on the platform (Page id, IG user id, X user id, bot id, VK group id).
    account_id: str
    credentials: dict[str, str] = field(repr=False)
    text: str = field(default="", repr=False)
    reaction: str | None = None
    #: The platform id of the message answered or reacted to, as ingestion stores it.
    target_external_id: str | None = None
    #: The kind of that message as ingestion stores it ("post", "comment", "reply", "dm" …).
    target_kind: str | None = None
    #: The root post of the thread (VK needs the post id next to the comment id).
    target_root_external_id: str | None = None
    #: The customer's platform id (DM recipient).
    recipient_platform_id: str | None = None
    #: Platform details kept with the message answered (Telegram business connection …).
    target_extra: dict[str, str] = field(default_factory=dict)
    #: Fixed per reply; sent where the platform deduplicates on a key (VK).
    idempotency_key: str = ""
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """A delivery the platform accepted: its id for the message and how many HTTP tries it took."""

    platform_message_id: str
    http_attempts: int = 1
