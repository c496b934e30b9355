"""Labelled mentions: the seed examples shipped with the product and evaluation files.

The seed examples (``data/seed_mentions.jsonl``: 400 mentions of the five demo brands,
labelled by the dataset's annotation guide, summarised in ``docs/triage.md``) are what
the classifier learns from at start-up. ``data/seed_embeddings.npy`` holds their sentence
embeddings so that start-up does not have to embed them again;
``data/seed_embeddings.json`` records the digest of the texts they were computed from,
and stale embeddings are ignored.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "SEED_EMBEDDINGS_FILE",
    "SEED_MENTIONS_FILE",
    "LabelledMention",
    "MentionInput",
    "load_labelled_mentions",
    "load_seed_embeddings",
    "parse_mention",
    "texts_digest",
    "write_seed_embeddings",
]

_DATA = Path(__file__).resolve().parent / "data"
SEED_MENTIONS_FILE = _DATA / "seed_mentions.jsonl"
SEED_EMBEDDINGS_FILE = _DATA / "seed_embeddings.npy"
_SEED_EMBEDDINGS_MANIFEST = _DATA / "seed_embeddings.json"


@dataclass(frozen=True, slots=True)
class MentionInput:
    """A mention as triage sees it: plain values, no database identity.

    ``kind`` is post, comment, reply, dm or review; ``channel_kind`` the platform
    (facebook, x, telegram…); ``posted_at`` is timezone-aware when known;
    ``channel_id`` is the stored channel's id, when there is one (events of a brand's
    calendar may concern only some channels).
    """

    id: str
    brand: str
    channel_kind: str
    kind: str
    text: str
    author_handle: str | None = None
    posted_at: datetime | None = None
    thread_key: str | None = None
    channel_id: str | None = None

    @property
    def is_private(self) -> bool:
        return self.kind == "dm"


@dataclass(frozen=True, slots=True)
class LabelledMention:
    """A mention with its reference labels (the dataset's ``labels`` object) and, for
    outage bursts, the reference ``incident_key``."""

    mention: MentionInput
    labels: Mapping[str, Any] = field(default_factory=dict)
    incident_key: str | None = None


def parse_mention(raw: Mapping[str, Any]) -> MentionInput:
    """A `MentionInput` from a JSON object; raises ``ValueError`` naming the bad field."""
    values: dict[str, str] = {}
    for name in ("id", "brand", "channel_kind", "kind", "text"):
        value = raw.get(name)
        if not isinstance(value, str):
            raise ValueError(f"field '{name}' must be a string")
        values[name] = value
    posted_at = raw.get("posted_at")
    parsed_time: datetime | None = None
    if isinstance(posted_at, str) and posted_at:
        try:
            parsed_time = datetime.fromisoformat(posted_at)
        except ValueError as error:
            raise ValueError("field 'posted_at' must be an ISO 8601 timestamp") from error
        if parsed_time.tzinfo is None:
            raise ValueError("field 'posted_at' must carry a UTC offset")
    author = raw.get("author_handle")
    thread = raw.get("thread_key")
    return MentionInput(
        id=values["id"],
        brand=values["brand"],
        channel_kind=values["channel_kind"],
        kind=values["kind"],
        text=values["text"],
        author_handle=author if isinstance(author, str) else None,
        posted_at=parsed_time,
        thread_key=thread if isinstance(thread, str) else None,
    )


def load_labelled_mentions(path: Path = SEED_MENTIONS_FILE) -> tuple[LabelledMention, ...]:
    """Every mention of a JSONL file with its labels (empty labels when it has none)."""
    mentions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        labels = raw.get("labels")
        incident = raw.get("incident_key")
        mentions.append(
            LabelledMention(
                mention=parse_mention(raw),
                labels=labels if isinstance(labels, Mapping) else {},
                incident_key=incident if isinstance(incident, str) else None,
            )
        )
    return tuple(mentions)


def texts_digest(texts: Iterable[str]) -> str:
    """A digest identifying an ordered list of texts."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def load_seed_embeddings(texts: Sequence[str]) -> NDArray[np.float32] | None:
    """The shipped embeddings of ``texts`` (the seed texts, in order), or None when the
    shipped file was computed from other texts or is missing."""
    if not SEED_EMBEDDINGS_FILE.exists() or not _SEED_EMBEDDINGS_MANIFEST.exists():
        return None
    manifest = json.loads(_SEED_EMBEDDINGS_MANIFEST.read_text(encoding="utf-8"))
    if manifest.get("texts_sha256") != texts_digest(texts):
        return None
    embeddings = np.load(SEED_EMBEDDINGS_FILE, allow_pickle=False)
    if embeddings.shape[0] != len(texts):
        return None
    return np.asarray(embeddings, dtype=np.float32)


def write_seed_embeddings(texts: Sequence[str], embeddings: NDArray[np.float32]) -> None:
    """Store ``embeddings`` of the seed ``texts`` (float16, a few hundred KB)."""
    np.save(SEED_EMBEDDINGS_FILE, embeddings.astype(np.float16), allow_pickle=False)
    _SEED_EMBEDDINGS_MANIFEST.write_text(
        json.dumps(
            {"texts_sha256": texts_digest(texts), "rows": len(texts), "model": "e5-small-q4"},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
