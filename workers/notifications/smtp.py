"""The SMTP adapter of the e-mail port (aiosmtplib)."""

from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from domain.notifications.email import EmailDeliveryError, EmailMessage


class SmtpEmailSender:
    """Sends each message in its own SMTP session, with a timeout on every step.

    No authentication and no STARTTLS: it hands mail to a local relay (or a
    test server), which delivers it onwards. A refused recipient or message,
    a refused or lost connection, or a timeout raise `EmailDeliveryError`.
    """

    def __init__(self, *, host: str, port: int, sender: str, timeout_seconds: float) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout_seconds

    async def send(self, message: EmailMessage) -> None:
        mime = MimeMessage()
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=False)
        mime["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        mime.set_content(message.text)
        try:
            await aiosmtplib.send(
                mime,
                hostname=self._host,
                port=self._port,
                timeout=self._timeout,
                start_tls=False,
                use_tls=False,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise EmailDeliveryError(f"SMTP delivery failed: {type(error).__name__}") from error
