"""Mutations of SLA policies and the brand events calendar, with typed user errors."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from api.graphql.sla.errors import SlaUserError, sla_user_error
from api.graphql.sla.types import BrandEvent, SlaPolicy
from domain.brand_events.models import BrandEvent as BrandEventModel
from domain.brand_events.models import BrandEventKind, ExpectedImpact
from domain.brand_events.service import (
    BrandEventFields,
    create_brand_event,
    delete_brand_event,
    update_brand_event,
)
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError
from domain.sla.models import ANY
from domain.sla.models import SlaPolicy as SlaPolicyModel
from domain.sla.policies import PolicyFields, create_policy, retire_policy, update_policy


@strawberry.input(description="One open slot, HH:MM to HH:MM local time (24:00 is midnight).")
class BusinessSlotInput:
    open: str = strawberry.field(description="Opening time, HH:MM.")
    close: str = strawberry.field(description="Closing time, HH:MM or 24:00.")


@strawberry.input(description="The open slots of one weekday.")
class BusinessDayInput:
    weekday: str = strawberry.field(description="mon, tue, wed, thu, fri, sat or sun.")
    slots: list[BusinessSlotInput] = strawberry.field(description="Open slots, in order.")


@strawberry.input(description="Everything a policy says (all of it, on create and update).")
class SlaPolicyFieldsInput:
    name: str = strawberry.field(description="Display name.")
    priority: str = strawberry.field(default=ANY, description="hot, cold, noise or any.")
    service_tier: str = strawberry.field(default=ANY, description="standard, premium or any.")
    first_response_minutes: int | None = strawberry.field(
        default=None, description="Business minutes to the first answer; null: none."
    )
    next_response_minutes: int | None = strawberry.field(
        default=None, description="Business minutes to answer later messages; null: none."
    )
    resolution_minutes: int | None = strawberry.field(
        default=None, description="Business minutes to resolve; null: none."
    )
    warning_minutes: int = strawberry.field(
        default=15, description="Business minutes before due time to warn."
    )
    around_the_clock: bool = strawberry.field(
        default=False, description="Count every hour, ignoring hours and holidays."
    )
    business_hours: list[BusinessDayInput] | None = strawberry.field(
        default=None, description="Hours instead of the brand's; null: the brand's."
    )
    raise_priority_on_breach: bool = strawberry.field(
        default=False, description="Raise the conversation to hot on breach."
    )
    notify_team_lead_on_breach: bool = strawberry.field(
        default=False, description="Notify the brand's team leads on breach."
    )

    def to_fields(self) -> PolicyFields:
        return PolicyFields(
            name=self.name,
            priority=self.priority,
            service_tier=self.service_tier,
            first_response_minutes=self.first_response_minutes,
            next_response_minutes=self.next_response_minutes,
            resolution_minutes=self.resolution_minutes,
            warning_minutes=self.warning_minutes,
            around_the_clock=self.around_the_clock,
            business_hours=(
                None
                if self.business_hours is None
                else {
                    day.weekday: [{"open": slot.open, "close": slot.close} for slot in day.slots]
                    for day in self.business_hours
                }
            ),
            raise_priority_on_breach=self.raise_priority_on_breach,
            notify_team_lead_on_breach=self.notify_team_lead_on_breach,
        )


@strawberry.input(description="A new SLA policy for a brand.")
class SlaPolicyCreateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    policy: SlaPolicyFieldsInput = strawberry.field(description="What the policy says.")


@strawberry.input(description="A new version of a current SLA policy.")
class SlaPolicyUpdateInput:
    policy_id: strawberry.ID = strawberry.field(description="The current version.")
    policy: SlaPolicyFieldsInput = strawberry.field(description="What the new version says.")


@strawberry.input(description="A policy to stop using for new clocks.")
class SlaPolicyRetireInput:
    policy_id: strawberry.ID = strawberry.field(description="The current version.")


@strawberry.type(description="The policy after a change, or why it did not change.")
class SlaPolicyPayload:
    policy: SlaPolicy | None = strawberry.field(
        description="The policy version as it is now; null when there are user errors."
    )
    user_errors: list[SlaUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The new policy, or why it was not created.")
class SlaPolicyCreatePayload(SlaPolicyPayload):
    pass


@strawberry.type(description="The new policy version, or why it was not made.")
class SlaPolicyUpdatePayload(SlaPolicyPayload):
    pass


@strawberry.type(description="The retired policy, or why it was not retired.")
class SlaPolicyRetirePayload(SlaPolicyPayload):
    pass


@strawberry.input(description="Everything an event says (all of it, on create and update).")
class BrandEventFieldsInput:
    kind: BrandEventKind = strawberry.field(description="What kind of event.")
    title: str = strawberry.field(description="Short name agents recognise.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    ends_at: datetime = strawberry.field(description="When it ends (after it starts).")
    planned: bool = strawberry.field(default=False, description="Announced in advance.")
    affected_products: list[str] = strawberry.field(
        default_factory=list, description="Products it concerns."
    )
    affected_channel_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Channels it concerns; empty: all of the brand's."
    )
    expected_impact: ExpectedImpact = strawberry.field(
        default=ExpectedImpact.RAISES, description="Raises or lowers expectations."
    )
    sla_factor: float = strawberry.field(
        default=1.0, description="Factor on response targets while active (0.05 to 10)."
    )
    briefing: str = strawberry.field(default="", description="What agents should know.")
    qna_entry_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Linked Q&A entries."
    )

    def to_fields(self) -> BrandEventFields:
        return BrandEventFields(
            kind=self.kind,
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            planned=self.planned,
            affected_products=tuple(self.affected_products),
            affected_channel_ids=tuple(
                from_global_id(item, expected_type="Channel")[1]
                for item in self.affected_channel_ids
            ),
            expected_impact=self.expected_impact,
            sla_factor=self.sla_factor,
            briefing=self.briefing,
            qna_entry_ids=tuple(
                from_global_id(item, expected_type="QnaEntry")[1] for item in self.qna_entry_ids
            ),
        )


@strawberry.input(description="A new event in a brand's calendar.")
class BrandEventCreateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    event: BrandEventFieldsInput = strawberry.field(description="What the event says.")


@strawberry.input(description="New values of an event.")
class BrandEventUpdateInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    event: BrandEventFieldsInput = strawberry.field(description="What the event says now.")


@strawberry.input(description="An event to remove from the calendar.")
class BrandEventDeleteInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")


@strawberry.type(description="The event after a change, or why it did not change.")
class BrandEventPayload:
    event: BrandEvent | None = strawberry.field(
        description="The event as it is now; null when deleted or there are user errors."
    )
    user_errors: list[SlaUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The new event, or why it was not created.")
class BrandEventCreatePayload(BrandEventPayload):
    pass


@strawberry.type(description="The changed event, or why it did not change.")
class BrandEventUpdatePayload(BrandEventPayload):
    pass


@strawberry.type(description="Whether the event was deleted (null event), or why not.")
class BrandEventDeletePayload(BrandEventPayload):
    pass


async def _policy_change(
    info: Info[ParleyContext, None],
    default_field: str,
    use_case: Callable[[UnitOfWork], Awaitable[SlaPolicyModel]],
) -> tuple[SlaPolicy | None, list[SlaUserError]]:
    context = info.context
    try:
        async with context.unit_of_work() as uow:
            policy = await use_case(uow)
            await uow.commit()
    except DomainError as error:
        return None, [sla_user_error(error, default_field)]
    return SlaPolicy.from_model(policy), []


async def _event_change(
    info: Info[ParleyContext, None],
    default_field: str,
    use_case: Callable[[UnitOfWork], Awaitable[BrandEventModel | None]],
) -> tuple[BrandEvent | None, list[SlaUserError]]:
    context = info.context
    try:
        async with context.unit_of_work() as uow:
            event = await use_case(uow)
            await uow.commit()
    except DomainError as error:
        return None, [sla_user_error(error, default_field)]
    return (None if event is None else BrandEvent.from_model(event)), []


def _id(global_id: str, type_name: str) -> uuid.UUID:
    return from_global_id(global_id, expected_type=type_name)[1]


@strawberry.type
class SlaMutations:
    @strawberry.mutation(description="Add an SLA policy to a brand; needs sla:manage on it.")
    async def sla_policy_create(
        self, info: Info[ParleyContext, None], input: SlaPolicyCreateInput
    ) -> SlaPolicyCreatePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork) -> SlaPolicyModel:
            return await create_policy(
                uow, grantee, brand_id=_id(input.brand_id, "Brand"), fields=input.policy.to_fields()
            )

        policy, errors = await _policy_change(info, "brandId", use_case)
        return SlaPolicyCreatePayload(policy=policy, user_errors=errors)

    @strawberry.mutation(
        description="Make a new version of a policy (new id); running clocks keep the old one."
    )
    async def sla_policy_update(
        self, info: Info[ParleyContext, None], input: SlaPolicyUpdateInput
    ) -> SlaPolicyUpdatePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork) -> SlaPolicyModel:
            return await update_policy(
                uow,
                grantee,
                policy_id=_id(input.policy_id, "SlaPolicy"),
                fields=input.policy.to_fields(),
                at=utcnow(),
            )

        policy, errors = await _policy_change(info, "policyId", use_case)
        return SlaPolicyUpdatePayload(policy=policy, user_errors=errors)

    @strawberry.mutation(description="Stop using a policy for new clocks; needs sla:manage.")
    async def sla_policy_retire(
        self, info: Info[ParleyContext, None], input: SlaPolicyRetireInput
    ) -> SlaPolicyRetirePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork) -> SlaPolicyModel:
            return await retire_policy(
                uow, grantee, policy_id=_id(input.policy_id, "SlaPolicy"), at=utcnow()
            )

        policy, errors = await _policy_change(info, "policyId", use_case)
        return SlaPolicyRetirePayload(policy=policy, user_errors=errors)

    @strawberry.mutation(description="Add an event to a brand's calendar; needs brand:manage.")
    async def brand_event_create(
        self, info: Info[ParleyContext, None], input: BrandEventCreateInput
    ) -> BrandEventCreatePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork) -> BrandEventModel:
            return await create_brand_event(
                uow, grantee, brand_id=_id(input.brand_id, "Brand"), fields=input.event.to_fields()
            )

        event, errors = await _event_change(info, "brandId", use_case)
        return BrandEventCreatePayload(event=event, user_errors=errors)

    @strawberry.mutation(description="Change an event of the calendar; needs brand:manage.")
    async def brand_event_update(
        self, info: Info[ParleyContext, None], input: BrandEventUpdateInput
    ) -> BrandEventUpdatePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork) -> BrandEventModel:
            return await update_brand_event(
                uow,
                grantee,
                event_id=_id(input.event_id, "BrandEvent"),
                fields=input.event.to_fields(),
            )

        event, errors = await _event_change(info, "eventId", use_case)
        return BrandEventUpdatePayload(event=event, user_errors=errors)

    @strawberry.mutation(description="Remove an event from the calendar; needs brand:manage.")
    async def brand_event_delete(
        self, info: Info[ParleyContext, None], input: BrandEventDeleteInput
    ) -> BrandEventDeletePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork) -> None:
            await delete_brand_event(uow, grantee, event_id=_id(input.event_id, "BrandEvent"))

        event, errors = await _event_change(info, "eventId", use_case)
        return BrandEventDeletePayload(event=event, user_errors=errors)
