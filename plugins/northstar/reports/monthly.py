"""The north star monthly review (复盘报告): build it in zh-CN and en, and save it as HTML files."""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from northstar.metrics import load_registry
from northstar.reports import formatting
from northstar.reports.context import build_context, build_figures
from northstar.reports.data import load_monthly_data
from northstar.settings import get_settings

log = logging.getLogger(__name__)

REPORT_ID = "north_star_monthly_review"
FILE_STEM = "north-star-review"
HTML_TEMPLATE = "monthly_review.html.j2"
TEXT_TEMPLATE = "monthly_review.txt.j2"
# Domain of the chart's Content-ID. It only has to be unique within one message.
CID_DOMAIN = "northstar.invalid"
REPORT_FILE_MODE = 0o644


@dataclass(frozen=True)
class Report:
    """One rendered monthly review in one language.

    `html` embeds the chart as a data: URI, so the file is self-contained. `email_html` references
    the chart as cid:`chart_cid`, so the email attaches `chart_png` under that Content-ID.
    """

    report_id: str
    language: str
    month_start: date
    subject: str
    html: str
    email_html: str
    text: str
    chart_png: bytes
    chart_cid: str
    figures: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("northstar.reports", "templates"),
        # Every value from data is escaped in the HTML. The text part is not HTML, so it is not.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build_monthly_review(month_start: date, language: str) -> Report:
    """Build the monthly review of `month_start` in `language` from the published marts.

    Raises ReportDataError naming the month and the data-through date when the month has no
    published data, and ValueError for a language other than zh-CN or en.
    """
    from northstar.reports.chart import render_trend_chart

    formatting.check_language(language)
    registry = load_registry()
    data = load_monthly_data(month_start, registry.north_star.id)
    chart_png = render_trend_chart(data.trend)
    chart_cid = f"north-star-trend-{month_start:%Y%m}@{CID_DOMAIN}"
    context = build_context(data, registry, language)

    environment = _environment()
    html_template = environment.get_template(HTML_TEMPLATE)
    data_uri = "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
    report = Report(
        report_id=REPORT_ID,
        language=language,
        month_start=month_start,
        subject=context["title"],
        html=html_template.render(context, chart_src=data_uri),
        email_html=html_template.render(context, chart_src=f"cid:{chart_cid}"),
        text=environment.get_template(TEXT_TEMPLATE).render(context),
        chart_png=chart_png,
        chart_cid=chart_cid,
        figures=build_figures(data, registry),
    )
    log.info(
        "Built monthly review for period %s in %s from publish run %s",
        f"{month_start:%Y-%m}",
        language,
        data.quality.run_id,
    )
    return report


def build_monthly_reviews(month_start: date) -> dict[str, Report]:
    """Build the monthly review in every report language, keyed by language."""
    return {
        language: build_monthly_review(month_start, language) for language in formatting.LANGUAGES
    }


def report_dir(month_start: date) -> Path:
    return get_settings().reports_dir / "monthly" / f"{month_start:%Y-%m}"


def write_monthly_reports(month_start: date, run_id: str) -> list[Path]:
    """Save the review of `month_start` as one HTML file per language plus a JSON of its figures.

    Files go to <reports_dir>/monthly/<YYYY-MM>/north-star-review-<YYYY-MM>.<language>.html and
    .json. Each file is written to a temporary name and renamed, so a reader never sees half a
    report, and all reports are built before any is written.
    """
    reports = build_monthly_reviews(month_start)
    directory = report_dir(month_start)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{FILE_STEM}-{month_start:%Y-%m}"

    paths = []
    for language, report in reports.items():
        path = directory / f"{stem}.{language}.html"
        _write_atomically(path, report.html)
        paths.append(path)

    summary = {
        "report_id": REPORT_ID,
        "month": f"{month_start:%Y-%m}",
        "run_id": run_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "languages": list(reports),
        "figures": next(iter(reports.values())).figures,
    }
    figures_path = directory / f"{stem}.json"
    _write_atomically(figures_path, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    paths.append(figures_path)
    log.info(
        "Wrote monthly review for period %s (run %s): %s",
        f"{month_start:%Y-%m}",
        run_id,
        ", ".join(str(path) for path in paths),
    )
    return paths


def _write_atomically(path: Path, content: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
        # mkstemp creates the file readable by its owner only, but reports are shared documents.
        Path(temporary).chmod(REPORT_FILE_MODE)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
