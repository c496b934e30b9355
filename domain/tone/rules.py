"""The tone check: a draft reply linted against its brand's tone guidelines.

Pure rules over plain values, per language (pl, ru, it, fa, en). Each finding
names what is wrong in words an agent understands and the span (character
offsets into the draft, end exclusive) it is about:

- `wrong_address_form`: a formal marker in a brand that writes informally, or
  the reverse ("napisz" / "Pan", «ты» / «Вы», "scrivici" / "Lei", «تو» / «شما»);
  in English, where "you" is both, the register the guideline asks for
  (no "Dear Sir/Madam", no slang); a lower-case «вы» where «Вы» is required;
- `banned_phrase`: a phrase of the brand's banned list, in any inflection,
  when its condition holds (an empty redirect, no time frame, no reference…);
- `empty_redirect`: a move to private messages with no reason, no data to
  send, no next step and no time frame;
- `emoji_policy`: emoji where the brand allows none, in a forbidden context,
  or more than the brand allows per reply;
- `missing_signature` / `duplicate_signature`: the signature the agent must
  add, or the one the system appends at send time typed by hand as well;
- `too_long`: over the brand's limit or the platform's (X counts weighted
  characters), keeping room for a signature the system appends;
- `missing_required_phrase`: a complaint reply without the apology or
  ownership phrase the brand requires, when it requires one.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from domain.knowledge.text import is_stop_word
from domain.tone.guidelines import (
    AddressForm,
    BannedCondition,
    BannedPhrase,
    EmojiPolicy,
    SignatureRule,
    ToneGuidelines,
    tone_guidelines_from_config,
)
from domain.tone.lexicon import ADDRESS, REDIRECT, AddressLexicon, RedirectLexicon
from domain.tone.matching import (
    Span,
    Token,
    find_patterns,
    find_phrase,
    is_sentence_start,
    matches_suffix_rule,
    sentences,
    tokenize,
    tokens_in,
)
from domain.tone.measure import (
    PLATFORM_LIMITS,
    PLATFORM_NAMES,
    counted_length,
    emoji_spans,
    first_index_over,
)

__all__ = [
    "AddressForm",
    "AddressMarker",
    "BannedCondition",
    "BannedPhrase",
    "EmojiPolicy",
    "Severity",
    "SignatureRule",
    "ToneFinding",
    "ToneFindingCode",
    "ToneGuidelines",
    "address_markers",
    "check_qna_answer",
    "check_tone",
    "tone_guidelines_from_config",
]

#: A banned "… (alone)" phrase is fine when the rest of the reply has this many meaningful words.
MIN_WORDS_BESIDES_PHRASE: Final = 5
# "Lei", "La", "Le" fused to an infinitive are formal object pronouns ("contattarLa").
_ITALIAN_ENCLITIC: Final = re.compile(r"^[a-zàèéìòù]{3,}(?:La|Le|Li)$")
_CLOCK_TIME: Final = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_QUOTED: Final = re.compile(r"„[^”“\"\n]*[”“\"]|«[^»\n]*»|“[^”\n]*”|\"[^\"\n]*\"")
# Categories the brand catalogue names differently in its emoji contexts.
_CONTEXT_ALIASES: Final = {"disruption": "outage"}


class ToneFindingCode(StrEnum):
    WRONG_ADDRESS_FORM = "wrong_address_form"
    BANNED_PHRASE = "banned_phrase"
    EMPTY_REDIRECT = "empty_redirect"
    EMOJI_POLICY = "emoji_policy"
    MISSING_SIGNATURE = "missing_signature"
    DUPLICATE_SIGNATURE = "duplicate_signature"
    TOO_LONG = "too_long"
    MISSING_REQUIRED_PHRASE = "missing_required_phrase"


class Severity(StrEnum):
    #: Must be fixed before sending.
    ERROR = "error"
    #: Worth a look; the check cannot be sure.
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class ToneFinding:
    """One problem in a draft: `start`/`end` are character offsets (end exclusive)."""

    code: ToneFindingCode
    message: str
    start: int
    end: int
    severity: Severity = Severity.ERROR


def check_tone(
    text: str,
    *,
    guidelines: ToneGuidelines,
    language: str,
    channel_kind: str | None,
    context_category: str | None,
    keep_signature_room: bool = True,
) -> tuple[ToneFinding, ...]:
    """Every finding for the draft `text`, ordered by position, then code.

    `language` is the draft's language (pl, ru, it, fa, en; other languages
    get only the checks that need no word lists); `channel_kind` the channel
    the reply goes to (`ChannelKind` values such as "x", for its length
    limit); `context_category` the conversation's triage category ("complaint",
    "outage", "praise"…) or None when unknown (context rules are then skipped).
    `keep_signature_room` keeps room in the length budget for a signature the
    system appends at send time (False for a text that is not sent as is).
    """
    tokens = tokenize(text, language)
    findings: list[ToneFinding] = []
    findings.extend(_address_form(text, tokens, language, guidelines))
    banned = list(_banned_phrases(text, tokens, language, guidelines))
    findings.extend(banned)
    findings.extend(
        _empty_redirects(
            text,
            tokens,
            language,
            guidelines,
            already_reported=[
                Span(finding.start, finding.end)
                for finding in banned
                if finding.severity is Severity.ERROR
            ],
        )
    )
    findings.extend(_emoji(text, guidelines.emoji, context_category))
    findings.extend(_signature(text, guidelines.signature))
    findings.extend(_length(text, guidelines, channel_kind, keep_signature_room))
    findings.extend(_required_phrases(text, tokens, language, guidelines, context_category))
    return tuple(sorted(findings, key=lambda finding: (finding.start, finding.code, finding.end)))


def check_qna_answer(
    answer: str, *, guidelines: ToneGuidelines, language: str
) -> tuple[ToneFinding, ...]:
    """The findings on a Q&A answer: the client's reference text, not yet a reply.

    The same checks as `check_tone`, with what a reply-to-be does not know
    left out: no channel (so no channel or platform length limit: those apply
    to the draft that uses the answer, when its channel is known), no triage
    context, and no room kept for a signature the system appends to the
    reply. The brand's `max_reply_chars` limits replies, not reference texts:
    an answer longer than it gets a `too_long` *warning* (whoever answers
    from it must shorten it; the reply's own check makes that an error), so
    an answer passes its brand's check when it has no error finding.
    An answer never carries the agent's signature (the reply does), so no
    `missing_signature`; a signature typed into it is still reported.
    """
    findings = check_tone(
        answer,
        guidelines=guidelines,
        language=language,
        channel_kind=None,
        context_category=None,
        keep_signature_room=False,
    )
    return tuple(
        replace(finding, severity=Severity.WARNING)
        if finding.code is ToneFindingCode.TOO_LONG
        else finding
        for finding in findings
        if finding.code is not ToneFindingCode.MISSING_SIGNATURE
    )


# --- form of address -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressMarker:
    """A word (or words) of a draft that shows a form of address; offsets as in findings."""

    form: AddressForm
    start: int
    end: int


def address_markers(text: str, language: str) -> tuple[AddressMarker, ...]:
    """The formal and informal markers in `text`, in order (quoted text left out).

    In English "formal" marks letter formulas ("Dear Sir/Madam") and "informal"
    slang, since "you" is both. Unsupported languages have none.
    """
    lexicon = ADDRESS.get(language)
    if lexicon is None:
        return ()
    tokens = _unquoted(text, tokenize(text, language))
    markers = [
        AddressMarker(AddressForm.FORMAL, span.start, span.end)
        for span in (
            _outermost(_pattern_spans(lexicon.formal, tokens))
            if language == "en"
            else _formal_markers(text, tokens, lexicon)
        )
    ]
    markers.extend(
        AddressMarker(AddressForm.INFORMAL, span.start, span.end)
        for span in (
            _outermost(_pattern_spans(lexicon.informal, tokens))
            if language == "en"
            else _informal_markers(tokens, lexicon)
        )
    )
    return tuple(sorted(markers, key=lambda marker: (marker.start, marker.end)))


def _address_form(
    text: str, tokens: Sequence[Token], language: str, guidelines: ToneGuidelines
) -> Iterable[ToneFinding]:
    lexicon = ADDRESS.get(language)
    form = guidelines.address_form
    if lexicon is None or form is None:
        return
    tokens = _unquoted(text, tokens)
    if language == "en":
        yield from _english_register(text, tokens, lexicon, form)
        return
    if form is AddressForm.FORMAL:
        for span in _informal_markers(tokens, lexicon):
            word = text[span.start : span.end]
            yield _finding(
                ToneFindingCode.WRONG_ADDRESS_FORM,
                f"“{word}” addresses the customer informally; this brand writes formally: "
                f"use {lexicon.formal_hint}.",
                span,
            )
        if guidelines.capitalized_formal_pronoun:
            for token in tokens:
                if token.normal in lexicon.capitalizable and token.text[0].islower():
                    yield _finding(
                        ToneFindingCode.WRONG_ADDRESS_FORM,
                        f"“{token.text}”: this brand capitalises the formal pronoun when "
                        f"addressing one customer (“{token.text.capitalize()}”).",
                        Span(token.start, token.end),
                        Severity.WARNING,
                    )
    else:
        for span in _formal_markers(text, tokens, lexicon):
            word = text[span.start : span.end]
            yield _finding(
                ToneFindingCode.WRONG_ADDRESS_FORM,
                f"“{word}” is the formal form of address; this brand addresses customers "
                f"informally: use {lexicon.informal_hint}.",
                span,
            )


def _informal_markers(tokens: Sequence[Token], lexicon: AddressLexicon) -> list[Span]:
    spans = _pattern_spans(lexicon.informal, tokens)
    spans.update(
        Span(token.start, token.end)
        for token in tokens
        if any(matches_suffix_rule(rule, token.normal) for rule in lexicon.informal_suffixes)
    )
    return _outermost(spans)


def _formal_markers(text: str, tokens: Sequence[Token], lexicon: AddressLexicon) -> list[Span]:
    spans = _pattern_spans(lexicon.formal, tokens)
    if lexicon.formal_when_capitalized:
        for token in tokens:
            capitalized = token.text[0].isupper() and token.text[1:].islower()
            if (
                token.normal in lexicon.formal_when_capitalized
                and capitalized
                and not is_sentence_start(text, token.start)
            ) or _ITALIAN_ENCLITIC.match(token.text):
                spans.add(Span(token.start, token.end))
    spans.update(
        Span(token.start, token.end)
        for token in tokens
        if any(matches_suffix_rule(rule, token.normal) for rule in lexicon.formal_suffixes)
    )
    return _outermost(spans)


def _english_register(
    text: str, tokens: Sequence[Token], lexicon: AddressLexicon, form: AddressForm
) -> Iterable[ToneFinding]:
    if form in (AddressForm.INFORMAL, AddressForm.INFORMAL_PROFESSIONAL):
        for span in _outermost(_pattern_spans(lexicon.formal, tokens)):
            yield _finding(
                ToneFindingCode.WRONG_ADDRESS_FORM,
                f"“{text[span.start : span.end]}” is a stiff letter formula; this brand "
                "addresses customers as “you”, by first name when known.",
                span,
            )
    if form in (AddressForm.FORMAL, AddressForm.INFORMAL_PROFESSIONAL):
        for span in _outermost(_pattern_spans(lexicon.informal, tokens)):
            yield _finding(
                ToneFindingCode.WRONG_ADDRESS_FORM,
                f"“{text[span.start : span.end]}” is slang or text-speak; this brand's "
                "replies stay professional.",
                span,
            )


# --- banned phrases and empty redirects ------------------------------------------------------


def _banned_phrases(
    text: str, tokens: Sequence[Token], language: str, guidelines: ToneGuidelines
) -> Iterable[ToneFinding]:
    for banned in guidelines.banned_phrases:
        for span in find_phrase(banned.phrase, tokens, language):
            finding = _banned_finding(text, tokens, language, guidelines, banned, span)
            if finding is not None:
                yield finding


def _banned_finding(
    text: str,
    tokens: Sequence[Token],
    language: str,
    guidelines: ToneGuidelines,
    banned: BannedPhrase,
    span: Span,
) -> ToneFinding | None:
    quoted = f"“{text[span.start : span.end]}”"
    listed = f"“{banned.phrase}”"
    condition = banned.condition
    if condition is BannedCondition.ALWAYS:
        return _finding(
            ToneFindingCode.BANNED_PHRASE,
            f"{quoted} is on this brand's list of banned phrases ({listed}).",
            span,
        )
    if condition is BannedCondition.WITHOUT_SUBSTANCE:
        window = _sentence_window(text, span)
        if _has_substance(text, tokens_in(tokens, window), language):
            return None
        return _finding(
            ToneFindingCode.BANNED_PHRASE,
            f"{quoted} is banned here: the reply does not say why or what to send "
            f"(guideline: {banned.note})." + _rule_hint(guidelines.redirect_rule),
            span,
        )
    if condition is BannedCondition.WITHOUT_TIMEFRAME:
        if _has_timeframe(text, tokens, language):
            return None
        return _finding(
            ToneFindingCode.BANNED_PHRASE,
            f"{quoted} is banned without a time frame ({banned.note}): say by when.",
            span,
        )
    if condition is BannedCondition.WITHOUT_REFERENCE:
        if _has_reference(text, tokens, language):
            return None
        return _finding(
            ToneFindingCode.BANNED_PHRASE,
            f"{quoted} is banned without a reference ({banned.note}): cite the clause or "
            "give the number.",
            span,
        )
    if condition is BannedCondition.ALONE:
        others = [
            token
            for token in tokens
            if not span.start <= token.start < span.end
            and not is_stop_word(token.text, language)
            and len(token.normal) > 1
        ]
        if len(others) >= MIN_WORDS_BESIDES_PHRASE:
            return None
        return _finding(
            ToneFindingCode.BANNED_PHRASE,
            f"{quoted} is banned as the whole reply ({banned.note}): add the answer itself.",
            span,
        )
    return _finding(
        ToneFindingCode.BANNED_PHRASE,
        f"{quoted} is banned in one case ({banned.note or 'see the guidelines'}): "
        "check that it does not apply here.",
        span,
        Severity.WARNING,
    )


def _empty_redirects(
    text: str,
    tokens: Sequence[Token],
    language: str,
    guidelines: ToneGuidelines,
    *,
    already_reported: Sequence[Span],
) -> Iterable[ToneFinding]:
    lexicon = REDIRECT.get(language)
    if lexicon is None:
        return
    for sentence in sentences(text):
        sentence_tokens = tokens_in(tokens, sentence)
        if not find_patterns(lexicon.redirect, sentence_tokens):
            continue
        if any(sentence.overlaps(span) for span in already_reported):
            continue
        window = _sentence_window(text, sentence)
        if _has_substance(text, tokens_in(tokens, window), language):
            continue
        yield _finding(
            ToneFindingCode.EMPTY_REDIRECT,
            "This moves the customer to private messages without saying why, what to send "
            "or what happens next: add the reason and the data you need."
            + _rule_hint(guidelines.redirect_rule),
            sentence,
        )


def _sentence_window(text: str, span: Span) -> Span:
    """The sentences around `span`: the one before, the ones it touches and the one after."""
    spans = sentences(text)
    touched = [index for index, sentence in enumerate(spans) if sentence.overlaps(span)]
    if not touched:
        return span
    first = max(touched[0] - 1, 0)
    last = min(touched[-1] + 1, len(spans) - 1)
    return Span(spans[first].start, spans[last].end)


def _has_substance(text: str, tokens: Sequence[Token], language: str) -> bool:
    """A reason, data to send, a next step or a time frame among `tokens`."""
    lexicon = REDIRECT.get(language)
    if lexicon is None:
        return True
    if find_patterns(lexicon.reason, tokens) or find_patterns(lexicon.data, tokens):
        return True
    if find_patterns(lexicon.next_step_phrases, tokens) or _has_next_step(tokens, lexicon):
        return True
    if not tokens:
        return False
    return _has_timeframe(text[tokens[0].start : tokens[-1].end], tokens, language)


def _has_next_step(tokens: Sequence[Token], lexicon: RedirectLexicon) -> bool:
    return any(
        matches_suffix_rule(rule, token.folded)
        and (
            not lexicon.next_step_stems
            or any(token.folded.startswith(stem) for stem in lexicon.next_step_stems)
        )
        for token in tokens
        for rule in lexicon.next_step_endings
    )


def _has_timeframe(text: str, tokens: Sequence[Token], language: str) -> bool:
    lexicon = REDIRECT.get(language)
    if _CLOCK_TIME.search(text):
        return True
    if lexicon is None:
        return False
    if find_patterns(lexicon.relative_days, tokens):
        return True
    units = [f"# {unit}" for unit in lexicon.time_units]
    units += [f"# # {unit}" for unit in lexicon.time_units]  # "3 5 dni" from "3–5 dni"
    units += [f"# * {unit}" for unit in lexicon.time_units]  # "2 working days", "48 godzin"
    return bool(find_patterns(units, tokens))


def _has_reference(text: str, tokens: Sequence[Token], language: str) -> bool:
    if "§" in text or "№" in text:
        return True
    lexicon = REDIRECT.get(language)
    if lexicon is None:
        return False
    for _, last in find_patterns(lexicon.reference, tokens):
        following = tokens[last : last + 3]
        if any(any(character.isdigit() for character in token.text) for token in following):
            return True
    return False


# --- emoji, signature, length, required phrases ----------------------------------------------


def _emoji(text: str, policy: EmojiPolicy, context: str | None) -> Iterable[ToneFinding]:
    spans = emoji_spans(text)
    if not spans:
        return
    if not policy.allowed:
        for span in spans:
            yield _finding(
                ToneFindingCode.EMOJI_POLICY, "This brand uses no emoji in its replies.", span
            )
        return
    if context is not None:
        forbidden = next((c for c in policy.forbidden_contexts if _same_context(c, context)), None)
        allowed = not policy.allowed_contexts or any(
            _same_context(c, context) for c in policy.allowed_contexts
        )
        if forbidden is not None or not allowed:
            message = (
                f"This brand uses no emoji in “{forbidden}” conversations."
                if forbidden is not None
                else "This brand uses emoji only in "
                + ", ".join(f"“{name}”" for name in policy.allowed_contexts)
                + f" conversations; this one is “{context}”."
            )
            for span in spans:
                yield _finding(ToneFindingCode.EMOJI_POLICY, message, span)
            return
    if policy.max_per_reply is not None and len(spans) > policy.max_per_reply:
        for span in spans[policy.max_per_reply :]:
            yield _finding(
                ToneFindingCode.EMOJI_POLICY,
                f"{len(spans)} emoji in this reply; this brand uses at most "
                f"{policy.max_per_reply}.",
                span,
            )


def _same_context(policy_context: str, category: str) -> bool:
    """True when a context named in the policy covers the conversation's category.

    The catalogue words contexts freely ("legal_compliance escalations",
    "legal", "disruption"): a name covers the category when it is the
    category, starts with it, or is its first part.
    """
    wanted = _context_key(category)
    named = _context_key(policy_context)
    named = _CONTEXT_ALIASES.get(named, named)
    return wanted == named or named.startswith(wanted + "_") or wanted.startswith(named + "_")


def _context_key(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").replace("_", " ").split())


def _signature(text: str, rule: SignatureRule | None) -> Iterable[ToneFinding]:
    if rule is None:
        return
    found = _signature_pattern(rule.format).search(text)
    shown = rule.example or rule.format
    if rule.appended_by_system:
        if found is not None:
            yield _finding(
                ToneFindingCode.DUPLICATE_SIGNATURE,
                f"The system appends the signature (“{shown}”) when sending: remove it from "
                "the draft.",
                Span(found.start(), found.end()),
                Severity.WARNING,
            )
    elif found is None:
        end = len(text.rstrip())
        yield _finding(
            ToneFindingCode.MISSING_SIGNATURE,
            f"Replies of this brand end with the agent's signature, like “{shown}”: add it.",
            Span(end, end),
        )


def _signature_pattern(signature_format: str) -> re.Pattern[str]:
    """The signature as a pattern anchored at the end of a draft; placeholders match a name."""
    parts: list[str] = []
    for piece in re.split(r"(\{[^{}]*\})", signature_format.strip()):
        if piece.startswith("{") and piece.endswith("}"):
            parts.append(r"[^\s,،]+(?:[ \t][^\s,،]+)?")
            continue
        for character in piece:
            if character.isspace():
                parts.append(r"\s*")
            elif character in "-–—":
                parts.append("[-–—]")
            elif character in ",،":
                parts.append("[,،]")
            else:
                parts.append(re.escape(character))
    return re.compile(r"(?:^|(?<=\s))" + "".join(parts) + r"\s*\Z")


def _length(
    text: str, guidelines: ToneGuidelines, channel_kind: str | None, keep_signature_room: bool
) -> Iterable[ToneFinding]:
    limits: list[tuple[int, str]] = []
    if guidelines.max_reply_chars is not None:
        limits.append((guidelines.max_reply_chars, "this brand's replies"))
    if channel_kind is not None:
        if channel_kind in guidelines.channel_max_chars:
            limits.append(
                (
                    guidelines.channel_max_chars[channel_kind],
                    f"this brand's replies on {channel_kind}",
                )
            )
        if channel_kind in PLATFORM_LIMITS:
            limits.append(
                (
                    PLATFORM_LIMITS[channel_kind],
                    f"{PLATFORM_NAMES.get(channel_kind, channel_kind)} replies",
                )
            )
    if not limits:
        return
    limit, holder = min(limits)
    signature = guidelines.signature
    reserve = 0
    if keep_signature_room and signature is not None and signature.appended_by_system:
        reserve = len(signature.example or signature.format) + 1  # and a line break
    budget = max(limit - reserve, 0)
    length, reached = counted_length(text.rstrip(), channel_kind)
    if length <= budget:
        return
    unit = (
        "weighted characters (X counts links as 23, emoji as 2)"
        if channel_kind == "x"
        else "characters"
    )
    room = f", {reserve} of them kept for the signature the system appends" if reserve else ""
    yield _finding(
        ToneFindingCode.TOO_LONG,
        f"{length} {unit}; the limit for {holder} is {limit}{room}: "
        f"shorten it by {length - budget}.",
        Span(first_index_over(reached, budget), len(text.rstrip())),
    )


def _required_phrases(
    text: str,
    tokens: Sequence[Token],
    language: str,
    guidelines: ToneGuidelines,
    context: str | None,
) -> Iterable[ToneFinding]:
    required = guidelines.complaint_required_phrases
    if not required or context is None or _context_key(context) != "complaint":
        return
    if any(find_phrase(phrase, tokens, language) for phrase in required):
        return
    listed = "; ".join(f"“{phrase}”" for phrase in required)
    yield _finding(
        ToneFindingCode.MISSING_REQUIRED_PHRASE,
        f"Replies to complaints of this brand include an apology or ownership phrase: {listed}.",
        Span(0, 0),
        Severity.WARNING,
    )


# --- small pieces ------------------------------------------------------------------------------


def _finding(
    code: ToneFindingCode, message: str, span: Span, severity: Severity = Severity.ERROR
) -> ToneFinding:
    return ToneFinding(
        code=code, message=message, start=span.start, end=span.end, severity=severity
    )


def _unquoted(text: str, tokens: Sequence[Token]) -> list[Token]:
    """`tokens` outside quotation marks: quoted text is a label or a citation
    ("zakładka „Zgłoś szkodę”"), not how the reply addresses anyone."""
    quoted = [Span(match.start(), match.end()) for match in _QUOTED.finditer(text)]
    return [token for token in tokens if not any(q.start <= token.start < q.end for q in quoted)]


def _pattern_spans(patterns: Sequence[str], tokens: Sequence[Token]) -> set[Span]:
    return {
        Span(tokens[first].start, tokens[last - 1].end)
        for first, last in find_patterns(patterns, tokens)
    }


def _outermost(spans: Iterable[Span]) -> list[Span]:
    """`spans` in order without those inside another (one finding per marked stretch)."""
    ordered = sorted(set(spans), key=lambda span: (span.start, -span.end))
    kept: list[Span] = []
    for span in ordered:
        if kept and span.start >= kept[-1].start and span.end <= kept[-1].end:
            continue
        kept.append(span)
    return kept


def _rule_hint(rule: str) -> str:
    return f" Brand rule: {rule}" if rule else ""
