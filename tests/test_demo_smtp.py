"""The demo SMTP server: listens on loopback, stores mail in a Maildir, stops on SIGTERM."""

from __future__ import annotations

import mailbox
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage

START_TIMEOUT_S = 30
POLL_S = 0.1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_smtp_stores_mail(tmp_path):
    port, maildir, pid_file = _free_port(), tmp_path / "mail", tmp_path / "smtp.pid"
    server = subprocess.Popen(
        [sys.executable, "-m", "northstar.delivery.demo_smtp", "--port", str(port),
         "--maildir", str(maildir), "--pid-file", str(pid_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(POLL_S)
        assert pid_file.read_text().strip() == str(server.pid)

        message = EmailMessage()
        message["Subject"] = "北极星指标月度复盘 · 2017年12月"
        message["From"] = "reports@example.com"
        message["To"] = "growth-lead@example.com"
        message.set_content("复购会员户数 1,196 户")
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=START_TIMEOUT_S)

    assert server.returncode == 0, output
    assert not pid_file.exists()
    stored = list(mailbox.Maildir(str(maildir), create=False))
    assert len(stored) == 1
    assert stored[0]["X-Envelope-To"] == "growth-lead@example.com"
    assert "1,196" in stored[0].get_payload(decode=True).decode("utf-8")

    eml_dir = tmp_path / "eml"
    listing = subprocess.run(
        [sys.executable, "-m", "northstar.delivery.demo_smtp", "--list",
         "--maildir", str(maildir), "--eml-dir", str(eml_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "growth-lead@example.com" in listing.stdout
    exported = sorted(eml_dir.glob("*.eml"))
    assert [path.name for path in exported] == ["001-growth-lead.eml"]
    assert exported[0].read_bytes() == stored[0].as_bytes()
