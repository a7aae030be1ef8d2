"""Deliver rendered reports by email through an Airflow SMTP connection, or to the outbox.

Each recipient gets one message in their language and scope:

    multipart/mixed                 (only when a PDF is attached)
      multipart/alternative
        text/plain                  the plain-text report
        multipart/related
          text/html                 the HTML report, whose chart is <img src="cid:...">
          image/png                 the chart, inline, under that Content-ID
      application/pdf               the report as a PDF, for recipients with pdf: true

Delivery is idempotent: before each send the sent log is checked for the same report, period,
recipient and content hash, and a row is written right after each successful send.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from northstar.delivery import sent_log
from northstar.delivery.recipients import (
    Recipient,
    RecipientsError,
    check_unique,
    load_recipients,
    mask_email,
)
from northstar.reports.archive import write_atomically
from northstar.reports.review import Report
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


class DeliveryError(RuntimeError):
    """Some messages could not be sent; the message lists the masked recipients."""


@dataclass(frozen=True)
class DeliveryRecord:
    """Outcome of one delivery to one recipient, in plain strings so a list can be an XCom."""

    recipient: str  # masked address, because logs and XComs are not the place for personal data
    language: str
    scope: str
    subject: str
    status: str  # sent, skipped (already sent) or rejected (domain not allowed)
    method: str | None = None  # smtp or outbox when sent
    message_id: str | None = None
    path: str | None = None  # the .eml file when method is "outbox"


def build_message(
    report: Report, recipient: Recipient, sender: str, pdf: bytes | None = None
) -> EmailMessage:
    """Build the message of `report` for `recipient`: text and HTML with the chart inline."""
    message = EmailMessage()
    message["Subject"] = report.subject
    message["From"] = sender
    message["To"] = formataddr((recipient.name, recipient.email))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(report.text)
    message.add_alternative(report.email_html, subtype="html")
    if report.chart_png:
        html_part = message.get_payload()[1]
        html_part.add_related(
            report.chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{report.chart_cid}>",
            filename=CHART_FILENAME,
            disposition="inline",
        )
    if pdf:
        message.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=_pdf_filename(report)
        )
    # Set last, because set_content and add_alternative drop the Content-* headers.
    message["Content-Language"] = report.language
    return message


def _pdf_filename(report: Report) -> str:
    return f"north-star-review-{report.period.key}-{report.scope.key}.{report.language}.pdf"


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def _index(reports) -> dict[tuple[str, str], Report]:
    """Key reports by (scope key, language); a list or a dict keyed by language both work."""
    values = list(reports.values()) if isinstance(reports, dict) else list(reports)
    if not values:
        raise ValueError("No report to deliver: the report collection is empty.")
    return {(r.scope.key, r.language): r for r in values}


def deliver_report(
    reports,
    recipients: Iterable[Recipient],
    *,
    allowed_domains: Iterable[str],
    conn_id: str = SMTP_CONN_ID,
    run_id: str | None = None,
    pdfs: dict[tuple[str, str], bytes] | None = None,
    only_if_unsent: bool = False,
) -> list[DeliveryRecord]:
    """Send each subscribed recipient the report of their language and scope, at most once.

    `reports` are the built reports of one report id and period. Addresses outside
    `allowed_domains` are rejected, logged and recorded. With `only_if_unsent`, a recipient who
    already received any version of the full report for the period gets nothing (asset-triggered
    runs use it, so a later republish does not mail everyone again). The Airflow connection
    `conn_id` is looked up at call time; without it the messages go to the outbox as .eml files.
    Raises DeliveryError after trying every recipient if any send failed.
    """
    by_key = _index(reports)
    first = next(iter(by_key.values()))
    recipients = list(recipients)
    check_unique(recipients, where="the recipient list")
    subscribed = _subscribers(recipients, by_key)
    domains = tuple(d.lower() for d in allowed_domains)
    log.info(
        "Delivering %s (%s) for period %s in run %s to %d of %d recipients (the others are "
        "not subscribed)",
        first.report_id,
        first.kind,
        first.period.key,
        run_id,
        len(subscribed),
        len(recipients),
    )
    records, pending = [], []
    for recipient in subscribed:
        report = by_key[(recipient.scope.key, recipient.language)]
        record = _screen(report, recipient, domains, run_id, only_if_unsent)
        if record is None:
            pending.append((recipient, report))
        else:
            records.append(record)
    if not pending:
        return records
    if _connection_exists(conn_id):
        return records + _send_smtp(pending, conn_id, run_id, pdfs or {})
    log.warning(
        "No SMTP connection %r is configured, so %s for period %s goes to the outbox %s. "
        "Define the connection (e.g. env var AIRFLOW_CONN_%s) to send email.",
        conn_id,
        first.report_id,
        first.period.key,
        get_settings().outbox_dir,
        conn_id.upper(),
    )
    return records + _write_outbox(pending, run_id, pdfs or {})


def _subscribers(recipients: list[Recipient], by_key: dict) -> list[Recipient]:
    """Return the recipients subscribed to the report; raise if one's version was not built."""
    first = next(iter(by_key.values()))
    subscribed = [r for r in recipients if first.report_id in r.reports]
    for recipient in subscribed:
        if (recipient.scope.key, recipient.language) not in by_key:
            raise ValueError(
                f"Recipient {recipient.name!r} reads {recipient.language} with scope "
                f"{recipient.scope.key}, but the {first.report_id} {first.kind} was built for "
                f"{', '.join('/'.join(key) for key in by_key)} only; build that one."
            )
    return subscribed


