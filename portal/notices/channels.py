"""The two ways a notice leaves: email over SMTP and signed webhooks.

Each channel raises `TransientDeliveryError` (retry later: SMTP 4xx, network errors, webhook
5xx/429 or timeout) or `PermanentDeliveryError` (retrying will not help: SMTP 5xx, webhook
4xx). The notice key travels as the email Message-ID and the webhook Idempotency-Key, so a
receiver can drop a redelivery. Every webhook body carries the key as `id` too, inside what
the signature covers (README "Receiving webhooks").
"""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import httpcore
import httpx
from flask import current_app

from portal.notices import destinations
from portal.notices.signing import signature, signature_header

__all__ = ["signature"]  # (re-exported: receivers' tests sign with it)


class DeliveryError(Exception):
    """A delivery that did not succeed; `status` is the receiver's HTTP answer, if any."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class TransientDeliveryError(DeliveryError):
    """Worth retrying later."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help; the notice goes to the dead letters."""


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None = None


def message_id(key: str) -> str:
    """A stable Message-ID for a notice key: the same notice always carries the same id."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"]
    return f"<{digest}@{domain}>"


def build_email(key: str, email: RenderedEmail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(key)
    message["Auto-Submitted"] = "auto-generated"
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def send_email(key: str, email: RenderedEmail) -> None:
    """Hand the message to the SMTP server (PORTAL_SMTP_*). Without SMTP_HOST (the demo)
    the outbox row itself is the sent mail, shown in the console's sent-mail view."""
    with SmtpSession() as session:
        session.send(key, email)


class _Smtp(smtplib.SMTP):
    """smtplib's client, knowing whether the current message's DATA has begun. smtplib reports
    a reply that never came (a timeout) as a disconnection, like a connection dropped while
    idle; after DATA has begun the server may already have accepted the message, so sending
    it again at once could deliver it twice."""

    data_begun = False

    def data(self, msg):
        self.data_begun = True
        return super().data(msg)


class SmtpSession:
    """One SMTP connection reused for a dispatcher's batch (connecting per message costs more
    than sending it). Any error closes it; the next message connects afresh. A connection the
    server dropped while idle (before the message's DATA began) is re-opened once before the
    message counts as failed; a disconnection after DATA began is a transient failure, retried
    after the notice's backoff, never at once."""

    def __init__(self):
        self._smtp: _Smtp | None = None
        # Set when connecting failed: the rest of the batch is not tried (nor rendered) —
        # it waits for its backoff like the message that found the server down.
        self.unreachable: str | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> _Smtp:
        config = current_app.config
        smtp = _Smtp(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                     timeout=float(config["SMTP_TIMEOUT_SECONDS"]))
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        return smtp

    def _connect_or_mark(self) -> _Smtp:
        try:
            return self._connect()
        except OSError as exc:
            self.unreachable = f"SMTP unavailable: {exc!r}"
            raise

    def send(self, key: str, email: RenderedEmail) -> None:
        """Send one message; raises TransientDeliveryError or PermanentDeliveryError."""
        if not current_app.config.get("SMTP_HOST"):
            return
        message = build_email(key, email)
        try:
            try:
                reused = self._smtp is not None
                if not reused:
                    self._smtp = self._connect_or_mark()
                self._smtp.data_begun = False
                self._smtp.send_message(message)
            except smtplib.SMTPServerDisconnected:
                if not reused or self._smtp.data_begun:
                    raise
                self.close()  # dropped while idle: nothing of this message was handed over
                self._smtp = self._connect()
                self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            raise _by_smtp_code(min(codes), str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _by_smtp_code(exc.smtp_code, f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, disconnect
            self.close()
            raise TransientDeliveryError(f"SMTP unavailable: {exc!r}") from exc

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _by_smtp_code(code: int, detail: str) -> Exception:
    if 400 <= code < 500:
        return TransientDeliveryError(f"SMTP {detail}")
    return PermanentDeliveryError(f"SMTP {detail}")


class _VettingBackend(httpcore.SyncBackend):
    """Connects only to an address the server-side request forgery rule allows, resolving the
    host and checking what it resolved to in the same step as the connection: DNS that
    changes after the delivery's own check (rebinding) cannot steer a connection elsewhere.
    The URL is untouched, so TLS verifies the certificate for its host name as usual."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = destinations.connectable_address(host, port)
        return super().connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                   socket_options=socket_options)


class _VettingTransport(httpx.HTTPTransport):
    def __init__(self):
        super().__init__()
        limits = httpx.Limits()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_VettingBackend(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry)


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def webhook_client() -> httpx.Client:
    """The dispatcher process's one HTTP client, made on first use: its TLS context (loading
    the CA bundle) and its keep-alive connections are paid once per process, not per webhook.
    httpx clients are thread-safe; a forked child makes its own (see `_forget_client`)."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = httpx.Client(follow_redirects=False, transport=_VettingTransport(),
                                       headers={"User-Agent": "Clearpath-Webhooks/1"})
    return _client


def _forget_client() -> None:
    """After a fork the child must not share the parent's sockets (nor close them under it):
    drop the reference; the child's first webhook makes a client of its own."""
    global _client, _client_lock
    _client, _client_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_client)


def webhook_body(key: str, payload: dict) -> bytes:
    """The exact bytes sent and signed: the payload with `id` = the notice key (so the
    Idempotency-Key is covered by the signature whatever the endpoint's style), compact,
    sorted keys."""
    return json.dumps({**payload, "id": key}, separators=(",", ":"), sort_keys=True).encode()


def post_webhook(key: str, url: str, secret: str | list[str], payload: dict, *,
                 timestamp: int) -> int:
    """POST the JSON payload, signed (by each secret in force: two during a rotation's
    overlap), with the notice key as Idempotency-Key and as the body's `id`. Returns the
    receiver's status code; redirects are never followed (a 3xx is a permanent refusal), and
    every connection is made to an address vetted as it is made (`_VettingBackend`)."""
    body = webhook_body(key, payload)
    stamp = str(timestamp)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-Clearpath-Timestamp": stamp,
        "X-Clearpath-Signature": signature_header(
            [secret] if isinstance(secret, str) else secret, stamp, body),
    }
    timeout = float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    try:
        response = webhook_client().post(url, content=body, headers=headers, timeout=timeout)
    except destinations.UnsafeDestination as exc:
        raise PermanentDeliveryError(f"refused: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise TransientDeliveryError(f"webhook timed out after {timeout:g} s") from exc
    except httpx.TransportError as exc:
        raise TransientDeliveryError(f"webhook unreachable: {exc!r}") from exc
    code = response.status_code
    if response.is_success:
        return code
    detail = f"webhook answered {code}"
    if response.is_redirect:
        raise PermanentDeliveryError(f"{detail}: redirects are not followed", status=code)
    if code >= 500 or code in (408, 429):
        raise TransientDeliveryError(detail, status=code)
    raise PermanentDeliveryError(detail, status=code)
