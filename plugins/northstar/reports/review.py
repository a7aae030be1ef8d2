"""Build the north star reviews (复盘报告): weekly, monthly and quarterly, per language and scope.

A review is deterministic: the same published data gives byte-identical HTML, text and chart,
because nothing in it depends on the clock. Its only timestamps come from publish_log.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache

from northstar.metrics import load_registry
from northstar.metrics.registry import Registry
from northstar.reports import formatting
from northstar.reports.periods import Period
from northstar.reports.scope import SCOPE_ALL, Scope

log = logging.getLogger(__name__)

HTML_TEMPLATE = "review.html.j2"
TEXT_TEMPLATE = "review.txt.j2"
HELD_HTML_TEMPLATE = "held.html.j2"
HELD_TEXT_TEMPLATE = "held.txt.j2"
# Domain of the chart's Content-ID. It only has to be unique within one message.
CID_DOMAIN = "northstar.invalid"
# Hex digits kept of a definition hash: enough to tell versions apart in a footer.
DEFINITION_HASH_CHARS = 12
KIND_REPORT = "report"
KIND_HELD = "held"


def report_id(cadence: str) -> str:
    """Return the report id recipients subscribe to, e.g. north_star_weekly_review."""
    return f"north_star_{cadence}_review"


@dataclass(frozen=True)
class Report:
    """One rendered review (or held notice) in one language for one scope.

    `html` embeds the chart as a data: URI, so the file is self-contained. `email_html` references
    the chart as cid:`chart_cid`, so the email attaches `chart_png` under that Content-ID.
    """

    report_id: str
    kind: str  # report or held
    period: Period
    scope: Scope
    language: str
    subject: str
    html: str
    email_html: str
    text: str
    chart_png: bytes = b""
    chart_cid: str = ""
    figures: dict = field(default_factory=dict)
    definitions: dict = field(default_factory=dict)
    content_hash: str = ""

    @property
    def month_start(self) -> date:
        return self.period.start


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


def definition_hashes(registry: Registry) -> dict[str, str]:
    """Hash of each metric definition, so an archived report names the definitions it used.

    The key is `<metric id>` and the value `v<version>:<hash>` when the registry versions its
    metrics, else the hash alone.
    """
    hashes = {}
    for metric_id, metric in sorted(registry.metrics.items()):
        document = json.dumps(asdict(metric), sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(document.encode()).hexdigest()[:DEFINITION_HASH_CHARS]
        version = getattr(metric, "version", None)
        hashes[metric_id] = f"v{version}:{digest}" if version is not None else digest
    return hashes


def definitions_version(hashes: dict[str, str]) -> str:
    """Combine the definition hashes into one short hash for the report footer."""
    joined = ",".join(f"{metric_id}={digest}" for metric_id, digest in sorted(hashes.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:DEFINITION_HASH_CHARS]


def content_hash(kind: str, period: Period, scope: Scope, language: str, payload: dict) -> str:
    """Hash of what a recipient reads: the figures without the publish stamp, or the notice.

    The publish run id and quality counts are left out, so a rerun after a routine republish
    with unchanged numbers is the same report and is not sent again.
    """
    content = {k: v for k, v in payload.items() if k != "quality"}
    document = {
        "kind": kind,
        "period": period.key,
        "cadence": period.cadence,
        "scope": scope.key,
        "language": language,
        "content": content,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def build_review(period: Period, language: str, scope: Scope = SCOPE_ALL) -> Report:
    """Build the review of `period` in `language` for `scope` from the published marts.

    Raises ReportDataError when the period has no published data in that scope, and ValueError
    for a language other than zh-CN or en.
    """
    from northstar.reports.analysis import analyse
    from northstar.reports.chart import render_trend_chart
    from northstar.reports.context import build_context
    from northstar.reports.data import load_review_data

    formatting.check_language(language)
    registry = load_registry()
    data = load_review_data(period, scope, registry.north_star.id)
    figures = analyse(data, registry)
    hashes = definition_hashes(registry)
    context = build_context(figures, registry, period, scope, language, definitions_version(hashes))
    chart_png = render_trend_chart(data.trend)
    chart_cid = f"north-star-trend-{period.key}-{scope.key}@{CID_DOMAIN}"

    environment = _environment()
    html_template = environment.get_template(HTML_TEMPLATE)
    data_uri = "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
    report = Report(
        report_id=report_id(period.cadence),
        kind=KIND_REPORT,
        period=period,
        scope=scope,
        language=language,
        subject=context["subject"],
        html=html_template.render(context, chart_src=data_uri),
        email_html=html_template.render(context, chart_src=f"cid:{chart_cid}"),
        text=environment.get_template(TEXT_TEMPLATE).render(context),
        chart_png=chart_png,
        chart_cid=chart_cid,
        figures=figures,
        definitions=hashes,
        content_hash=content_hash(KIND_REPORT, period, scope, language, figures),
    )
    log.info(
        "Built %s for period %s scope %s in %s from publish run %s",
        report.report_id,
        period.key,
        scope.key,
        language,
        data.quality.run_id,
    )
    return report


def build_held_notice(readiness, language: str, scope: Scope = SCOPE_ALL) -> Report:
    """Build the short "report held" notice for a period whose data is late or failed the gate.

    The notice contains no metric figures, only the reason and the publish stamp.
    """
    from northstar.reports.context import titles
    from northstar.reports.messages import MESSAGES

    formatting.check_language(language)
    text = MESSAGES[language]
    period = readiness.period
    names = titles(period, scope, language)
    quality = readiness.quality
    stamp = {
        "run_id": quality.run_id if quality else "",
        "published": formatting.format_timestamp(quality.published_at, language) if quality else "",
        "data_through": formatting.format_day(quality.data_through, language) if quality else "",
        "period_end": formatting.format_day(period.end, language),
    }
    context = {
        "language": language,
        "html_lang": language,
        "text": text,
        **names,
        "reason": text[f"held_{readiness.reason}"].format(**stamp),
        "follow_up": text["held_follow_up"],
    }
    environment = _environment()
    html = environment.get_template(HELD_HTML_TEMPLATE).render(context)
    payload = {"reason": readiness.reason, **stamp}
    # Only the reason is hashed, so each later late publish does not send another notice.
    hashed = {"reason": readiness.reason}
    return Report(
        report_id=report_id(period.cadence),
        kind=KIND_HELD,
        period=period,
        scope=scope,
        language=language,
        subject=text["held_subject"].format(title=names["title"]),
        html=html,
        email_html=html,
        text=environment.get_template(HELD_TEXT_TEMPLATE).render(context),
        figures={"held": payload},
        content_hash=content_hash(KIND_HELD, period, scope, language, hashed),
    )
