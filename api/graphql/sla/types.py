"""GraphQL types of SLA policies, conversation SLA and brand events."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import strawberry

from api.graphql.ids import to_global_id
from api.graphql.relay import Node
from domain.brand_events.models import BrandEvent as BrandEventModel
from domain.brand_events.models import BrandEventKind, ExpectedImpact
from domain.brand_events.service import ActiveBrandEvent
from domain.sla.models import SlaPolicy as SlaPolicyModel
from domain.sla.service import ConversationSla as ConversationSlaValue

# The domain enums themselves, so values need no mapping.
strawberry.enum(
    BrandEventKind,
    name="BrandEventKind",
    description="What the brand is doing: a campaign, a launch, a price rise, an outage …",
)
strawberry.enum(
    ExpectedImpact,
    name="ExpectedImpact",
    description="Whether the event raises customers' expectations or lowers them.",
)


@strawberry.type(description="Open from `open` to `close` local time (HH:MM; 24:00 is midnight).")
class BusinessSlot:
    open: str = strawberry.field(description="Opening time, HH:MM in the brand's timezone.")
    close: str = strawberry.field(description="Closing time, HH:MM; 24:00 closes at midnight.")


@strawberry.type(description="The open slots of one weekday.")
class BusinessDay:
    weekday: str = strawberry.field(description="mon, tue, wed, thu, fri, sat or sun.")
    slots: list[BusinessSlot] = strawberry.field(description="Open slots, in order.")


def business_days(hours: Mapping[str, Sequence[Mapping[str, str]]]) -> list[BusinessDay]:
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return [
        BusinessDay(
            weekday=day,
            slots=[BusinessSlot(open=slot["open"], close=slot["close"]) for slot in hours[day]],
        )
        for day in order
        if day in hours
    ]


@strawberry.type(description="Response and resolution targets of a brand, for a priority and tier.")
class SlaPolicy(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id of this version.")
    brand_id: strawberry.ID = strawberry.field(description="The brand the policy belongs to.")
    name: str = strawberry.field(description="Display name.")
    version: int = strawberry.field(
        description="Version number; updating a policy makes a new version with a new id."
    )
    priority: str = strawberry.field(description="hot, cold, noise, or any.")
    service_tier: str = strawberry.field(description="standard, premium, or any.")
    first_response_minutes: int | None = strawberry.field(
        description="Business minutes to the first answer; null: no such target."
    )
    next_response_minutes: int | None = strawberry.field(
        description="Business minutes to answer each later customer message; null: none."
    )
    resolution_minutes: int | None = strawberry.field(
        description="Business minutes to resolve; null: no such target."
    )
    warning_minutes: int = strawberry.field(
        description="Business minutes before a due time at which a warning is sent."
    )
    around_the_clock: bool = strawberry.field(
        description="Counts every hour of every day, ignoring hours and holidays."
    )
    business_hours: list[BusinessDay] | None = strawberry.field(
        description="Hours instead of the brand's; null: the brand's hours."
    )
    raise_priority_on_breach: bool = strawberry.field(
        description="Whether a breach raises the conversation's priority to hot."
    )
    notify_team_lead_on_breach: bool = strawberry.field(
        description="Whether a breach notifies the brand's team leads."
    )
    retired_at: datetime | None = strawberry.field(
        description="When new clocks stopped using this version; null while current."
    )
    created_at: datetime = strawberry.field(description="When this version was made.")

    @classmethod
    def from_model(cls, policy: SlaPolicyModel) -> "SlaPolicy":
        actions: Mapping[str, Any] = policy.breach_actions
        return cls(
            id=to_global_id("SlaPolicy", policy.id),
            brand_id=to_global_id("Brand", policy.brand_id),
            name=policy.name,
            version=policy.version,
            priority=policy.priority,
            service_tier=policy.service_tier,
            first_response_minutes=policy.first_response_minutes,
            next_response_minutes=policy.next_response_minutes,
            resolution_minutes=policy.resolution_minutes,
            warning_minutes=policy.warning_minutes,
            around_the_clock=policy.around_the_clock,
            business_hours=(
                None if policy.business_hours is None else business_days(policy.business_hours)
            ),
            raise_priority_on_breach=bool(actions.get("raise_priority")),
            notify_team_lead_on_breach=bool(actions.get("notify_team_lead")),
            retired_at=policy.retired_at,
            created_at=policy.created_at,
        )


@strawberry.type(description="The policy version a conversation's clock runs on.")
class SlaPolicyRef:
    id: strawberry.ID = strawberry.field(description="Global id of the policy version.")
    name: str = strawberry.field(description="The policy's name.")
    version: int = strawberry.field(description="The version the clock started with.")


@strawberry.type(description="A brand event that tightened or relaxed a clock's target.")
class SlaEventAdjustment:
    event_id: strawberry.ID | None = strawberry.field(
        description="Global id of the brand event; null if the event was deleted since."
    )
    factor: float = strawberry.field(description="The factor applied to the target.")
    reason: str = strawberry.field(description="Why the target changed, for people.")


@strawberry.type(description="A conversation's SLA: due times, breach and time left.")
class ConversationSla:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    first_response_due_at: datetime | None = strawberry.field(
        description="When the first answer is due; null when that clock does not run."
    )
    next_response_due_at: datetime | None = strawberry.field(
        description="When the next answer is due; null when that clock does not run."
    )
    resolution_due_at: datetime | None = strawberry.field(
        description="When resolution is due; null when that clock does not run."
    )
    paused: bool = strawberry.field(
        description="Whether the clocks are paused (waiting on the customer, or snoozed)."
    )
    breached: bool = strawberry.field(
        description="Whether a target was missed (overdue now, or answered late)."
    )
    remaining_business_seconds: int | None = strawberry.field(
        description="Business seconds left on the clock due soonest; negative once overdue."
    )
    policy: SlaPolicyRef | None = strawberry.field(
        description="The policy version that set the due times; null without clocks."
    )
    event: SlaEventAdjustment | None = strawberry.field(
        description="The brand event that changed the target, if one did."
    )

    @classmethod
    def from_value(cls, value: ConversationSlaValue) -> "ConversationSla":
        return cls(
            conversation_id=to_global_id("Conversation", value.conversation_id),
            first_response_due_at=value.first_response_due_at,
            next_response_due_at=value.next_response_due_at,
            resolution_due_at=value.resolution_due_at,
            paused=value.paused,
            breached=value.breached,
            remaining_business_seconds=value.remaining_business_seconds,
            policy=(
                None
                if value.policy_id is None
                else SlaPolicyRef(
                    id=to_global_id("SlaPolicy", value.policy_id),
                    name=value.policy_name or "",
                    version=value.policy_version or 1,
                )
            ),
            event=(
                None
                if value.event_factor is None
                else SlaEventAdjustment(
                    event_id=(
                        None
                        if value.event_id is None
                        else to_global_id("BrandEvent", value.event_id)
                    ),
                    factor=value.event_factor,
                    reason=value.event_reason or "",
                )
            ),
        )


@strawberry.type(description="An event in a brand's calendar.")
class BrandEvent(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    kind: BrandEventKind = strawberry.field(description="What kind of event.")
    title: str = strawberry.field(description="Short name agents recognise.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    ends_at: datetime = strawberry.field(description="When it ends (inclusive).")
    planned: bool = strawberry.field(description="Announced in advance (planned maintenance).")
    affected_products: list[str] = strawberry.field(description="Products it concerns.")
    affected_channel_ids: list[strawberry.ID] = strawberry.field(
        description="Channels it concerns; empty: every channel of the brand."
    )
    expected_impact: ExpectedImpact = strawberry.field(
        description="Whether it raises or lowers customers' expectations."
    )
    sla_factor: float = strawberry.field(
        description="Factor on response targets of clocks started while it is active."
    )
    briefing: str = strawberry.field(description="What agents should know and say.")
    qna_entry_ids: list[strawberry.ID] = strawberry.field(description="Linked Q&A entries.")

    @classmethod
    def from_model(cls, event: BrandEventModel | ActiveBrandEvent) -> "BrandEvent":
        return cls(
            id=to_global_id("BrandEvent", event.id),
            brand_id=to_global_id("Brand", event.brand_id),
            kind=event.kind,
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            planned=event.planned,
            affected_products=[str(item) for item in event.affected_products],
            affected_channel_ids=[
                to_global_id("Channel", uuid.UUID(str(item))) for item in event.affected_channel_ids
            ],
            expected_impact=event.expected_impact,
            sla_factor=event.sla_factor,
            briefing=event.briefing,
            qna_entry_ids=[
                to_global_id("QnaEntry", uuid.UUID(str(item))) for item in event.qna_entry_ids
            ],
        )
