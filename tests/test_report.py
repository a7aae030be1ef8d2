"""Monthly review: numbers, labels and formats in zh-CN and en, escaping, missing data.

The published file is tests/published_fixture.py; its docstring and comments work out every
expected number used here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from published_fixture import DEC, RUN_ID, write_published_marts

from northstar.reports.data import ReportDataError
from northstar.reports.formatting import format_change, format_value
from northstar.reports.monthly import build_monthly_review, write_monthly_reports


@pytest.fixture
def published(northstar_home):
    write_published_marts(northstar_home.published_path)
    return northstar_home


class _Page(HTMLParser):
    """Collect the text of elements with an id and the cells of rows with data-metric."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: dict[str, list[str]] = {}
        self.indent: dict[str, int] = {}
        self._open_ids: list[tuple[str, int]] = []
        self._depth = 0
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "br" and self._cell is not None:
            self._cell.append(" ")
        if tag in ("br", "img", "meta"):
            return
        self._depth += 1
        if "id" in attributes:
            self._open_ids.append((attributes["id"], self._depth))
            self.by_id[attributes["id"]] = ""
        if tag == "tr" and "data-metric" in attributes:
            self._row = attributes["data-metric"]
            self.rows[self._row] = []
        if tag == "td" and self._row:
            self._cell = []
            if not self.rows[self._row]:
                padding = re.search(r"padding-left:(\d+)px", attributes.get("style", ""))
                self.indent[self._row] = int(padding.group(1))

    def handle_endtag(self, tag):
        if tag == "td" and self._row and self._cell is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr":
            self._row = None
        self._open_ids = [(i, d) for i, d in self._open_ids if d < self._depth]
        self._depth -= 1

    def handle_data(self, data):
        for element_id, _ in self._open_ids:
            self.by_id[element_id] += data
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.by_id = {key: " ".join(value.split()) for key, value in page.by_id.items()}
    return page


def test_headline_zh(published):
    report = build_monthly_review(DEC, "zh-CN")
    page = parse(report.html)

    assert report.subject == "北极星指标月度复盘 · 2017年12月"
    assert page.by_id["headline-value"] == "1,196 户"
    assert page.by_id["headline-target"] == "1,200 户"
    # 1,196 / 1,200 = 0.99667, between 95% and 100%: at risk.
    assert page.by_id["headline-attainment"] == "99.7%"
    assert page.by_id["headline-status"] == "有风险"
    # November 1,150 -> December 1,196: +46, and 46 / 1,150 = +4.0%.
    assert page.by_id["headline-change"] == "+46 户 (+4.0%)"
    assert "上月 1,150 户" in report.html
    assert "数据截至 2017年12月31日" in report.html
    assert "复购会员户数" in report.html


def test_headline_en(published):
    report = build_monthly_review(DEC, "en")
    page = parse(report.html)

    assert report.subject == "North Star monthly review · December 2017"
    assert page.by_id["headline-value"] == "1,196 households"
    assert page.by_id["headline-target"] == "1,200 households"
    assert page.by_id["headline-attainment"] == "99.7%"
    assert page.by_id["headline-status"] == "At risk"
    assert page.by_id["headline-change"] == "+46 households (+4.0%)"
    assert "Data through December 31, 2017" in report.html
    assert "Repeat-purchasing households" in report.html


def test_headline_figures(published):
    figures = build_monthly_review(DEC, "en").figures["north_star"]

    assert figures["metric_id"] == "repeat_households"
    assert figures["value"] == 1196
    assert figures["target"] == 1200
    assert figures["attainment"] == pytest.approx(1196 / 1200)
    assert figures["status"] == "at_risk"
    assert figures["previous_value"] == 1150
    assert figures["change"] == 46
    assert figures["change_ratio"] == pytest.approx(0.04)


def test_input_rows_en(published):
    page = parse(build_monthly_review(DEC, "en").html)

    # Depth-first from the north star, then sales_value, which is outside the metric tree.
    assert list(page.rows) == [
        "active_households",
        "new_households",
        "returning_households",
        "campaign_returning_households",
        "organic_returning_households",
        "repeat_rate",
        "sales_value",
    ]
    expected = {
        "active_households": [
            "Active households",
            "Chen Jing Store Operations",
            "2,600 households",
            "2,500 households",
            "104.0%",
            "On track",
        ],
        "new_households": [
            "New households",
            "Sun Li CRM",
            "400 households",
            "500 households",
            "80.0%",
            "Off track",
        ],
        "campaign_returning_households": [
            "Campaign-reached returning households",
            "Wang Fang Marketing",
            "900 households",
            "—",
            "—",
            "no target",
        ],
        "organic_returning_households": [
            "Organic returning households",
            "Chen Jing Store Operations",
            "1,300 households",
            "1,300 households",
            "100.0%",
            "On track",
        ],
        "repeat_rate": [
            "Repeat rate",
            "Zhao Min Category Management",
            "46.0%",
            "48.0%",
            "95.8%",
            "At risk",
        ],
        "sales_value": [
            "Sales value",
            "Liu Yang Finance",
            "$262,345.60",
            "$250,000.00",
            "104.9%",
            "On track",
        ],
    }
    for metric_id, cells in expected.items():
        assert page.rows[metric_id] == cells, metric_id


def test_input_rows_indent(published):
    page = parse(build_monthly_review(DEC, "zh-CN").html)

    # Depth 1 (active), 2 (returning) and 3 (campaign-reached) indent further each level.
    assert page.indent["active_households"] < page.indent["returning_households"]
    assert page.indent["returning_households"] < page.indent["campaign_returning_households"]
    assert page.indent["repeat_rate"] == page.indent["active_households"]


