"""GraphQL types of Q&A entries and versions, tone guideline versions and suggestions.

Registers the `QnaEntry`, `QnaVersion` and `ToneGuidelineVersion` nodes.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.admin.types import User
from api.graphql.brands.types import Brand
from api.graphql.context import ParleyContext
from api.graphql.errors import NotFoundGraphQLError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.knowledge.loaders import knowledge_loaders
from api.graphql.relay import (
    Connection,
    InvalidPageArgumentsError,
    Node,
    connection_from_rows,
    page_request,
    register_node,
)
from domain.approvals.rules import VersionState
from domain.knowledge.models import QnaEntry as QnaEntryModel
from domain.knowledge.models import QnaVersion as QnaVersionModel
from domain.knowledge.service import QnaSuggestion as QnaSuggestionValue
from domain.knowledge.service import diff_of_versions, is_entry_stale
from domain.shared.clock import utcnow
from domain.tone.guidelines import AddressForm, BannedCondition, tone_guidelines_from_config
from domain.tone.models import ToneGuidelineVersion as ToneGuidelineVersionModel

strawberry.enum(
    VersionState,
    name="KnowledgeVersionState",
    description=(
        "Where a Q&A or tone guideline version stands: DRAFT → PENDING_APPROVAL → APPROVED, "
        "CHANGES_REQUESTED or REJECTED. Only APPROVED versions are suggested or enforced."
    ),
)
strawberry.enum(
    AddressForm,
    name="ToneAddressForm",
    description="How the brand addresses customers: formally, informally, or informally "
    "but professionally (English brands: first names, no slang).",
)
strawberry.enum(
    BannedCondition,
    name="BannedPhraseCondition",
    description="When a banned phrase is banned: always, or only without substance, a time "
    "frame or a reference, only as the whole reply, or UNVERIFIABLE (the check warns).",
)


def user_id_of(actor_label: str | None) -> uuid.UUID | None:
    """The user of an actor stored as "user:<uuid>"; None for systems and API clients."""
    if actor_label is None:
        return None
    kind, _, raw = actor_label.partition(":")
    if kind != "user":
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


async def load_user(info: Info[ParleyContext, None], actor_label: str | None) -> User | None:
    user_id = user_id_of(actor_label)
    if user_id is None:
        return None
    user = await info.context.loaders.user.load(user_id)
    return None if user is None else User.from_model(user)


async def load_brand(info: Info[ParleyContext, None], brand_id: uuid.UUID) -> Brand:
    brand = await info.context.loaders.brand.load(brand_id)
    # Anything of the knowledge area is readable only together with its brand.
    assert brand is not None
    return Brand.from_model(brand)


@strawberry.type(description="One edit of a Q&A entry: its question variants and answer.")
class QnaVersion(Node):
    model: strawberry.Private[QnaVersionModel]

    @classmethod
    def from_model(cls, version: QnaVersionModel) -> "QnaVersion":
        return cls(id=to_global_id("QnaVersion", version.id), model=version)

    @strawberry.field(description="1 for the entry's first version, then one more per edit.")
    def number(self) -> int:
        return self.model.number

    @strawberry.field(description="Ways customers ask the question.")
    def question_variants(self) -> list[str]:
        return list(self.model.question_variants)

    @strawberry.field(description="The official answer.")
    def answer(self) -> str:
        return self.model.answer

    @strawberry.field(description="The product it is about; empty when general.")
    def product(self) -> str:
        return self.model.product

    @strawberry.field(description="Free-form tags.")
    def tags(self) -> list[str]:
        return list(self.model.tags)

    @strawberry.field(description="Where the version stands in its approval.")
    def state(self) -> VersionState:
        return self.model.state

    @strawberry.field(description="The member who wrote it; null for imports and API clients.")
    async def created_by(self, info: Info[ParleyContext, None]) -> User | None:
        return await load_user(info, self.model.created_by)

    @strawberry.field(description="When it was written.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When a client approved it; null unless approved.")
    def approved_at(self) -> datetime | None:
        return self.model.approved_at

    @strawberry.field(description="The entry it is a version of.")
    async def entry(self, info: Info[ParleyContext, None]) -> "QnaEntry":
        entry = await knowledge_loaders(info.context).entry.load(self.model.entry_id)
        assert entry is not None  # the version was loaded through its readable entry
        return QnaEntry.from_model(entry)

    @strawberry.field(
        description="A unified diff of the lines (`Q:` per variant, `A:`, product, tags) from "
        "`against` to this version; empty when they say the same, null when there is nothing "
        "to compare with (the first version, without `against`)."
    )
    async def diff(
        self,
        info: Info[ParleyContext, None],
        against: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Another version of the same entry; default: the previous one."
            ),
        ] = None,
    ) -> str | None:
        loaders = knowledge_loaders(info.context)
        entry = await loaders.entry.load(self.model.entry_id)
        assert entry is not None
        if against is None:
            versions = await loaders.versions_of_entry.load(entry.id)
            previous = [v for v in versions if v.number == self.model.number - 1]
            if not previous:
                return None
            before = previous[0]
        else:
            with query_errors():
                _, before_id = from_global_id(against, expected_type="QnaVersion")
            found = await loaders.version.load(before_id)
            if found is None:
                raise NotFoundGraphQLError("no such Q&A version")
            before = found
        with query_errors():
            return diff_of_versions(entry, before, self.model)


@strawberry.type(description="One question of a brand's knowledge base, in one language.")
class QnaEntry(Node):
    model: strawberry.Private[QnaEntryModel]

    @classmethod
    def from_model(cls, entry: QnaEntryModel) -> "QnaEntry":
        return cls(id=to_global_id("QnaEntry", entry.id), model=entry)

    @strawberry.field(description="The brand it belongs to.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand:
        return await load_brand(info, self.model.brand_id)

    @strawberry.field(
        description="The entry's key, unique in the brand (the entry id of an imported file)."
    )
    def external_key(self) -> str:
        return self.model.external_key

    @strawberry.field(description="ISO 639-1 code of its language.")
    def language(self) -> str:
        return self.model.language

    @strawberry.field(description="The product it is about; empty when general.")
    def product(self) -> str:
        return self.model.product

    @strawberry.field(description="Free-form tags.")
    def tags(self) -> list[str]:
        return list(self.model.tags)

    @strawberry.field(description="The state of its newest version.")
    def status(self) -> VersionState:
        return self.model.status

    @strawberry.field(description="True once its review date has passed: check the answer.")
    def stale(self) -> bool:
        return is_entry_stale(self.model, now=utcnow())

    @strawberry.field(description="When it is due for review; null without a review date.")
    def review_at(self) -> datetime | None:
        return self.model.review_at

    @strawberry.field(description="When it was retired (never suggested again); null if live.")
    def retired_at(self) -> datetime | None:
        return self.model.retired_at

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="Its newest version, whatever its state.")
    async def current_version(self, info: Info[ParleyContext, None]) -> QnaVersion | None:
        return await self._numbered(info, self.model.latest_version)

    @strawberry.field(
        description="Its newest approved version: the one suggested and inserted; null when "
        "no version was approved yet."
    )
    async def approved_version(self, info: Info[ParleyContext, None]) -> QnaVersion | None:
        return await self._numbered(info, self.model.approved_version)

    @strawberry.field(description="Its versions, oldest first.")
    async def versions(
        self,
        info: Info[ParleyContext, None],
        first: Annotated[
            int | None, strawberry.argument(description="Page size, at most 100 (default 20).")
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor of the last node of the previous page."),
        ] = None,
    ) -> Connection[QnaVersion]:
        page = page_request(first=first, after=after, last=None, before=None, cursor_length=1)
        start = page.after[0] if page.after is not None else 0
        if not isinstance(start, int):
            raise InvalidPageArgumentsError("cursor does not belong to this list")
        versions = await knowledge_loaders(info.context).versions_of_entry.load(self.model.id)
        rows = [version for version in versions if version.number > start][: page.limit + 1]
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda version: (version.number,),
            node_of=QnaVersion.from_model,
            total_count=len(versions),
        )

    async def _numbered(
        self, info: Info[ParleyContext, None], number: int | None
    ) -> QnaVersion | None:
        if not number:
            return None
        versions = await knowledge_loaders(info.context).versions_of_entry.load(self.model.id)
        for version in versions:
            if version.number == number:
                return QnaVersion.from_model(version)
        return None


@strawberry.type(description="A phrase the brand never wants in a reply, and when.")
class BannedPhrase:
    phrase: str = strawberry.field(description="The phrase, as the guideline words it.")
    condition: BannedCondition = strawberry.field(description="When it is banned.")
    note: str = strawberry.field(description="The guideline's own words on the condition.")


@strawberry.type(description="The brand's emoji rules.")
class EmojiPolicy:
    allowed: bool = strawberry.field(description="False: no emoji at all.")
    max_per_reply: int | None = strawberry.field(description="At most this many; null: no cap.")
    allowed_contexts: list[str] = strawberry.field(
        description="Triage categories where emoji are welcome; empty: every one not forbidden."
    )
    forbidden_contexts: list[str] = strawberry.field(
        description="Triage categories where emoji are never used."
    )


@strawberry.type(description="How replies are signed.")
class SignatureRule:
    format: str = strawberry.field(description='The format with placeholders, e.g. "^{initials}".')
    example: str = strawberry.field(description="An example signature.")
    appended_by_system: bool = strawberry.field(
        description="True: the system appends it at send time; a draft must not carry it."
    )


@strawberry.type(description="A stricter reply length for one channel kind.")
class ChannelLengthLimit:
    channel_kind: str = strawberry.field(description="The channel kind, e.g. review_site.")
    max_chars: int = strawberry.field(description="The longest reply, in characters.")


@strawberry.type(description="One version of a brand's tone guidelines in one language.")
class ToneGuidelineVersion(Node):
    model: strawberry.Private[ToneGuidelineVersionModel]

    @classmethod
    def from_model(cls, version: ToneGuidelineVersionModel) -> "ToneGuidelineVersion":
        return cls(id=to_global_id("ToneGuidelineVersion", version.id), model=version)

    @strawberry.field(description="The brand it belongs to.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand:
        return await load_brand(info, self.model.brand_id)

    @strawberry.field(description="ISO 639-1 code of the language it applies to.")
    def language(self) -> str:
        return self.model.language

    @strawberry.field(description="1 for the first version in its language, then one more each.")
    def number(self) -> int:
        return self.model.number

    @strawberry.field(description="Where the version stands; the newest APPROVED is enforced.")
    def state(self) -> VersionState:
        return self.model.state

    @strawberry.field(description="The form of address customers get; null: not set.")
    def form_of_address(self) -> AddressForm | None:
        return tone_guidelines_from_config(self.model.config).address_form

    @strawberry.field(description="The guideline's own words on addressing customers.")
    def address_form_rules(self) -> str:
        value = self.model.config.get("address_form_rules")
        return value if isinstance(value, str) else ""

    @strawberry.field(description="Formal pronouns are capitalised («Вы»).")
    def capitalized_formal_pronoun(self) -> bool:
        return tone_guidelines_from_config(self.model.config).capitalized_formal_pronoun

    @strawberry.field(description="Phrases never to use, with their conditions.")
    def banned_phrases(self) -> list[BannedPhrase]:
        guidelines = tone_guidelines_from_config(self.model.config)
        return [
            BannedPhrase(phrase=item.phrase, condition=item.condition, note=item.note)
            for item in guidelines.banned_phrases
        ]

    @strawberry.field(
        description="The brand's rule on moving customers to private messages: a redirect "
        "must give a reason, what to send or a next step (empty redirects are flagged)."
    )
    def redirect_rule(self) -> str:
        return tone_guidelines_from_config(self.model.config).redirect_rule

    @strawberry.field(description="The brand's emoji rules.")
    def emoji_policy(self) -> EmojiPolicy:
        emoji = tone_guidelines_from_config(self.model.config).emoji
        return EmojiPolicy(
            allowed=emoji.allowed,
            max_per_reply=emoji.max_per_reply,
            allowed_contexts=list(emoji.allowed_contexts),
            forbidden_contexts=list(emoji.forbidden_contexts),
        )

    @strawberry.field(description="How replies are signed; null: no signature rule.")
    def signature(self) -> SignatureRule | None:
        rule = tone_guidelines_from_config(self.model.config).signature
        if rule is None:
            return None
        return SignatureRule(
            format=rule.format, example=rule.example, appended_by_system=rule.appended_by_system
        )

    @strawberry.field(description="The longest reply on any channel; null: the platform's limit.")
    def max_reply_chars(self) -> int | None:
        return tone_guidelines_from_config(self.model.config).max_reply_chars

    @strawberry.field(description="Stricter lengths for some channel kinds.")
    def channel_length_limits(self) -> list[ChannelLengthLimit]:
        limits = tone_guidelines_from_config(self.model.config).channel_max_chars
        return [
            ChannelLengthLimit(channel_kind=kind, max_chars=limit)
            for kind, limit in sorted(limits.items())
        ]

    @strawberry.field(
        description="Apology or ownership phrasing a complaint reply must contain (one of)."
    )
    def complaint_required_phrases(self) -> list[str]:
        return list(tone_guidelines_from_config(self.model.config).complaint_required_phrases)

    @strawberry.field(description="The member who proposed it; null for imports and API clients.")
    async def created_by(self, info: Info[ParleyContext, None]) -> User | None:
        return await load_user(info, self.model.created_by)

    @strawberry.field(description="When it was proposed.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When a client approved it; null unless approved.")
    def approved_at(self) -> datetime | None:
        return self.model.approved_at


@strawberry.type(description="An approved Q&A entry suggested for a customer's message.")
class QnaSuggestion:
    value: strawberry.Private[QnaSuggestionValue]

    @strawberry.field(description="The entry.")
    def entry(self) -> QnaEntry:
        return QnaEntry.from_model(self.value.entry)

    @strawberry.field(description="Its approved version, the one to insert.")
    def version(self) -> QnaVersion:
        return QnaVersion.from_model(self.value.version)

    @strawberry.field(
        description="Relevance; orders suggestions of one language, not comparable otherwise."
    )
    def score(self) -> float:
        return self.value.match.score

    @strawberry.field(description="The question variant that matched best; null: the answer did.")
    def matched_variant(self) -> str | None:
        return self.value.match.matched_variant

    @strawberry.field(
        description="The matched variant, HTML-escaped, with <em> around the matching words."
    )
    def matched_variant_highlight(self) -> str | None:
        return self.value.match.matched_variant_highlight

    @strawberry.field(description="The message's words found in the entry.")
    def matched_terms(self) -> list[str]:
        return list(self.value.match.matched_terms)

    @strawberry.field(description="Share of the message's content words the entry matched (0..1).")
    def coverage(self) -> float:
        return self.value.match.coverage

    @strawberry.field(description="False for a weak match: show it as such, never as the answer.")
    def fits_well(self) -> bool:
        return self.value.match.fits_well

    @strawberry.field(description="The entry's language.")
    def language(self) -> str:
        return self.value.match.language

    @strawberry.field(
        description="True when it is in the brand's primary language, not the customer's."
    )
    def is_fallback_language(self) -> bool:
        return self.value.match.is_fallback_language

    @strawberry.field(description="The entry's review date has passed: check before using it.")
    def is_stale(self) -> bool:
        return self.value.is_stale


@strawberry.type(description="Q&A suggestions for a conversation's newest customer message.")
class QnaSuggestions:
    suggestions: list[QnaSuggestion] = strawberry.field(
        description="Best first; approved versions only."
    )
    no_good_match: bool = strawberry.field(
        description="True when no suggestion fits well (or nothing matches): do not take a "
        "weak match for the answer."
    )
    language: str | None = strawberry.field(
        description="The message's language as detected; null: the brand's primary language "
        "was searched."
    )


def qna_suggestions(language: str | None, found: Sequence[QnaSuggestionValue]) -> QnaSuggestions:
    return QnaSuggestions(
        suggestions=[QnaSuggestion(value=item) for item in found],
        no_good_match=not any(item.match.fits_well for item in found),
        language=language,
    )


async def _entries(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await knowledge_loaders(context).entry.load_many(ids)
    return [None if entry is None else QnaEntry.from_model(entry) for entry in found]


async def _versions(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await knowledge_loaders(context).version.load_many(ids)
    return [None if version is None else QnaVersion.from_model(version) for version in found]


async def _tone_versions(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await knowledge_loaders(context).tone_version.load_many(ids)
    return [
        None if version is None else ToneGuidelineVersion.from_model(version) for version in found
    ]


register_node("QnaEntry", _entries)
register_node("QnaVersion", _versions)
register_node("ToneGuidelineVersion", _tone_versions)
