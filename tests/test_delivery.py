"""Delivery: SMTP on loopback through an Airflow connection, scope, PDF, idempotence, held notices.

Numbers come from tests/published_fixture.py, whose comments work them out.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from published_fixture import DEC, REGIONS, STORES, write_published_marts

from northstar.delivery import sent_log
from northstar.delivery.email import (
    DeliveryError,
    Recipient,
    RecipientsError,
    deliver_report,
    load_recipients,
    mask_email,
)
from northstar.delivery.recipients import load_recipients_config
from northstar.orchestration.review import check_ready, deliver_reports, render_reports
from northstar.reports.monthly import REPORT_ID, build_monthly_reviews

CONN_ENV = "AIRFLOW_CONN_NORTHSTAR_SMTP"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALLOWED = ("example.com",)
RECIPIENTS = [
    Recipient("Lin Wei", "growth-lead@example.com", "zh-CN", (REPORT_ID,)),
    Recipient("Alex Morgan", "regional-director@example.com", "en", (REPORT_ID,)),
    # Subscribed to another report only, so this recipient gets nothing.
    Recipient("Sam Lee", "sam.lee@example.com", "en", ("north_star_weekly_review",)),
]


@pytest.fixture
def published(northstar_home):
    write_published_marts(northstar_home.published_path)
    return northstar_home


@pytest.fixture
def reports(published):
    return build_monthly_reviews(DEC)


@pytest.fixture
def airflow_home(northstar_home, tmp_path, monkeypatch):
    # Set before Airflow is first imported (inside deliver_report), so it writes nothing to
    # ~/airflow. Connections from AIRFLOW_CONN_* variables need no metadata database.
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.delenv(CONN_ENV, raising=False)
    # Importing Airflow configures logging. Importing it here, before the test body, keeps the
    # caplog handler that pytest installs for the test body in place.
    import airflow.sdk  # noqa: F401


class _Recorder:
    """aiosmtpd handler that keeps every envelope and rejects the addresses in `reject`."""

    def __init__(self, reject=()):
        self.envelopes = []
        self.reject = set(reject)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(airflow_home, monkeypatch):
    recorder = _Recorder(reject={"bounce@example.com"})
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    # The SMTP provider reads disable_ssl/disable_tls from the extras and treats any non-empty
    # value as true, so the JSON form with booleans states them unambiguously.
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": controller.port,
        "extra": {
            "disable_ssl": True,
            "disable_tls": True,
            "from_email": "North Star Warehouse <reports@example.com>",
            "timeout": 10,
            "retry_limit": 0,
        },
    }
    monkeypatch.setenv(CONN_ENV, json.dumps(connection))
    yield recorder
    controller.stop()


def _parts(message):
    """Return the text, HTML, image and (or None) PDF parts of a delivered message."""
    pdf = None
    if message.get_content_type() == "multipart/mixed":
        message, pdf = message.get_payload()
    assert message.get_content_type() == "multipart/alternative"
    text_part, related = message.get_payload()
    assert related.get_content_type() == "multipart/related"
    html_part, image_part = related.get_payload()
    return text_part, html_part, image_part, pdf


def _run_monthly(run_type=None):
    """Run the monthly DAG's task bodies for December 2017 with the repository's recipients."""
    readiness = check_ready("monthly", "2017-12")
    render_reports("monthly", "2017-12", readiness, run_id="manual__test")
    return deliver_reports("monthly", "2017-12", readiness, "manual__test", run_type)


def test_smtp_languages_and_scopes(published, smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="northstar")

    records = _run_monthly()

    assert [r["status"] for r in records] == ["sent", "sent", "sent"]
    by_address = {
        e.rcpt_tos[0]: m for e, m in zip(smtp_server.envelopes, smtp_server.messages(), strict=True)
    }
    assert set(by_address) == {
        "growth-lead@example.com",
        "north-region@example.com",
        "category-manager@example.com",
    }
    assert {e.mail_from for e in smtp_server.envelopes} == {"reports@example.com"}
    growth = by_address["growth-lead@example.com"]
    assert growth["Subject"] == (
        "北极星指标月度复盘 · 2017年12月：复购会员户数 1,196 户（环比上月 +4.0%）"
    )
    assert growth["Content-Language"] == "zh-CN"
    category = by_address["category-manager@example.com"]
    assert category["Subject"].startswith("North Star monthly review · December 2017: ")
    assert category["Content-Language"] == "en"
    assert by_address["north-region@example.com"]["Subject"].startswith(
        "北极星指标月度复盘 · 2017年12月 · 北区：复购会员户数 450 户"
    )
    # The test server logs full addresses too, so only this project's records are checked.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("northstar"))
    assert "to g***@example.com via SMTP connection northstar_smtp" in logged
    assert "growth-lead@example.com" not in logged


def test_regional_mail_has_no_other_region(published, smtp_server):
    _run_monthly()

    envelope = next(e for e in smtp_server.envelopes if e.rcpt_tos == ["north-region@example.com"])
    text_part, html_part, _, pdf = _parts(
        message_from_bytes(envelope.content, policy=policy.default)
    )
    content = text_part.get_content() + html_part.get_content()
    assert "450 户" in content
    assert pdf is None
    # No other region's name, store or figure, and not the company total (1,196).
    forbidden = ["南区", "东区", "西区", "South", "East", "West", "1,196 户"]
    for region, parts in REGIONS.items():
        if region != "North":
            forbidden += [f"{value} 户" for value in parts["repeat"]]
    forbidden += [f"门店 {store}" for store, (region, _, _) in STORES.items() if region != "North"]
    for figure in forbidden:
        assert figure not in content, figure


def test_pdf_attachment(published, smtp_server):
    _run_monthly()

    envelope = next(e for e in smtp_server.envelopes if e.rcpt_tos == ["growth-lead@example.com"])
    *_, pdf = _parts(message_from_bytes(envelope.content, policy=policy.default))
    assert pdf is not None
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "north-star-review-2017-12-all.zh-CN.pdf"
    assert pdf.get_content().startswith(b"%PDF")


def test_rerun_does_not_resend(published, smtp_server):
    _run_monthly()
    records = _run_monthly()

    assert len(smtp_server.envelopes) == 3
    assert [r["status"] for r in records] == ["skipped", "skipped", "skipped"]
    rows = sent_log.entries(REPORT_ID, "2017-12")
    assert [row["status"] for row in rows] == ["sent", "sent", "sent"]
    # One content per language and scope: zh-CN all, zh-CN North, en all.
    assert len({row["content_hash"] for row in rows}) == 3


def test_retry_after_failure(reports, smtp_server):
    bounce = Recipient("Bo Unce", "bounce@example.com", "en", (REPORT_ID,))

    with pytest.raises(DeliveryError, match=r"1 of 2 recipients \(b\*\*\*@example.com\)"):
        deliver_report(reports, [bounce, RECIPIENTS[0]], allowed_domains=ALLOWED)
    smtp_server.reject.clear()
    records = deliver_report(reports, [bounce, RECIPIENTS[0]], allowed_domains=ALLOWED)

    # The retry sends only to the address that failed.
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [
        ["growth-lead@example.com"],
        ["bounce@example.com"],
    ]
    assert [r.status for r in records] == ["skipped", "sent"]


def test_domain_not_allowed(reports, smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="northstar")
    outsider = Recipient("Pat Doe", "pat@mail.example.org", "en", (REPORT_ID,))

    records = deliver_report(reports, [outsider, RECIPIENTS[1]], allowed_domains=ALLOWED)

    assert [r.status for r in records] == ["rejected", "sent"]
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["regional-director@example.com"]]
    assert "domain mail.example.org is not in allowed_domains (example.com)" in caplog.text
    rejected = [row for row in sent_log.entries() if row["status"] == "rejected"]
    assert [row["recipient"] for row in rejected] == ["pat@mail.example.org"]


def test_held_then_report(northstar_home, smtp_server):
    # The latest publish ends on December 30, a day short of the month.
    write_published_marts(northstar_home.published_path, data_through=date(2017, 12, 30))
    held = _run_monthly()

    assert [r["status"] for r in held] == ["sent", "sent", "sent"]
    for message in smtp_server.messages():
        text_part = message.get_body(("plain",)).get_content()
        assert message["Subject"].startswith(("【暂缓发送】", "Report held: "))
        assert "1,196" not in text_part
        assert "450" not in text_part
    # The corrected publish triggers the DAG through the asset: the report follows, once.
    write_published_marts(northstar_home.published_path)
    follow_up = _run_monthly(run_type="asset_triggered")
    again = _run_monthly(run_type="asset_triggered")

    assert [r["status"] for r in follow_up] == ["sent", "sent", "sent"]
    assert [r["status"] for r in again] == ["skipped", "skipped", "skipped"]
    assert len(smtp_server.envelopes) == 6
    assert "1,196 户" in smtp_server.messages()[3]["Subject"]


def test_smtp_uri_connection(reports, smtp_server, monkeypatch):
    port = json.loads(os.environ[CONN_ENV])["port"]
    # URI form: query parameters become extras, as strings.
    monkeypatch.setenv(CONN_ENV, f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true")

    records = deliver_report(reports, RECIPIENTS[1:2], allowed_domains=ALLOWED)

    assert [r.method for r in records] == ["smtp"]
    # Without from_email in the connection, the default sender is used.
    assert smtp_server.envelopes[0].mail_from == "northstar@example.com"


def test_smtp_message_parts(reports, smtp_server):
    deliver_report(reports, RECIPIENTS[:1], allowed_domains=ALLOWED)

    message = message_from_bytes(smtp_server.envelopes[0].content, policy=policy.default)
    text_part, html_part, image_part, pdf = _parts(message)
    assert pdf is None
    assert text_part.get_content_type() == "text/plain"
    assert "本月：1,196 户" in text_part.get_content()
    html = html_part.get_content()
    assert "1,196 户" in html
    assert "data:image/png" not in html
    cid = image_part["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image_part.get_content_disposition() == "inline"
    assert image_part.get_content() == reports["zh-CN"].chart_png
    assert image_part.get_content().startswith(PNG_SIGNATURE)


def test_outbox_without_connection(reports, airflow_home, northstar_home, caplog):
    caplog.set_level(logging.INFO, logger="northstar")

    records = deliver_report(reports, RECIPIENTS, allowed_domains=ALLOWED)

    directory = northstar_home.outbox_dir / "monthly" / "2017-12"
    assert sorted(p.name for p in directory.iterdir()) == [
        "report-en-alex-morgan.eml",
        "report-zh-CN-lin-wei.eml",
    ]
    assert [r.method for r in records] == ["outbox", "outbox"]
    assert "No SMTP connection 'northstar_smtp'" in caplog.text
    message = message_from_bytes(
        (directory / "report-en-alex-morgan.eml").read_bytes(), policy=policy.default
    )
    assert message["To"] == "Alex Morgan <regional-director@example.com>"
    text_part, _, image_part, _ = _parts(message)
    assert "This month: 1,196 households" in text_part.get_content()
    assert image_part.get_content().startswith(PNG_SIGNATURE)


def test_missing_report_language(reports, airflow_home):
    with pytest.raises(ValueError, match="Lin Wei"):
        deliver_report({"en": reports["en"]}, RECIPIENTS, allowed_domains=ALLOWED)


def test_recipients_file_loads():
    config = load_recipients_config()

    assert len(config.recipients) == 3
    assert config.allowed_domains == ("example.com",)
    assert {r.language for r in config.recipients} == {"zh-CN", "en"}
    assert {r.scope.key for r in config.recipients} == {"all", "region-north"}
    assert all(config.is_allowed(r.email) for r in config.recipients)
    assert all(REPORT_ID in r.reports for r in config.recipients)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"email": "a@example.com", "reports": [REPORT_ID]}, "Ann.*missing 'language'"),
        (
            {"email": "a@example.com", "language": "fr", "reports": [REPORT_ID]},
            "Ann.*unknown language 'fr'.*zh-CN, en",
        ),
        (
            {"email": "ann at example.com", "language": "en", "reports": [REPORT_ID]},
            "Ann.*invalid email 'ann at example.com'",
        ),
        (
            {"email": "a@example.com", "language": "en", "reports": ["daily"]},
            "Ann.*unknown report 'daily'",
        ),
        (
            {
                "email": "a@example.com",
                "language": "en",
                "reports": [REPORT_ID],
                "scope": {"country": "X"},
            },
            "Ann.*Unknown scope 'country'",
        ),
    ],
)
def test_recipients_file_invalid(tmp_path, entry, message):
    path = tmp_path / "recipients.yml"
    document = {"allowed_domains": ["example.com"], "recipients": [{"name": "Ann", **entry}]}
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(RecipientsError, match=message):
        load_recipients(path)


def test_recipients_file_no_allow_list(tmp_path):
    entry = {"name": "Ann", "email": "a@example.com", "language": "en", "reports": [REPORT_ID]}
    path = tmp_path / "recipients.yml"
    path.write_text(json.dumps({"recipients": [entry]}), encoding="utf-8")

    with pytest.raises(RecipientsError, match="no 'allowed_domains:' list"):
        load_recipients(path)


def test_recipients_duplicate_address(tmp_path):
    entry = {"email": "a@example.com", "language": "en", "reports": [REPORT_ID]}
    path = tmp_path / "recipients.yml"
    document = {
        "allowed_domains": ["example.com"],
        "recipients": [{"name": "Ann", **entry}, {"name": "Bo", **entry}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(RecipientsError, match=r"'Ann' and 'Bo'.*a\*\*\*@example.com"):
        load_recipients(path)


def test_mask_email():
    assert mask_email("growth-lead@example.com") == "g***@example.com"
    assert mask_email("not-an-address") == "***"
