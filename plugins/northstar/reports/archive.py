"""Archive every built review: HTML per language, a PDF where one was rendered, and a JSON of
the figures, definition hashes and publish run it used.

Layout: <reports_dir>/<cadence>/<period key>/north-star-review-<period key>-<scope>.<language>.html
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from northstar.reports.review import Report, definitions_version
from northstar.settings import get_settings

log = logging.getLogger(__name__)

FILE_STEM = "north-star-review"
REPORT_FILE_MODE = 0o644


def report_dir(report: Report) -> Path:
    return get_settings().reports_dir / report.period.cadence / report.period.key


def file_stem(report: Report) -> str:
    return f"{FILE_STEM}-{report.period.key}-{report.scope.key}"


def archive_reports(
    reports: list[Report], run_id: str, pdfs: dict[tuple[str, str], bytes] | None = None
) -> list[Path]:
    """Write the HTML (and PDF) of each report and one JSON per scope; return the paths.

    `pdfs` maps (scope key, language) to PDF bytes. Each file is written to a temporary name and
    renamed, so a reader never sees half a file.
    """
    pdfs = pdfs or {}
    paths: list[Path] = []
    by_scope: dict[str, list[Report]] = {}
    for report in reports:
        directory = report_dir(report)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{file_stem(report)}.{report.language}.html"
        write_atomically(path, report.html.encode("utf-8"))
        paths.append(path)
        pdf = pdfs.get((report.scope.key, report.language))
        if pdf:
            pdf_path = path.with_suffix(".pdf")
            write_atomically(pdf_path, pdf)
            paths.append(pdf_path)
        by_scope.setdefault(report.scope.key, []).append(report)

    for scope_reports in by_scope.values():
        first = scope_reports[0]
        quality = first.figures.get("quality", {})
        summary = {
            "report_id": first.report_id,
            "kind": first.kind,
            "cadence": first.period.cadence,
            "period": first.period.key,
            "scope": first.scope.key,
            "run_id": run_id,
            "publish_run_id": quality.get("run_id"),
            "published_at": quality.get("published_at"),
            "data_through": quality.get("data_through"),
            "languages": [r.language for r in scope_reports],
            "content_hashes": {r.language: r.content_hash for r in scope_reports},
            "definitions_version": definitions_version(first.definitions)
            if first.definitions
            else None,
            "definitions": first.definitions,
            "figures": first.figures,
        }
        path = report_dir(first) / f"{file_stem(first)}.json"
        text = json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n"
        write_atomically(path, text.encode("utf-8"))
        paths.append(path)
    log.info(
        "Archived %d files for %s period %s (run %s) under %s",
        len(paths),
        reports[0].report_id if reports else "-",
        reports[0].period.key if reports else "-",
        run_id,
        report_dir(reports[0]) if reports else "-",
    )
    return paths


def write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        # mkstemp creates the file readable by its owner only, but reports are shared documents.
        Path(temporary).chmod(REPORT_FILE_MODE)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
