"""Delivery: recipients file validation, SMTP on loopback through an Airflow connection, outbox."""

from __future__ import annotations

import json
import logging
import os
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from published_fixture import DEC, write_published_marts

from northstar.delivery.email import (
    DeliveryError,
    Recipient,
    RecipientsError,
    deliver_report,
    load_recipients,
    mask_email,
)
from northstar.reports.monthly import REPORT_ID, build_monthly_reviews

CONN_ENV = "AIRFLOW_CONN_NORTHSTAR_SMTP"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RECIPIENTS = [
    Recipient("Lin Wei", "growth-lead@example.com", "zh-CN", (REPORT_ID,)),
    Recipient("Alex Morgan", "regional-director@example.com", "en", (REPORT_ID,)),
    # Subscribed to another report only, so this recipient gets nothing.
    Recipient("Sam Lee", "sam.lee@example.com", "en", ("weekly_digest",)),
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Both languages of the December review, built once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NORTHSTAR_HOME", str(tmp_path_factory.mktemp("northstar")))
        from northstar.settings import get_settings

        write_published_marts(get_settings().published_path)
        return build_monthly_reviews(DEC)


@pytest.fixture
def airflow_home(tmp_path, monkeypatch):
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(airflow_home, monkeypatch):
    recorder = _Recorder(reject={"bounce@example.com"})
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    # The SMTP provider 3.2 reads disable_ssl/disable_tls from the extras and treats any
    # non-empty value as true, so the JSON form with booleans states them unambiguously.
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
    """Return the text part, the HTML part and the image part of a delivered message."""
    assert message.get_content_type() == "multipart/alternative"
    text_part, related = message.get_payload()
    assert related.get_content_type() == "multipart/related"
    html_part, image_part = related.get_payload()
    return text_part, html_part, image_part


def test_smtp_sends_each_language(reports, smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="northstar")

    records = deliver_report(reports, RECIPIENTS)

    assert [r.method for r in records] == ["smtp", "smtp"]
    assert [r.recipient for r in records] == ["g***@example.com", "r***@example.com"]
    envelopes = smtp_server.envelopes
    assert [e.rcpt_tos for e in envelopes] == [
        ["growth-lead@example.com"],
        ["regional-director@example.com"],
    ]
    assert {e.mail_from for e in envelopes} == {"reports@example.com"}
    zh = message_from_bytes(envelopes[0].content, policy=policy.default)
    en = message_from_bytes(envelopes[1].content, policy=policy.default)
    assert zh["Subject"] == "北极星指标月度复盘 · 2017年12月"
    assert en["Subject"] == "North Star monthly review · December 2017"
    assert zh["Content-Language"] == "zh-CN"
    # The test server logs full addresses too, so only this project's records are checked.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("northstar"))
    assert (
        "Sent north_star_monthly_review for period 2017-12 in zh-CN to g***@example.com" in logged
    )
    assert "growth-lead@example.com" not in logged


def test_smtp_uri_connection(reports, smtp_server, monkeypatch):
    port = json.loads(os.environ[CONN_ENV])["port"]
    # URI form: query parameters become extras, as strings.
    monkeypatch.setenv(CONN_ENV, f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true")

    records = deliver_report(reports, RECIPIENTS[1:2])

    assert [r.method for r in records] == ["smtp"]
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["regional-director@example.com"]]
    # Without from_email in the connection, the default sender is used.
    assert smtp_server.envelopes[0].mail_from == "northstar@example.com"


def test_smtp_message_parts(reports, smtp_server):
    deliver_report(reports, RECIPIENTS[:1])

    message = message_from_bytes(smtp_server.envelopes[0].content, policy=policy.default)
    text_part, html_part, image_part = _parts(message)
    assert text_part.get_content_type() == "text/plain"
    assert "本月数值：1,196 户" in text_part.get_content()
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    assert "1,196 户" in html
    assert "data:image/png" not in html
    cid = image_part["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image_part.get_content_type() == "image/png"
    assert image_part.get_content_disposition() == "inline"
    assert image_part.get_content() == reports["zh-CN"].chart_png
    assert image_part.get_content().startswith(PNG_SIGNATURE)


def test_smtp_rejected_recipient(reports, smtp_server):
    bounce = Recipient("Bo Unce", "bounce@example.com", "en", (REPORT_ID,))

    with pytest.raises(DeliveryError, match=r"1 of 2 recipients \(b\*\*\*@example.com\)"):
        deliver_report(reports, [bounce, RECIPIENTS[0]])

    # The rejection does not stop delivery to the next recipient.
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["growth-lead@example.com"]]


def test_outbox_without_connection(reports, airflow_home, northstar_home, caplog):
    caplog.set_level(logging.INFO, logger="northstar")

    records = deliver_report(reports, RECIPIENTS)

    directory = northstar_home.outbox_dir / "2017-12"
    assert sorted(p.name for p in directory.iterdir()) == [
        "en-alex-morgan.eml",
        "zh-CN-lin-wei.eml",
    ]
    assert [r.method for r in records] == ["outbox", "outbox"]
    assert "No SMTP connection 'northstar_smtp'" in caplog.text
    message = message_from_bytes(
        (directory / "en-alex-morgan.eml").read_bytes(), policy=policy.default
    )
    assert message["To"] == "Alex Morgan <regional-director@example.com>"
    assert message["Subject"] == "North Star monthly review · December 2017"
    text_part, html_part, image_part = _parts(message)
    assert "This month: 1,196 households" in text_part.get_content()
    assert f'src="cid:{image_part["Content-ID"].strip("<>")}"' in html_part.get_content()
    assert image_part.get_content().startswith(PNG_SIGNATURE)


def test_missing_report_language(reports, airflow_home):
    with pytest.raises(ValueError, match="Lin Wei"):
        deliver_report({"en": reports["en"]}, RECIPIENTS)


def test_recipients_file_loads():
    recipients = load_recipients()

    assert 2 <= len(recipients) <= 3
    assert {r.language for r in recipients} == {"zh-CN", "en"}
    assert all(r.email.endswith("@example.com") for r in recipients)
    assert all(REPORT_ID in r.reports for r in recipients)


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
    ],
)
def test_recipients_file_invalid(tmp_path, entry, message):
    path = tmp_path / "recipients.yml"
    path.write_text(json.dumps({"recipients": [{"name": "Ann", **entry}]}), encoding="utf-8")

    with pytest.raises(RecipientsError, match=message):
        load_recipients(path)


def test_recipients_duplicate_address(tmp_path):
    entry = {"email": "a@example.com", "language": "en", "reports": [REPORT_ID]}
    path = tmp_path / "recipients.yml"
    document = {"recipients": [{"name": "Ann", **entry}, {"name": "Bo", **entry}]}
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(RecipientsError, match=r"'Ann' and 'Bo'.*a\*\*\*@example.com"):
        load_recipients(path)


def test_mask_email():
    assert mask_email("growth-lead@example.com") == "g***@example.com"
    assert mask_email("not-an-address") == "***"
