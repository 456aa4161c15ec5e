"""How a notification leaves the portal: GOV.UK Notify (the production channel) or SMTP, chosen
per deployment by PORTAL_NOTIFICATION_CHANNEL ("notify" when PORTAL_NOTIFY_API_KEY is set, else
"email": Django's mail backend, configured from EMAIL_URL). docs/deploy.md, "Email".

A channel sends one message to one address and raises `DeliveryFailed` when it was not accepted,
saying whether trying again could help (`permanent`: the address was refused, the request was
malformed) and what went wrong, with the address taken out: the error is stored on the outbox
row and shown to partnership admins, so it must not carry personal data.
"""
from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

# What stands for the recipient in a stored error (SMTP servers echo the address back).
RECIPIENT = "[recipient]"
MAX_ERROR_LENGTH = 300


class DeliveryFailed(Exception):
    def __init__(self, error: str, *, permanent: bool):
        super().__init__(error)
        self.error = error[:MAX_ERROR_LENGTH]
        self.permanent = permanent


def _scrubbed(text: str, address: str) -> str:
    text = " ".join(str(text).split())
    if address:
        text = text.replace(address, RECIPIENT).replace(address.lower(), RECIPIENT)
    return text


class EmailChannel:
    """SMTP (or whichever Django mail backend EMAIL_BACKEND names): one connection a message, so a
    message the server refuses takes nothing else down with it."""

    name = "email"

    def send(self, *, address: str, subject: str, body: str, reference: str) -> None:
        message = EmailMessage(subject=subject, body=body, to=[address], connection=get_connection(fail_silently=False))
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            code, reason = next(iter(error.recipients.values()), (0, b""))
            reason = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
            raise DeliveryFailed(f"SMTP {code} recipient refused: {_scrubbed(reason, address)}", permanent=500 <= code < 600)
        except smtplib.SMTPResponseException as error:
            reason = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
            raise DeliveryFailed(
                f"SMTP {error.smtp_code}: {_scrubbed(reason, address)}", permanent=500 <= error.smtp_code < 600
            )
        except (smtplib.SMTPException, OSError) as error:  # OSError covers timeouts
            # Connection refused, timeouts, TLS trouble: the server may be back later.
            raise DeliveryFailed(f"{type(error).__name__}: {_scrubbed(error, address)}", permanent=False)


class NotifyChannel:
    """GOV.UK Notify's email API (notifications-python-client). One template, set up once in the
    Notify account, with the placeholders ((subject)) and ((body)); the portal renders both, so the
    reference-and-link-only rule lives (and is tested) here, not in a template kept elsewhere."""

    name = "notify"

    def __init__(self):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(
            settings.PORTAL_NOTIFY_API_KEY,
            base_url=settings.PORTAL_NOTIFY_BASE_URL,
            timeout=settings.PORTAL_NOTIFY_TIMEOUT,
        )

    def send(self, *, address: str, subject: str, body: str, reference: str) -> None:
        from notifications_python_client.errors import APIError, TokenError
        from requests import RequestException

        try:
            self.client.send_email_notification(
                email_address=address,
                template_id=settings.PORTAL_NOTIFY_TEMPLATE_ID,
                personalisation={"subject": subject, "body": body},
                reference=reference or None,
                email_reply_to_id=settings.PORTAL_NOTIFY_REPLY_TO_ID or None,
            )
        except APIError as error:
            status = error.status_code
            # 400: Notify refused this message (a bad address, a trial-mode recipient); anything
            # else (403 key revoked, 429 rate limit, 5xx) may pass on a later try.
            raise DeliveryFailed(f"Notify {status}: {_scrubbed(error.message, address)}", permanent=status == 400)
        except (RequestException, TokenError, OSError) as error:
            raise DeliveryFailed(f"Notify unreachable: {type(error).__name__}", permanent=False)


def delivery_channel() -> EmailChannel | NotifyChannel:
    if settings.PORTAL_NOTIFICATION_CHANNEL == "notify":
        return NotifyChannel()
    return EmailChannel()