def _screen(
    report: Report, recipient: Recipient, domains, run_id, only_if_unsent
) -> DeliveryRecord | None:
    """Return a record when the recipient is rejected or already served, None to send."""
    masked = mask_email(recipient.email)
    period = report.period.key
    domain = recipient.email.rpartition("@")[2].lower()
    if not any(domain == d or domain.endswith("." + d) for d in domains):
        log.error(
            "Rejected %s for period %s to %s: domain %s is not in allowed_domains (%s) of the "
            "recipients file; fix the address or allow the domain",
            report.report_id,
            period,
            masked,
            domain,
            ", ".join(domains) or "none",
        )
        sent_log.record(
            _entry(
                report,
                recipient,
                sent_log.STATUS_REJECTED,
                run_id,
                detail=f"domain {domain} not allowed",
            )
        )
        return _record(report, masked, "rejected")
    served = sent_log.already_sent(report.report_id, period, recipient.email, report.content_hash)
    if not served and only_if_unsent:
        served = sent_log.already_sent(
            report.report_id, period, recipient.email, None, kind="report"
        )
    if served:
        log.info(
            "Skipped %s (%s) for period %s to %s: already sent (content %s)",
            report.report_id,
            report.kind,
            period,
            masked,
            report.content_hash[:12],
        )
        return _record(report, masked, "skipped")
    return None


def _connection_exists(conn_id: str) -> bool:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def _send_smtp(pending, conn_id: str, run_id, pdfs) -> list[DeliveryRecord]:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    records, failures = [], []
    # SmtpHook opens the connection (SSL or STARTTLS, login, retries) from the connection's
    # settings. Its send_email_smtp builds an HTML-only message, so the multipart message built
    # here goes through the client the hook opened.
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        sender = hook.from_email or DEFAULT_SENDER
        client = hook._smtp_client
        for recipient, report in pending:
            pdf = pdfs.get((report.scope.key, report.language)) if recipient.pdf else None
            message = build_message(report, recipient, sender, pdf)
            masked = mask_email(recipient.email)
            try:
                client.send_message(
                    message, from_addr=parseaddr(sender)[1], to_addrs=[recipient.email]
                )
            except (smtplib.SMTPException, OSError) as error:
                log.error(
                    "Failed to send %s for period %s to %s via %s: %s",
                    report.report_id,
                    report.period.key,
                    masked,
                    conn_id,
                    error,
                )
                failures.append(masked)
                continue
            sent_log.record(
                _entry(
                    report, recipient, sent_log.STATUS_SENT, run_id, "smtp", message["Message-ID"]
                )
            )
            log.info(
                "Sent %s (%s) for period %s scope %s in %s to %s via SMTP connection %s",
                report.report_id,
                report.kind,
                report.period.key,
                report.scope.key,
                report.language,
                masked,
                conn_id,
            )
            records.append(_record(report, masked, "sent", "smtp", message["Message-ID"]))
    if failures:
        raise DeliveryError(
            f"Failed to send to {len(failures)} of {len(pending)} recipients "
            f"({', '.join(failures)}) via {conn_id}; see the log for each error. A retry sends "
            "only to them, because the sent log skips the others."
        )
    return records


def _write_outbox(pending, run_id, pdfs) -> list[DeliveryRecord]:
    records = []
    for recipient, report in pending:
        pdf = pdfs.get((report.scope.key, report.language)) if recipient.pdf else None
        message = build_message(report, recipient, DEFAULT_SENDER, pdf)
        directory = get_settings().outbox_dir / report.period.cadence / report.period.key
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{report.kind}-{recipient.language}-{recipient.slug}.eml"
        write_atomically(path, bytes(message))
        sent_log.record(
            _entry(report, recipient, sent_log.STATUS_SENT, run_id, "outbox", message["Message-ID"])
        )
        masked = mask_email(recipient.email)
        log.info(
            "Wrote %s (%s) for period %s in %s for %s to %s",
            report.report_id,
            report.kind,
            report.period.key,
            report.language,
            masked,
            path,
        )
        records.append(_record(report, masked, "sent", "outbox", message["Message-ID"], path))
    return records


def _entry(report, recipient, status, run_id, method=None, message_id=None, detail=None):
    return sent_log.SentEntry(
        report_id=report.report_id,
        kind=report.kind,
        period=report.period.key,
        recipient=recipient.email,
        scope=report.scope.key,
        language=report.language,
        content_hash=report.content_hash,
        status=status,
        method=method,
        message_id=message_id,
        run_id=run_id,
        detail=detail,
    )


def _record(report, masked, status, method=None, message_id=None, path: Path | None = None):
    return DeliveryRecord(
        recipient=masked,
        language=report.language,
        scope=report.scope.key,
        subject=report.subject,
        status=status,
        method=method,
        message_id=message_id,
        path=str(path) if path else None,
    )
