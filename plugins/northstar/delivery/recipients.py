"""Recipients of the review reports (config/recipients.yml), validated on load."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from northstar.reports.formatting import LANGUAGES
from northstar.reports.periods import CADENCES
from northstar.reports.review import report_id
from northstar.reports.scope import SCOPE_ALL, Scope, parse_scope
from northstar.settings import get_settings

RECIPIENTS_FILE = "recipients.yml"
REPORT_IDS = tuple(report_id(cadence) for cadence in CADENCES)
LANGUAGE_CHOICES = ", ".join(LANGUAGES)
REPORT_CHOICES = ", ".join(REPORT_IDS)
# One @, no spaces, a dot in the domain: catches typos, leaves full RFC 5322 checks to the server.
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}")
# Characters of a name kept in the outbox file name; the rest become "-".
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
SLUG_HASH_CHARS = 8


class RecipientsError(ValueError):
    """The recipients file is invalid; the message names the recipient and the fix."""


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    language: str
    reports: tuple[str, ...]
    role: str = ""
    scope: Scope = SCOPE_ALL
    pdf: bool = False  # attach the report as a PDF as well

    @property
    def slug(self) -> str:
        """File-name form of the name; a hash of the address when the name has no ASCII letters."""
        slug = _SLUG_UNSAFE.sub("-", self.name.lower()).strip("-")
        if slug:
            return slug
        return "recipient-" + hashlib.sha256(self.email.encode()).hexdigest()[:SLUG_HASH_CHARS]


def mask_email(address: str) -> str:
    """Mask an address for logs, because addresses are personal data: g***@example.com."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@dataclass(frozen=True)
class RecipientsConfig:
    recipients: list[Recipient]
    # Mail goes only to addresses on these domains or their subdomains; see `is_allowed`.
    allowed_domains: tuple[str, ...]

    def is_allowed(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.allowed_domains)


def load_recipients(path: Path | None = None) -> list[Recipient]:
    """Read and validate the recipients file; raise RecipientsError naming the first problem."""
    return load_recipients_config(path).recipients


def load_recipients_config(path: Path | None = None) -> RecipientsConfig:
    """Read the recipients and the allow-listed domains; raise RecipientsError when invalid."""
    path = Path(path) if path is not None else get_settings().config_dir / RECIPIENTS_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RecipientsError(
            f"Recipients file {path} not found. Create it with a 'recipients:' list of "
            "name, email, language and reports."
        ) from None
    except yaml.YAMLError as error:
        raise RecipientsError(f"Recipients file {path} is not valid YAML: {error}") from None

    entries = document.get("recipients") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise RecipientsError(f"Recipients file {path} has no list under 'recipients:'; add one.")
    recipients = [_parse_recipient(entry, index, path) for index, entry in enumerate(entries, 1)]
    check_unique(recipients, where=str(path))
    domains = document.get("allowed_domains")
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise RecipientsError(
            f"Recipients file {path} has no 'allowed_domains:' list; list the mail domains "
            "reports may be sent to, e.g. [example.com]."
        )
    return RecipientsConfig(recipients, tuple(d.lower().lstrip("@.") for d in domains))


def _parse_recipient(entry: object, index: int, path: Path) -> Recipient:
    if not isinstance(entry, dict):
        raise RecipientsError(
            f"Recipient #{index} in {path} is {entry!r}; give name, email, language, scope "
            "and reports."
        )
    name = str(entry.get("name") or "").strip()
    label = f"Recipient #{index} ({name or 'no name'}) in {path}"
    if not name:
        raise RecipientsError(f"{label} is missing 'name'; add the person's name.")

    email = str(entry.get("email") or "").strip()
    if not _EMAIL.fullmatch(email):
        raise RecipientsError(
            f"{label} has invalid email {email!r}; use one address like name@example.com."
        )

    language = entry.get("language")
    if not language:
        raise RecipientsError(f"{label} is missing 'language'; set one of: {LANGUAGE_CHOICES}.")
    if language not in LANGUAGES:
        raise RecipientsError(
            f"{label} has unknown language {language!r}; set one of: {LANGUAGE_CHOICES}."
        )

    reports = entry.get("reports")
    if not isinstance(reports, list) or not reports:
        raise RecipientsError(
            f"{label} has no 'reports' list; subscribe to at least one of: {REPORT_CHOICES}."
        )
    for report in reports:
        if report not in REPORT_IDS:
            raise RecipientsError(
                f"{label} subscribes to unknown report {report!r}; use one of: {REPORT_CHOICES}."
            )
    try:
        scope = parse_scope(entry.get("scope", "all"))
    except ValueError as error:
        raise RecipientsError(f"{label}: {error}") from None
    pdf = entry.get("pdf", False)
    if not isinstance(pdf, bool):
        raise RecipientsError(f"{label} has pdf: {pdf!r}; use true or false.")
    return Recipient(
        name=name,
        email=email,
        language=language,
        reports=tuple(reports),
        role=str(entry.get("role") or ""),
        scope=scope,
        pdf=pdf,
    )


def check_unique(recipients: list[Recipient], where: str) -> None:
    """Reject two recipients with one address, or with one outbox file name (language and slug)."""
    seen_emails: dict[str, str] = {}
    seen_files: dict[tuple[str, str], str] = {}
    for recipient in recipients:
        email = recipient.email.lower()
        if email in seen_emails:
            raise RecipientsError(
                f"Recipients {seen_emails[email]!r} and {recipient.name!r} in {where} share "
                f"address {mask_email(recipient.email)}; keep one entry per address."
            )
        seen_emails[email] = recipient.name
        file_key = (recipient.language, recipient.slug)
        if file_key in seen_files:
            raise RecipientsError(
                f"Recipients {seen_files[file_key]!r} and {recipient.name!r} in {where} have the "
                f"same outbox file name {recipient.slug!r}; make the names distinct."
            )
        seen_files[file_key] = recipient.name
