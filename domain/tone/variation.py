"""The variation check: a draft that repeats the brand's recent replies almost word for word.

Replies must not read as a script. Texts are compared as sets of character
shingles (five-character windows) of their normalised form: case, diacritics,
punctuation and spacing are ignored and every number counts as the same number,
so the same scripted sentence with another name and amount in it stays close
to its original. Similarity is the Sørensen–Dice coefficient of the two sets
(2·|A ∩ B| / (|A| + |B|)): a reply that only swaps the customer's name scores
about 0.92, two different Q&A answers of one brand at most about 0.31. Pure
and fast: a few hundred replies of a few hundred characters take milliseconds.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from domain.knowledge.text import fold, normalize

DEFAULT_THRESHOLD: Final = 0.85
DEFAULT_WINDOW: Final = timedelta(days=7)
#: Drafts shorter than this (normalised) are acknowledgements; repeating them is fine.
MIN_COMPARED_CHARS: Final = 40
SHINGLE_SIZE: Final = 5

_NOT_WORD: Final = re.compile(r"[\W_]+")
_NUMBER: Final = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class RecentReply:
    """A reply the brand sent (any channel, any agent)."""

    id: str
    text: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class SimilarReply:
    """A recent reply the draft nearly repeats; `similarity` is between 0 and 1."""

    reply_id: str
    similarity: float
    sent_at: datetime


def similar_recent_replies(
    draft: str,
    recent_replies: Iterable[RecentReply],
    *,
    now: datetime,
    threshold: float = DEFAULT_THRESHOLD,
    window: timedelta = DEFAULT_WINDOW,
) -> tuple[SimilarReply, ...]:
    """The replies sent in the `window` before `now` that are at least `threshold` similar.

    Most similar first, then most recent. A draft shorter than
    `MIN_COMPARED_CHARS` once normalised is never reported. Raises ValueError
    for a threshold outside (0, 1].
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"similarity threshold must be in (0, 1], got {threshold}")
    draft_shingles = shingles(draft)
    if not draft_shingles:
        return ()
    since = now - window
    similar = [
        SimilarReply(reply_id=reply.id, similarity=round(similarity, 4), sent_at=reply.sent_at)
        for reply in recent_replies
        if since <= reply.sent_at <= now
        and (similarity := dice(draft_shingles, shingles(reply.text))) >= threshold
    ]
    return tuple(sorted(similar, key=lambda reply: (-reply.similarity, -reply.sent_at.timestamp())))


def shingles(text: str) -> frozenset[str]:
    """The text's character shingles; empty when it is shorter than `MIN_COMPARED_CHARS`."""
    plain = _NUMBER.sub("0", _NOT_WORD.sub(" ", fold(normalize(text)))).strip()
    if len(plain) < MIN_COMPARED_CHARS:
        return frozenset()
    return frozenset(
        plain[index : index + SHINGLE_SIZE] for index in range(len(plain) - SHINGLE_SIZE + 1)
    )


def dice(first: frozenset[str], second: frozenset[str]) -> float:
    """2·|A ∩ B| / (|A| + |B|); 0 when either set is empty."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))