def test_input_rows_zh(published):
    page = parse(build_monthly_review(DEC, "zh-CN").html)

    assert page.rows["active_households"] == [
        "活跃会员户数",
        "Chen Jing Store Operations",
        "2,600 户",
        "2,500 户",
        "104.0%",
        "达成",
    ]
    assert page.rows["new_households"][-1] == "未达成"
    assert page.rows["campaign_returning_households"][-1] == "未设目标"
    assert page.rows["sales_value"][2:4] == ["262,345.60 美元", "250,000.00 美元"]
    assert "≥ 100% 为“达成”，≥ 95% 为“有风险”" in page.by_id["status-rule"]


def test_status_rule_en(published):
    page = parse(build_monthly_review(DEC, "en").html)

    rule = page.by_id["status-rule"]
    assert "attainment ≥ 100% is “On track”" in rule
    assert "≥ 95% is “At risk”" in rule


def test_quality_section(published):
    report = build_monthly_review(DEC, "en")
    page = parse(report.html)

    # Latest run only: 4 passed, 1 failed warning, no failed critical expectation. The earlier
    # run's failures (row count, uniqueness) must not appear.
    assert page.by_id["quality-gate"] == (
        "Quality gate: Passed · Expectations: 4 passed, 1 warning, 0 failed"
    )
    assert page.by_id["failing-warnings"] == "expect_column_values_to_not_be_null (member_since)"
    assert "expect_column_values_to_be_unique" not in report.html
    assert report.figures["quality"]["run_id"] == RUN_ID


def test_text_part(published):
    text = build_monthly_review(DEC, "zh-CN").text

    assert text.startswith("北极星指标月度复盘 · 2017年12月\n")
    assert "本月数值：1,196 户" in text
    assert "环比上月：+46 户 (+4.0%)；上月 1,150 户" in text
    assert "      - 营销触达回头会员户数：900 户" in text
    assert "<" not in text


def test_html_escapes_data(northstar_home):
    hostile = '<script>alert("x")</script>'
    write_published_marts(northstar_home.published_path, failing_warning=hostile)

    html = build_monthly_review(DEC, "en").html

    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_html_self_contained(published):
    report = build_monthly_review(DEC, "en")

    assert 'src="data:image/png;base64,' in report.html
    assert "cid:" not in report.html
    assert f'src="cid:{report.chart_cid}"' in report.email_html
    assert re.search(r"(src|href)=\"https?:", report.html) is None
    assert report.chart_png.startswith(b"\x89PNG\r\n\x1a\n")


def test_missing_month_error(published):
    with pytest.raises(ReportDataError) as error:
        build_monthly_review(date(2018, 3, 1), "en")

    message = str(error.value)
    assert "2018-03" in message
    assert "2017-12-31" in message
    assert "2017-10 to 2017-12" in message


def test_missing_published_file(northstar_home):
    with pytest.raises(ReportDataError, match="not found"):
        build_monthly_review(DEC, "zh-CN")


def test_unknown_language(published):
    with pytest.raises(ValueError, match="fr"):
        build_monthly_review(DEC, "fr")


def test_partial_month_note(northstar_home):
    write_published_marts(northstar_home.published_path, data_through=date(2017, 12, 15))

    assert "This month is not complete yet: data through December 15, 2017." in (
        build_monthly_review(DEC, "en").html
    )
    assert "本月数据尚不完整：数据截至 2017年12月15日。" in build_monthly_review(DEC, "zh-CN").html


def test_trend_has_twelve_months(published):
    trend = build_monthly_review(DEC, "en").figures["trend"]

    assert [point["month"] for point in trend][:2] == ["2017-01", "2017-02"]
    assert trend[-1] == {"month": "2017-12", "value": 1196, "target": 1200}
    # Months before October have no published data and stay as gaps.
    assert [point["value"] for point in trend[:9]] == [None] * 9


def test_write_reports_files(published):
    paths = write_monthly_reports(DEC, run_id="manual__test")

    directory = published.reports_dir / "monthly" / "2017-12"
    assert paths == [
        directory / "north-star-review-2017-12.zh-CN.html",
        directory / "north-star-review-2017-12.en.html",
        directory / "north-star-review-2017-12.json",
    ]
    assert "北极星指标月度复盘 · 2017年12月" in paths[0].read_text(encoding="utf-8")
    summary = json.loads(paths[2].read_text(encoding="utf-8"))
    assert summary["run_id"] == "manual__test"
    assert summary["figures"]["north_star"]["value"] == 1196
    assert sorted(p.name for p in directory.iterdir()) == sorted(p.name for p in paths)


@pytest.mark.parametrize(
    ("value", "number_format", "unit", "language", "expected"),
    [
        (1234, "integer", "households", "zh-CN", "1,234 户"),
        (1234, "integer", "households", "en", "1,234 households"),
        (0.1234, "percent", "ratio", "en", "12.3%"),
        (-12.5, "currency", "USD", "en", "-$12.50"),
        (None, "integer", "households", "en", "—"),
    ],
)
def test_format_value(value, number_format, unit, language, expected):
    assert format_value(value, number_format, unit, language) == expected


def test_format_change_rate():
    # 46.0% -> 48.0% is two percentage points and a relative change of 2 / 46 = +4.3%.
    assert format_change(0.48, 0.46, "percent", "ratio", "zh-CN") == ("+2.0 个百分点", "+4.3%")
    assert format_change(5, 0, "integer", "households", "en") == ("+5 households", "—")
