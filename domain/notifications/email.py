"""The e-mail port: what the domain needs from a mail server."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EmailMessage:
    """A plain-text e-mail to one recipient."""

    to: str
    subject: str
    text: str


class EmailDeliveryError(Exception):
    """The mail server refused the message or could not be reached; retrying later is safe."""


class EmailSender(Protocol):
    """Sends e-mail (SMTP in production and tests; `workers/notifications/smtp.py`)."""

    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; `EmailDeliveryError` when it is not accepted.

        Returns once the server has accepted the message. Every call has a timeout.
        """
        ...
