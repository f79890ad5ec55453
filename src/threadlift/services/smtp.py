"""Sending e-mail over SMTP: ``THREADLIFT_SMTP_URL`` names the server, STARTTLS unless the URL says otherwise.

``smtp://user:password@host:587`` (STARTTLS, the default), ``smtps://user:password@host:465`` (TLS from
the first byte), ``smtp://host:25?tls=none`` (no encryption: a relay on the same machine only). A
``cafile=PATH`` parameter names the certificate authority to trust instead of the system's.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from threadlift.clinic.portal import OutboxMessage

TIMEOUT_SECONDS = 20
TLS_MODES = ("starttls", "tls", "none")


class MailSettingError(ValueError):
    """The SMTP URL cannot be used; the message says how to write it."""


class SendFailed(Exception):
    """The server refused the message or could not be reached; the outbox tries again later."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str
    username: str | None = None
    password: str | None = None
    cafile: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailSettingError("THREADLIFT_SMTP_URL must look like smtp://user:password@host:587 (STARTTLS), "
                                   "smtps://user:password@host:465 or smtp://host:25?tls=none")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = query.get("tls", "tls" if parts.scheme == "smtps" else "starttls")
        if tls not in TLS_MODES:
            raise MailSettingError(f"THREADLIFT_SMTP_URL: tls must be one of {', '.join(TLS_MODES)}")
        try:
            port = parts.port or (465 if tls == "tls" else 587)
        except ValueError:
            raise MailSettingError("THREADLIFT_SMTP_URL: the port must be a number from 1 to 65535") from None
        return cls(parts.hostname, port, tls, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, query.get("cafile"))


def as_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=message.id.replace("-", ""))
    email.set_content(message.body)
    for attachment in message.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        email.add_attachment(base64.b64decode(attachment.data_base64), maintype=maintype, subtype=subtype,
                             filename=attachment.filename)
    return email


class SmtpTransport:
    """One connection per batch of messages; every failure is a :class:`SendFailed` naming what went wrong."""

    def __init__(self, server: SmtpServer, mail_from: str) -> None:
        self.server = server
        self.mail_from = mail_from

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.server.cafile)

    def send(self, messages: list[OutboxMessage]) -> dict[str, str | None]:
        """Send each message; returns, by message id, None when the server took it, else why not."""
        results: dict[str, str | None] = {}
        s = self.server
        try:
            if s.tls == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS,
                                                         context=self._context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
            with client:
                client.ehlo()
                if s.tls == "starttls":
                    client.starttls(context=self._context())
                    client.ehlo()
                if s.username:
                    client.login(s.username, s.password or "")
                for message in messages:
                    try:
                        client.send_message(as_email(message, self.mail_from))
                        results[message.id] = None
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                            smtplib.SMTPSenderRefused) as error:
                        results[message.id] = _why(error)
        except (OSError, smtplib.SMTPException) as error:
            why = _why(error)
            for message in messages:
                results.setdefault(message.id, why)
        return results


def _why(error: BaseException) -> str:
    """What went wrong, without the message's contents or addresses."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"the server refused the recipient (SMTP {', '.join(map(str, codes))})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the server answered SMTP {error.smtp_code}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return "the server does not offer STARTTLS (add ?tls=none only for a relay on this machine)"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or type(error).__name__}"
    if isinstance(error, TimeoutError | ConnectionRefusedError):
        return f"the server could not be reached ({type(error).__name__})"
    return f"{type(error).__name__}: {str(error)[:200]}"
