"""Per-request DataLoaders: one statement per relation and batch, each batch in its own
short unit of work in the caller's tenant (no session is shared between resolvers)."""

import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from domain.authz.policy import Grantee
from domain.brands.models import Brand
from domain.channels.models import Channel
from domain.conversations import reads
from domain.conversations.inbox import readable_brand_ids
from domain.conversations.keyset import KeysetWindow
from domain.conversations.models import Conversation, ConversationEvent, ConversationNote
from domain.customers.models import Customer, CustomerIdentity
from domain.customers.service import customers_by_ids, identities_of
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.mentions.service import mentions_readable_by
from domain.sla.service import ConversationSla, sla_for_conversations
from domain.tenants.models import User

KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")

UnitOfWorkFactory = Callable[[], UnitOfWork]
GranteeSource = Callable[[], Awaitable[Grantee]]

#: A page of children of one parent: (parent id, keyset window).
PageKey = tuple[uuid.UUID, KeysetWindow]


class Loaders:
    """The DataLoaders of one request.

    Relation loaders (`brand`, `channel`, `customer`, `assignee`, …) load what a
    visible object points at; `conversation`, `customer_node` and `mention` also
    authorise (None for what the caller may not see) and back `node(id:)`.
    """

    def __init__(self, unit_of_work: UnitOfWorkFactory, grantee: GranteeSource) -> None:
        self._unit_of_work = unit_of_work
        self._grantee = grantee
        self.conversation = self._by_id(self._conversations)
        self.customer_node = self._by_id(self._customer_nodes)
        self.mention = self._by_id(self._mentions)
        self.brand: DataLoader[uuid.UUID, Brand | None] = self._by_id(self._brands)
        self.channel: DataLoader[uuid.UUID, Channel | None] = self._by_id(self._channels)
        self.customer: DataLoader[uuid.UUID, Customer | None] = self._by_id(self._customers)
        self.user: DataLoader[uuid.UUID, User | None] = self._by_id(self._users)
        self.latest_mention: DataLoader[uuid.UUID, Mention | None] = self._by_id(
            self._latest_mentions
        )
        self.identities: DataLoader[uuid.UUID, list[CustomerIdentity]] = self._lists(
            self._identities
        )
        self.notes: DataLoader[uuid.UUID, list[ConversationNote]] = self._lists(self._notes)
        self.timeline: DataLoader[PageKey, list[Mention]] = self._pages(reads.timelines)
        self.events: DataLoader[PageKey, list[ConversationEvent]] = self._pages(reads.event_pages)
        self.customer_history: DataLoader[PageKey, list[Conversation]] = self._pages(
            self._customer_histories
        )
        #: SLA of conversations the caller already sees (the parent authorised them).
        self.sla: DataLoader[uuid.UUID, ConversationSla | None] = self._by_id(
            self._conversation_slas
        )

    # --- plumbing -------------------------------------------------------------

    def _by_id(
        self, fetch: Callable[[UnitOfWork, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, ValueT]]]
    ) -> DataLoader[uuid.UUID, ValueT | None]:
        async def load(keys: list[uuid.UUID]) -> list[ValueT | None]:
            async with self._unit_of_work() as uow:
                found = await fetch(uow, sorted(set(keys)))
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    def _lists(
        self,
        fetch: Callable[[UnitOfWork, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, list[ValueT]]]],
    ) -> DataLoader[uuid.UUID, list[ValueT]]:
        async def load(keys: list[uuid.UUID]) -> list[list[ValueT]]:
            async with self._unit_of_work() as uow:
                found = await fetch(uow, sorted(set(keys)))
            return [found.get(key, []) for key in keys]

        return DataLoader(load_fn=load)

    def _pages(
        self,
        fetch: Callable[
            [UnitOfWork, Collection[uuid.UUID], KeysetWindow],
            Awaitable[Mapping[uuid.UUID, list[ValueT]]],
        ],
    ) -> DataLoader[PageKey, list[ValueT]]:
        async def load(keys: list[PageKey]) -> list[list[ValueT]]:
            by_window: dict[KeysetWindow, set[uuid.UUID]] = {}
            for parent_id, window in keys:
                by_window.setdefault(window, set()).add(parent_id)
            pages: dict[PageKey, list[ValueT]] = {}
            async with self._unit_of_work() as uow:
                # One statement per distinct window: a list's first pages share one.
                for window, parent_ids in by_window.items():
                    found = await fetch(uow, sorted(parent_ids), window)
                    for parent_id in parent_ids:
                        pages[(parent_id, window)] = found.get(parent_id, [])
            return [pages[key] for key in keys]

        return DataLoader(load_fn=load)

    # --- fetches --------------------------------------------------------------

    async def _conversations(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Conversation]:
        return await reads.conversations_by_ids(
            uow, grantee=await self._grantee(), conversation_ids=ids
        )

    async def _customer_nodes(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Customer]:
        return await customers_by_ids(uow, grantee=await self._grantee(), customer_ids=ids)

    async def _mentions(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mention]:
        return await mentions_readable_by(uow, grantee=await self._grantee(), mention_ids=ids)

    async def _conversation_slas(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, ConversationSla]:
        return await sla_for_conversations(uow, ids)

    async def _brands(self, uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Brand]:
        return await reads.brands_by_ids(uow, ids)

    async def _channels(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Channel]:
        return await reads.channels_by_ids(uow, ids)

    async def _customers(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Customer]:
        return await reads.customers_of_conversations(uow, ids)

    async def _users(self, uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, User]:
        return await reads.members_by_user_ids(uow, ids)

    async def _latest_mentions(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mention]:
        return await reads.latest_mentions(uow, ids)

    async def _identities(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, list[CustomerIdentity]]:
        return await identities_of(uow, ids)

    async def _notes(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, list[ConversationNote]]:
        return await reads.notes_of(uow, ids)

    async def _customer_histories(
        self, uow: UnitOfWork, ids: Collection[uuid.UUID], window: KeysetWindow
    ) -> Mapping[uuid.UUID, list[Conversation]]:
        readable = await readable_brand_ids(uow, await self._grantee())
        return await reads.customer_histories(
            uow, customer_ids=ids, window=window, readable_brand_ids=readable
        )
