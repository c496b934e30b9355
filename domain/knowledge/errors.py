"""Errors of the Q&A knowledge base."""

from domain.shared.errors import ValidationError


class NoApprovedVersionError(ValidationError):
    """The entry has no approved version (never approved, or retired): nothing may be inserted."""

    code = "no_approved_version"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="entryId")


class InvalidQnaRecordError(ValidationError):
    """A line of a Q&A JSONL file that cannot be imported; `line` is its 1-based number."""

    code = "invalid_qna_record"

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}", field="file")
        self.line = line
