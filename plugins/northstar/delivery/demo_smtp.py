"""A local SMTP server for the demo: accepts mail on loopback and stores it in a Maildir.

    python -m northstar.delivery.demo_smtp --port 8025 --maildir var/mail \
        --pid-file var/mail/smtp.pid

It listens on 127.0.0.1 only, writes the pid file once it accepts connections (so a Makefile can
wait for it) and removes it on SIGTERM or SIGINT. Read the mail with any Maildir reader, or
`python -m northstar.delivery.demo_smtp --list --maildir var/mail`.
"""

from __future__ import annotations

import argparse
import logging
import mailbox
import os
import signal
import threading
from email import message_from_bytes, policy
from pathlib import Path

log = logging.getLogger("northstar.delivery.demo_smtp")

HOST = "127.0.0.1"
DEFAULT_PORT = 8025


class MaildirHandler:
    """aiosmtpd handler that stores each accepted message in a Maildir, one file per recipient."""

    def __init__(self, maildir: Path):
        self.maildir = mailbox.Maildir(str(maildir), create=True)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = mailbox.MaildirMessage(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        key = self.maildir.add(message)
        self.count += 1
        log.info(
            "Stored message %d (%s) for %d recipient(s) as %s",
            self.count,
            message_from_bytes(envelope.content, policy=policy.default)["Subject"],
            len(envelope.rcpt_tos),
            key,
        )
        return "250 Message accepted for delivery"


def serve(port: int, maildir: Path, pid_file: Path | None) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(MaildirHandler(maildir), hostname=HOST, port=port)
    controller.start()
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    if pid_file:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")
    log.info("Demo SMTP server listening on %s:%d, storing mail in %s", HOST, port, maildir)
    try:
        stop.wait()
    finally:
        controller.stop()
        if pid_file:
            pid_file.unlink(missing_ok=True)
        log.info("Demo SMTP server on %s:%d stopped", HOST, port)


def list_messages(maildir: Path, eml_dir: Path | None = None) -> None:
    """Print recipient and subject of each stored message; copy each to `eml_dir` as .eml."""
    box = mailbox.Maildir(str(maildir), create=False)
    if eml_dir:
        eml_dir.mkdir(parents=True, exist_ok=True)
    for number, key in enumerate(sorted(box.keys()), start=1):
        raw = box.get_bytes(key)
        message = message_from_bytes(raw, policy=policy.default)
        line = f"{message['X-Envelope-To']}\t{message['Subject']}"
        if eml_dir:
            # The recipient keeps files of one person together in a directory listing.
            recipient = str(message["X-Envelope-To"]).split("@")[0].replace(",", "_")
            path = eml_dir / f"{number:03d}-{recipient}.eml"
            path.write_bytes(raw)
            line += f"\t{path}"
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port on 127.0.0.1")
    parser.add_argument("--maildir", type=Path, required=True, help="Maildir to store mail in")
    parser.add_argument("--pid-file", type=Path, help="written once listening, removed on exit")
    parser.add_argument("--list", action="store_true", help="list stored messages and exit")
    parser.add_argument("--eml-dir", type=Path, help="with --list: also save each message as .eml")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # aiosmtpd logs every SMTP command with full addresses; its warnings are enough here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    if arguments.list:
        list_messages(arguments.maildir, arguments.eml_dir)
        return
    serve(arguments.port, arguments.maildir, arguments.pid_file)


if __name__ == "__main__":
    main()
