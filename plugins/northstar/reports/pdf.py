"""Render a self-contained report HTML to PDF with headless Chromium (`--print-to-pdf`)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# Debian's chromium package installs here; `chromium` on PATH wins.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# A report prints in a few seconds; two minutes covers a cold start on a loaded machine.
PDF_TIMEOUT_S = 120
# Flags that keep Chromium from touching the network or the user's profile.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No printed header or footer, which would carry the print date and the temporary path.
    "--no-pdf-header-footer",
)


class PdfRenderError(RuntimeError):
    """Chromium did not produce a PDF; the message carries its exit code and error output."""


def chromium_path() -> str:
    return shutil.which("chromium") or DEFAULT_CHROMIUM


def render_pdf(html: str, name: str = "report") -> bytes:
    """Print `html` (which must not load external resources) to PDF and return its bytes."""
    with tempfile.TemporaryDirectory(prefix="northstar-pdf-") as directory:
        root = Path(directory)
        source = root / f"{name}.html"
        source.write_text(html, encoding="utf-8")
        target = root / f"{name}.pdf"
        profile = root / "profile"
        profile.mkdir()
        command = [
            chromium_path(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfRenderError(f"Chromium failed to print {name} to PDF: {error}") from error
        if not target.exists() or target.stat().st_size == 0:
            raise PdfRenderError(
                f"Chromium printed no PDF for {name} (exit code {result.returncode}). Install "
                f"chromium or check its output: {result.stderr[-1000:]}"
            )
        pdf = target.read_bytes()
    log.info("Rendered %s to PDF: %d bytes", name, len(pdf))
    return pdf
