"""Inputs of the knowledge area's queries and mutations."""

import strawberry

from domain.approvals.rules import VersionState
from domain.tone.guidelines import AddressForm


@strawberry.input(description="Narrow a list of Q&A entries; every criterion given must hold.")
class QnaEntryFilter:
    brand_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this brand's entries."
    )
    language: str | None = strawberry.field(default=None, description="ISO 639-1 code.")
    status: VersionState | None = strawberry.field(
        default=None, description="The state of the newest version."
    )
    text: str | None = strawberry.field(
        default=None,
        description="Case-insensitive substring of the key, product, or newest version's "
        "questions or answer.",
    )
    stale: bool | None = strawberry.field(
        default=None, description="True: only entries past their review date; false: only others."
    )


@strawberry.input(description="A new Q&A entry; its first version is a draft.")
class QnaEntryCreateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    external_key: str = strawberry.field(description="The entry's key, unique in the brand.")
    language: str = strawberry.field(description="ISO 639-1 code: pl, ru, it, fa or en.")
    question_variants: list[str] = strawberry.field(description="Ways customers ask it.")
    answer: str = strawberry.field(description="The official answer.")
    product: str = strawberry.field(default="", description="The product it is about.")
    tags: list[str] = strawberry.field(default_factory=list, description="Free-form tags.")


@strawberry.input(description="A new draft version of an entry.")
class QnaEntryUpdateInput:
    entry_id: strawberry.ID = strawberry.field(description="The entry.")
    question_variants: list[str] = strawberry.field(description="Ways customers ask it.")
    answer: str = strawberry.field(description="The official answer.")
    product: str | None = strawberry.field(default=None, description="Null: unchanged.")
    tags: list[str] | None = strawberry.field(default=None, description="Null: unchanged.")


@strawberry.input(description="A Q&A version to send to the brand's approvers.")
class QnaVersionSubmitInput:
    version_id: strawberry.ID = strawberry.field(description="A draft or sent-back version.")


@strawberry.input(description="A Q&A entry to retire.")
class QnaEntryRetireInput:
    entry_id: strawberry.ID = strawberry.field(description="The entry.")


@strawberry.input(description="Emoji rules of a tone guideline.")
class EmojiPolicyInput:
    allowed: bool = strawberry.field(default=True, description="False: no emoji at all.")
    max_per_reply: int | None = strawberry.field(default=None, description="Null: no cap.")
    allowed_contexts: list[str] = strawberry.field(
        default_factory=list, description="Triage categories where emoji are welcome."
    )
    forbidden_contexts: list[str] = strawberry.field(
        default_factory=list, description="Triage categories where emoji are never used."
    )


@strawberry.input(description="How replies are signed.")
class SignatureRuleInput:
    format: str = strawberry.field(description='With placeholders, e.g. "^{initials}".')
    example: str = strawberry.field(default="", description="An example signature.")
    appended_by_system: bool = strawberry.field(
        default=False, description="True: the system appends it at send time."
    )


@strawberry.input(description="A stricter reply length for one channel kind.")
class ChannelLengthLimitInput:
    channel_kind: str = strawberry.field(description="The channel kind, e.g. review_site.")
    max_chars: int = strawberry.field(description="The longest reply, in characters.")


@strawberry.input(
    description="A new draft version of a brand's tone guidelines in one language: the "
    "newest version (or the guidelines in force) with the fields given replaced; null "
    "fields stay as they are."
)
class ToneGuidelineUpdateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    language: str = strawberry.field(description="ISO 639-1 code: pl, ru, it, fa or en.")
    form_of_address: AddressForm | None = strawberry.field(default=None, description="Form.")
    address_form_rules: str | None = strawberry.field(
        default=None, description="The guideline's own words on addressing customers."
    )
    capitalized_formal_pronoun: bool | None = strawberry.field(
        default=None, description="Formal pronouns are capitalised («Вы»)."
    )
    banned_phrases: list[str] | None = strawberry.field(
        default=None,
        description="Phrases never to use; a trailing parenthesis states the condition, "
        'e.g. "Write to us in a DM (without saying why)".',
    )
    redirect_rule: str | None = strawberry.field(
        default=None, description="The rule on moving customers to private messages."
    )
    emoji_policy: EmojiPolicyInput | None = strawberry.field(default=None, description="Emoji.")
    signature: SignatureRuleInput | None = strawberry.field(
        default=None, description="How replies are signed."
    )
    max_reply_chars: int | None = strawberry.field(
        default=None, description="The longest reply on any channel."
    )
    channel_length_limits: list[ChannelLengthLimitInput] | None = strawberry.field(
        default=None, description="Stricter lengths for some channel kinds."
    )
    complaint_required_phrases: list[str] | None = strawberry.field(
        default=None, description="Apology or ownership phrasing complaint replies need."
    )


@strawberry.input(description="A tone guideline version to send to the brand's approvers.")
class ToneGuidelineSubmitInput:
    version_id: strawberry.ID = strawberry.field(description="A draft or sent-back version.")


@strawberry.input(description="A draft reply to check against the brand's tone guidelines.")
class ToneCheckInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    text: str = strawberry.field(description="The draft (at most 10,000 characters).")
    language: str | None = strawberry.field(
        default=None, description="The draft's language; null: the brand's primary language."
    )
    channel_kind: str | None = strawberry.field(
        default=None, description="Where it goes (facebook_page, x, …), for length limits."
    )
    context_category: str | None = strawberry.field(
        default=None, description="The conversation's triage category, for the emoji policy."
    )


def tone_changes(given: ToneGuidelineUpdateInput) -> dict[str, object]:
    """The config keys (the brand catalogue's `tone_guidelines` shape) the input sets."""
    changes: dict[str, object] = {}
    if given.form_of_address is not None:
        changes["address_form"] = AddressForm(given.form_of_address).value
    if given.address_form_rules is not None:
        changes["address_form_rules"] = given.address_form_rules
    if given.capitalized_formal_pronoun is not None:
        changes["capitalized_formal_pronoun"] = given.capitalized_formal_pronoun
    if given.banned_phrases is not None:
        changes["banned_phrases"] = list(given.banned_phrases)
    if given.redirect_rule is not None:
        changes["redirect_rule"] = given.redirect_rule
    if given.emoji_policy is not None:
        emoji = given.emoji_policy
        changes["emoji_policy"] = {
            "allowed": emoji.allowed,
            "max_per_reply": emoji.max_per_reply,
            "allowed_contexts": list(emoji.allowed_contexts),
            "forbidden_contexts": list(emoji.forbidden_contexts),
        }
    if given.signature is not None:
        changes["signature"] = {
            "format": given.signature.format,
            "example": given.signature.example,
            "appended_by_system": given.signature.appended_by_system,
        }
    if given.max_reply_chars is not None:
        changes["max_reply_chars"] = given.max_reply_chars
    if given.channel_length_limits is not None:
        changes["channel_max_chars"] = {
            limit.channel_kind: limit.max_chars for limit in given.channel_length_limits
        }
    if given.complaint_required_phrases is not None:
        changes["complaint_required_phrases"] = list(given.complaint_required_phrases)
    return changes
