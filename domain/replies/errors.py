"""Errors of replies, each with a code the API shows as `userErrors.code`."""

from typing import Any

from domain.shared.errors import DomainError, ValidationError


class ReplyStateError(DomainError):
    """The reply is not in a status that allows this (e.g. editing a sent reply)."""

    code = "invalid_reply_status"


class ApprovalPendingError(ReplyStateError):
    """The reply awaits the client's approval; it can be sent once approved."""

    code = "approval_required"


class ToneFindingsError(ValidationError):
    """The draft still has tone findings of severity error; `findings` lists them."""

    code = "tone_findings"

    def __init__(self, message: str, *, findings: list[dict[str, Any]]) -> None:
        super().__init__(message, field="text")
        self.findings = findings


class ChannelNotSupportedError(DomainError):
    """The conversation's channel cannot do this (no API for replies, reactions or DMs)."""

    code = "channel_not_supported"
