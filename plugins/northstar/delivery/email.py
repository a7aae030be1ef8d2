"""Deliver rendered reports by email through an Airflow SMTP connection, or to the outbox.

Each recipient gets one message in their language:

    multipart/alternative
      text/plain              the plain-text report
      multipart/related
        text/html             the HTML report, whose chart is <img src="cid:...">
        image/png             the chart, inline, under that Content-ID
"""

from __future__ import annotations

import logging
import os
import smtplib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from northstar.delivery.recipients import (
    Recipient,
    RecipientsError,
    check_unique,
    load_recipients,
    mask_email,
)
from northstar.reports.monthly import Report
from northstar.settings import SMTP_CONN_ID, get_settings

__all__ = [
    "DeliveryError",
    "DeliveryRecord",
    "Recipient",
    "RecipientsError",
    "build_message",
    "deliver_report",
    "load_recipients",
    "mask_email",
]

log = logging.getLogger(__name__)

# Used when the SMTP connection has no `from_email` extra, and for outbox files.
DEFAULT_SENDER = "North Star Warehouse <northstar@example.com>"
CHART_FILENAME = "north-star-trend.png"
EML_FILE_MODE = 0o644


class DeliveryError(RuntimeError):
    """Some messages could not be sent; the message lists the masked recipients."""


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivered message. Plain strings, so a list of them can be an Airflow XCom."""

    recipient: str  # masked address, because logs and XComs are not the place for personal data
    language: str
    subject: str
    message_id: str
    method: str  # "smtp" or "outbox"
    path: str | None = None  # the .eml file when method is "outbox"


def build_message(report: Report, recipient: Recipient, sender: str) -> EmailMessage:
    """Build the message of `report` for `recipient`: text and HTML with the chart inline."""
    message = EmailMessage()
    message["Subject"] = report.subject
    message["From"] = sender
    message["To"] = formataddr((recipient.name, recipient.email))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(report.text)
    message.add_alternative(report.email_html, subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(
        report.chart_png,
        maintype="image",
        subtype="png",
        cid=f"<{report.chart_cid}>",
        filename=CHART_FILENAME,
        disposition="inline",
    )
    # Set last, because set_content and add_alternative drop the Content-* headers.
    message["Content-Language"] = report.language
    return message


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def deliver_report(
    report_by_language: dict[str, Report],
    recipients: Iterable[Recipient],
    conn_id: str = SMTP_CONN_ID,
) -> list[DeliveryRecord]:
    """Send the report to every recipient subscribed to it, each in their language.

    The Airflow connection `conn_id` is looked up at call time. If it exists, the messages go
    through it with the SMTP provider's SmtpHook; if not, each message is written to
    <outbox_dir>/<YYYY-MM>/<language>-<recipient-slug>.eml. Raises DeliveryError after trying
    every recipient if any send failed.
    """
    reports = list(report_by_language.values())
    if not reports:
        raise ValueError("No report to deliver: report_by_language is empty.")
    report_id, month_start = reports[0].report_id, reports[0].month_start
    recipients = list(recipients)
    check_unique(recipients, where="the recipient list")
    subscribed = [r for r in recipients if report_id in r.reports]
    for recipient in subscribed:
        if recipient.language not in report_by_language:
            raise ValueError(
                f"Recipient {recipient.name!r} reads {recipient.language}, but the {report_id} "
                f"report was built in {', '.join(report_by_language)} only; build that language."
            )
    log.info(
        "Delivering %s for period %s to %d of %d recipients (the others are not subscribed)",
        report_id,
        f"{month_start:%Y-%m}",
        len(subscribed),
        len(recipients),
    )
    if _connection_exists(conn_id):
        return _send_smtp(report_by_language, subscribed, conn_id)
    log.warning(
        "No SMTP connection %r is configured, so %s for period %s goes to the outbox %s. "
        "Define the connection (e.g. env var AIRFLOW_CONN_%s) to send email.",
        conn_id,
        report_id,
        f"{month_start:%Y-%m}",
        get_settings().outbox_dir,
        conn_id.upper(),
    )
    return _write_outbox(report_by_language, subscribed)


def _connection_exists(conn_id: str) -> bool:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def _send_smtp(
    report_by_language: dict[str, Report], recipients: list[Recipient], conn_id: str
) -> list[DeliveryRecord]:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    records, failures = [], []
    # SmtpHook opens the connection (SSL or STARTTLS, login, retries) from the connection's
    # settings. Its send_email_smtp builds an HTML-only message, so the multipart message built
    # here goes through the client the hook opened.
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        sender = hook.from_email or DEFAULT_SENDER
        client = hook._smtp_client
        for recipient in recipients:
            report = report_by_language[recipient.language]
            message = build_message(report, recipient, sender)
            masked = mask_email(recipient.email)
            try:
                client.send_message(
                    message, from_addr=parseaddr(sender)[1], to_addrs=[recipient.email]
                )
            except (smtplib.SMTPException, OSError) as error:
                # TODO: a task retry after a partial failure sends again to the recipients that
                # already got the message; keep a per-run ledger of delivered Message-IDs.
                log.error(
                    "Failed to send %s for period %s to %s via %s: %s",
                    report.report_id,
                    f"{report.month_start:%Y-%m}",
                    masked,
                    conn_id,
                    error,
                )
                failures.append(masked)
                continue
            log.info(
                "Sent %s for period %s in %s to %s via SMTP connection %s",
                report.report_id,
                f"{report.month_start:%Y-%m}",
                report.language,
                masked,
                conn_id,
            )
            records.append(_record(message, report, masked, "smtp"))
    if failures:
        raise DeliveryError(
            f"Failed to send to {len(failures)} of {len(recipients)} recipients "
            f"({', '.join(failures)}) via {conn_id}; see the log for each error."
        )
    return records


def _write_outbox(
    report_by_language: dict[str, Report], recipients: list[Recipient]
) -> list[DeliveryRecord]:
    records = []
    for recipient in recipients:
        report = report_by_language[recipient.language]
        message = build_message(report, recipient, DEFAULT_SENDER)
        directory = get_settings().outbox_dir / f"{report.month_start:%Y-%m}"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{recipient.language}-{recipient.slug}.eml"
        _write_atomically(path, bytes(message))
        masked = mask_email(recipient.email)
        log.info(
            "Wrote %s for period %s in %s for %s to %s",
            report.report_id,
            f"{report.month_start:%Y-%m}",
            report.language,
            masked,
            path,
        )
        records.append(_record(message, report, masked, "outbox", path))
    return records


def _record(
    message: EmailMessage, report: Report, masked: str, method: str, path: Path | None = None
) -> DeliveryRecord:
    return DeliveryRecord(
        recipient=masked,
        language=report.language,
        subject=report.subject,
        message_id=message["Message-ID"],
        method=method,
        path=str(path) if path else None,
    )


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        Path(temporary).chmod(EML_FILE_MODE)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
