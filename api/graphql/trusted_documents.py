"""Trusted documents: the only operations a locked-down API runs.

The registry is `frontend_contract/operations/*.graphql`. A document is the
exact text of one file (UTF-8, comments included) and its id is the SHA-256
of those bytes in lowercase hex. A client names it in one of two ways:

* `{"documentId": "sha256:<hex>"}` (the GraphQL-over-HTTP trusted documents
  form; the bare hex is accepted too), or
* `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}`
  (Apollo's persisted-query form).

It may send the text as `query` as well, but then it must be the registered
text. Unknown ids are refused with `PERSISTED_QUERY_NOT_FOUND`; requests with
only a free-form `query` with `TRUSTED_DOCUMENTS_ONLY`. Registering at run
time (Apollo's automatic persisted queries) is deliberately not supported.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

#: Where the registered operations live, beside the code in a source checkout.
DEFAULT_OPERATIONS_DIRECTORY: Final = (
    Path(__file__).resolve().parents[2] / "frontend_contract" / "operations"
)
PERSISTED_QUERY_NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
TRUSTED_DOCUMENTS_ONLY: Final = "TRUSTED_DOCUMENTS_ONLY"


def document_id(text: str) -> str:
    """The id of a document: SHA-256 of its exact UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request was refused: `code` goes to `extensions.code`."""

    code: str
    message: str


class TrustedDocuments:
    """The registered documents by id."""

    def __init__(self, documents: Mapping[str, str]) -> None:
        self._documents = dict(documents)

    @classmethod
    def from_directory(cls, directory: Path = DEFAULT_OPERATIONS_DIRECTORY) -> "TrustedDocuments":
        """Every `*.graphql` file of `directory`, read once."""
        texts = [path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.graphql"))]
        return cls({document_id(text): text for text in texts})

    def __len__(self) -> int:
        return len(self._documents)

    def resolve(self, request: Mapping[str, Any]) -> dict[str, Any] | Refusal:
        """The request with `query` set to the registered text it names, or a `Refusal`.

        `request` is one GraphQL request object (`query`, `documentId`,
        `extensions`, `variables`, `operationName`); `documentId` is dropped
        from the result.
        """
        requested = _requested_id(request)
        query = request.get("query")
        if requested is None:
            return Refusal(
                TRUSTED_DOCUMENTS_ONLY,
                "only registered operations are accepted: send `documentId` "
                "(sha256 of a file in frontend_contract/operations)",
            )
        text = self._documents.get(requested)
        if text is None:
            return Refusal(PERSISTED_QUERY_NOT_FOUND, "no registered operation has this id")
        if query not in (None, "", text):
            return Refusal(
                TRUSTED_DOCUMENTS_ONLY, "the query text differs from the registered operation"
            )
        resolved = {key: value for key, value in request.items() if key != "documentId"}
        resolved["query"] = text
        return resolved


def _requested_id(request: Mapping[str, Any]) -> str | None:
    named = request.get("documentId")
    if isinstance(named, str) and named:
        return named.removeprefix("sha256:").lower()
    extensions = request.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
    if isinstance(persisted, Mapping):
        digest = persisted.get("sha256Hash")
        if isinstance(digest, str) and digest:
            return digest.lower()
    return None
