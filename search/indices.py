"""OpenSearch names, index templates and analysers of Parley's logical indices.

A logical index (`mentions`, `qna`) is reached through an alias
`<prefix>-<index>` that points at a concrete index `<prefix>-<index>-v<N>`.
Settings and mappings live in an index template matching `<prefix>-<index>-*`,
so a reindex creates `-v<N+1>` from the template and moves the alias.
"""

import re
from typing import Any, Final

from search.documents import require_logical_index

INDEX_VERSION: Final = 1

# Sub-fields of `text`, one per language the built-in analysers cover. Polish
# has no built-in stemmer: folding diacritics at least lets `zolty` find `żółty`.
LANGUAGE_ANALYZERS: Final = {
    "en": "english",
    "ru": "russian",
    "it": "italian",
    "fa": "persian",
    "pl": "parley_polish",
}
SEARCH_FIELDS: Final = ("text", *(f"text.{language}" for language in LANGUAGE_ANALYZERS))

# Date-valued entries of a document's `fields`, per logical index.
DATE_FIELDS: Final[dict[str, tuple[str, ...]]] = {"mentions": ("posted_at",), "qna": ()}

_PREFIX = re.compile(r"[a-z0-9][a-z0-9_-]*")


def validate_prefix(prefix: str) -> str:
    """Return `prefix` when it can start an OpenSearch index name, else raise ValueError."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"invalid search index prefix {prefix!r}: lowercase letters, digits, '-' and '_'"
        )
    return prefix


def alias_name(prefix: str, index: str) -> str:
    """The alias every read and write of a logical index goes through."""
    return f"{prefix}-{require_logical_index(index)}"


def concrete_index_name(prefix: str, index: str, version: int = INDEX_VERSION) -> str:
    return f"{alias_name(prefix, index)}-v{version}"


def index_version_number(prefix: str, index: str, name: str) -> int | None:
    """N when `name` is the concrete index `<prefix>-<index>-v<N>`, else None."""
    match = re.fullmatch(re.escape(alias_name(prefix, index)) + r"-v([1-9][0-9]*)", name)
    return int(match.group(1)) if match else None


def template_name(prefix: str, index: str) -> str:
    return f"{alias_name(prefix, index)}-template"


def index_template(prefix: str, index: str) -> dict[str, Any]:
    """The body of the index template for one logical index."""
    return {
        "index_patterns": [f"{alias_name(prefix, index)}-*"],
        "priority": 100,
        "version": INDEX_VERSION,
        "template": {"settings": _settings(), "mappings": _mappings(index)},
        "_meta": {"managed_by": "parley", "logical_index": index},
    }


def _settings() -> dict[str, Any]:
    return {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": {
            "analyzer": {
                "parley_polish": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding"],
                }
            }
        },
    }


def _mappings(index: str) -> dict[str, Any]:
    keyword = {"type": "keyword", "ignore_above": 1024}
    # Anything under `fields` that is a scalar is an exact-match keyword
    # (numbers and booleans too, so a filter value "5" or "true" matches);
    # objects stay objects.
    field_templates = [
        {
            f"fields_{kind}": {
                "path_match": "fields.*",
                "match_mapping_type": kind,
                "mapping": keyword,
            }
        }
        for kind in ("string", "long", "double", "boolean")
    ]
    return {
        # Unknown top-level fields are kept in `_source` but not indexed.
        "dynamic": False,
        "date_detection": False,
        "dynamic_templates": field_templates,
        # Every write and read must name the tenant's routing value.
        "_routing": {"required": True},
        "properties": {
            "doc_id": {"type": "keyword"},
            "tenant_id": {"type": "keyword"},
            "brand_id": {"type": "keyword"},
            "text": {
                "type": "text",
                "analyzer": "standard",
                "fields": {
                    language: {"type": "text", "analyzer": analyzer}
                    for language, analyzer in LANGUAGE_ANALYZERS.items()
                },
            },
            "fields": {
                "type": "object",
                "dynamic": True,
                "properties": {name: {"type": "date"} for name in DATE_FIELDS[index]},
            },
        },
    }
