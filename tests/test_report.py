"""Reviews: numbers, labels and formats in zh-CN and en, why it moved, scope, escaping, gaps.

The published file is tests/published_fixture.py; its docstring and comments work out every
expected number used here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from published_fixture import (
    DEC,
    FAILING_WARNING_REASON,
    RUN_ID,
    write_published_marts,
)

from northstar.reports.data import ReportDataError, check_readiness
from northstar.reports.formatting import format_change, format_percent, format_value
from northstar.reports.monthly import build_monthly_review, write_monthly_reports
from northstar.reports.periods import parse_period
from northstar.reports.review import build_held_notice, build_review
from northstar.reports.scope import Scope

NORTH = Scope("region", "North")


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

    assert (
        report.subject == "北极星指标月度复盘 · 2017年12月：复购会员户数 1,196 户（环比上月 +4.0%）"
    )
    assert "北极星指标月度复盘 · 2017年12月</h1>" in report.html
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

    assert report.subject == (
        "North Star monthly review · December 2017: Repeat-purchasing households "
        "1,196 households (+4.0% vs previous month)"
    )
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
    # December 2016 had 1,104: +92, and 92 / 1,104 = +8.3%.
    assert figures["last_year_value"] == 1104
    assert figures["yoy_change"] == 92


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
    # The stored reason first, the technical name after it in brackets.
    assert page.by_id["failing-warnings"] == (
        f"{FAILING_WARNING_REASON} (expect_column_values_to_not_be_null · member_since)"
    )
    assert "expect_column_values_to_be_unique" not in report.html
    assert report.figures["quality"]["run_id"] == RUN_ID


def test_text_part(published):
    text = build_monthly_review(DEC, "zh-CN").text

    assert text.startswith("北极星指标月度复盘 · 2017年12月\n")
    assert "本月：1,196 户" in text
    assert "环比上月：+46 户 (+4.0%)；上月 1,150 户" in text
    assert "      - 营销触达回头会员户数：900 户" in text
    # Plain text: no markup from the HTML template (source values are shown as written).
    assert "<p" not in text
    assert "<td" not in text


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
    assert "2016-12 to 2017-12" in message


def test_missing_published_file(northstar_home):
    with pytest.raises(ReportDataError, match="not found"):
        build_monthly_review(DEC, "zh-CN")


def test_unknown_language(published):
    with pytest.raises(ValueError, match="fr"):
        build_monthly_review(DEC, "fr")


def test_partial_month_note(northstar_home):
    write_published_marts(northstar_home.published_path, data_through=date(2017, 12, 15))

    assert "This period is not complete yet: data through December 15, 2017." in (
        build_monthly_review(DEC, "en").html
    )
    assert "本期数据尚不完整：数据截至 2017年12月15日。" in build_monthly_review(DEC, "zh-CN").html


def test_trend_has_twelve_months(published):
    trend = build_monthly_review(DEC, "en").figures["trend"]

    assert [point["period"] for point in trend][:2] == ["2017-01", "2017-02"]
    assert trend[-1] == {"period": "2017-12", "value": 1196, "target": 1200}
    # Months before October have no published data and stay as gaps.
    assert [point["value"] for point in trend[:9]] == [None] * 9


def test_write_reports_files(published):
    paths = write_monthly_reports(DEC, run_id="manual__test")

    directory = published.reports_dir / "monthly" / "2017-12"
    assert paths == [
        directory / "north-star-review-2017-12-all.zh-CN.html",
        directory / "north-star-review-2017-12-all.en.html",
        directory / "north-star-review-2017-12-all.json",
    ]
    assert "北极星指标月度复盘 · 2017年12月" in paths[0].read_text(encoding="utf-8")
    summary = json.loads(paths[2].read_text(encoding="utf-8"))
    assert summary["run_id"] == "manual__test"
    assert summary["publish_run_id"] == RUN_ID
    assert summary["figures"]["north_star"]["value"] == 1196
    assert re.fullmatch(r"(v\d+:)?[0-9a-f]{12}", summary["definitions"]["repeat_households"])
    assert set(summary["content_hashes"]) == {"zh-CN", "en"}
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


def test_why_inputs_december(published):
    report = build_monthly_review(DEC, "en")

    # The repeat rate is flat at 46%, so active households carry all +46, and each unit of them
    # is worth 46 / 100 = 0.46: new -20 -> -9.2, returning +120 -> +55.2.
    assert "(+46 households) split across its input metrics" in report.html
    text = report.text
    assert "- Active households: 2,500 households -> 2,600 households; " in text
    assert "Contribution +46.0 households" in text
    assert "New households: 420 households -> 400 households; Contribution -9.2 households" in text
    assert "Repeat rate: 46.0% -> 46.0%; Contribution 0.0 households" in text


def test_summary_names_drivers(published):
    page = parse(build_monthly_review(DEC, "zh-CN").html)

    summary = page.by_id["summary"]
    assert "复购会员户数本月为 1,196 户，环比上月 +46 户（+4.0%）。" in summary
    # Active households carry +46.0; below them organic returning households (+80 of +100
    # active households, times 0.46) carry the most: +36.8.
    assert (
        "变动主要来自活跃会员户数（贡献 +46.0 户），其中自然回头会员户数贡献 +36.8 户。" in summary
    )
    # North grew 380 -> 450, the largest regional move.
    assert "区域中变动最大的是北区（+70 户）。" in summary


def test_why_dimensions(published):
    page = parse(build_monthly_review(DEC, "en").html)

    regions = page.by_id["why-region"]
    assert regions.index("North") < regions.index("West") < regions.index("South")
    assert "+70 households" in regions
    # Income bands partition households: +50 - 14 + 10 = +46, the total change.
    assert (
        "The income band changes add up to +46 households" in build_monthly_review(DEC, "en").html
    )
    # Rates by band: 0.4222 -> 0.43, 0.47 -> 0.48, 0.5 -> 0.4767 at shares 0.36/0.40/0.24 ->
    # 0.3846/0.3846/0.2308: the effects are small and add up to the flat total (0.00 pp).
    assert "0.00 pp in all" in page.by_id["mix-rate"]


def test_department_name_escaped(published):
    html = build_monthly_review(DEC, "en").html

    assert "DELI &lt;b&gt;&amp;&lt;/b&gt; CO" in html
    assert "<b>&</b>" not in html


def test_region_scope_numbers(published):
    report = build_monthly_review(DEC, "en", NORTH)
    page = parse(report.html)

    assert report.subject.startswith("North Star monthly review · December 2017 · North region")
    # North: 450 repeat households in December, 380 in November: +70 (+18.4%).
    assert page.by_id["headline-value"] == "450 households"
    assert page.by_id["headline-change"] == "+70 households (+18.4%)"
    # Only the region's own stores are broken down.
    assert "Store 101" in page.by_id["why-store"]
    assert "why-region" not in page.by_id
    assert "why-department" not in page.by_id


def test_region_scope_zh_label(published):
    report = build_monthly_review(DEC, "zh-CN", NORTH)

    assert report.subject.startswith("北极星指标月度复盘 · 2017年12月 · 北区：")


def test_weekly_anomaly(published):
    report = build_review(parse_period("weekly", "2017-W52"), "en")
    page = parse(report.html)

    assert report.subject.startswith("North Star weekly review · Week 52, 2017 (Dec 25–31)")
    # 560 against a median of 508 over the 12 weeks before (MAD floored at 5.08): z = +6.9.
    assert (
        "Repeat-purchasing households is 560 households, well above the 508 households history "
        "predicts (robust z +6.9)." in page.by_id["anomalies"]
    )
    assert "Targets are set per month and quarter" in page.by_id["target-note"]


def test_quarterly_review(published):
    report = build_review(parse_period("quarterly", "2017-Q4"), "zh-CN")
    page = parse(report.html)

    assert report.subject.startswith("北极星指标季度复盘 · 2017年第四季度：复购会员户数 2,050 户")
    # 2,050 / 2,000 = 102.5%, on track; Q4 2016 had 1,980: +70.
    assert page.by_id["headline-attainment"] == "102.5%"
    assert page.by_id["headline-yoy"] == "+70 户 (+3.5%)"


def test_review_is_deterministic(published):
    period = parse_period("monthly", "2017-12")
    first = build_review(period, "zh-CN", NORTH)
    second = build_review(period, "zh-CN", NORTH)

    assert first.html == second.html
    assert first.chart_png == second.chart_png
    assert first.content_hash == second.content_hash


def test_held_notice_late(northstar_home):
    write_published_marts(northstar_home.published_path, data_through=date(2017, 12, 30))
    readiness = check_readiness(parse_period("monthly", "2017-12"))

    notice = build_held_notice(readiness, "en")

    assert readiness.reason == "data_late"
    assert notice.subject == "Report held: North Star monthly review · December 2017"
    assert "data through December 30, 2017" in notice.text
    assert "1,196" not in notice.text + notice.html


def test_held_notice_no_data(northstar_home):
    # The publish reaches past January 2018 but the fixture has values only up to December 2017,
    # as when the sources stop delivering and only the freshness warning fires.
    write_published_marts(northstar_home.published_path, data_through=date(2018, 2, 28))
    readiness = check_readiness(parse_period("monthly", "2018-01"))

    notice = build_held_notice(readiness, "en")

    assert readiness.ready is False
    assert readiness.reason == "no_data"
    assert "has no metric values for this period" in notice.text


def test_held_notice_gate_failed(northstar_home):
    write_published_marts(northstar_home.published_path, gate_status="failed")
    readiness = check_readiness(parse_period("monthly", "2017-12"))

    notice = build_held_notice(readiness, "zh-CN")

    assert readiness.reason == "gate_failed"
    assert notice.subject == "【暂缓发送】北极星指标月度复盘 · 2017年12月"
    assert "未通过数据质量闸门" in notice.text


def test_suspect_rise_flagged(published, monkeypatch):
    # The fixture has two stores per region, fewer than the check needs; lowered to one, North's
    # +18.4% (above the 10% spike threshold) comes all from stores 101 and 102 (100% >= 60%).
    monkeypatch.setattr("northstar.reports.anomalies.CONCENTRATION_MIN_STORES", 1)

    report = build_monthly_review(DEC, "en", NORTH)
    page = parse(report.html)

    assert (
        "Suspect rise: Repeat-purchasing households grew +18.4%, and 100% of the increase came "
        "from 2 stores (Store 101, Store 102)." in page.by_id["anomalies"]
    )
    assert "Repeat-purchasing households: suspect rise" in page.by_id["actions"]
    assert report.figures["suspects"][0]["top_stores"] == ["101", "102"]


def test_region_scope_own_targets(published):
    report = build_monthly_review(DEC, "en", NORTH)
    page = parse(report.html)

    # North's own December targets: repeat 450 / 500 = 90.0% off track, active 900 / 900 on
    # track, new 130 / 125 = 104.0% on track; the other metrics have no North target.
    assert page.by_id["headline-target"] == "500 households"
    assert page.by_id["headline-attainment"] == "90.0%"
    assert page.by_id["headline-status"] == "Off track"
    assert page.rows["active_households"][2:] == [
        "900 households",
        "900 households",
        "100.0%",
        "On track",
    ]
    assert page.rows["new_households"][4:] == ["104.0%", "On track"]
    assert page.rows["returning_households"][4:] == ["—", "no target"]
    assert "company as a whole" not in report.html
    assert "those set for this report's scope (North region)" in page.by_id["target-note"]
    assert report.figures["trend"][-2:] == [
        {"period": "2017-11", "value": 380, "target": 400},
        {"period": "2017-12", "value": 450, "target": 500},
    ]


def test_region_scope_targets_zh(published):
    page = parse(build_monthly_review(DEC, "zh-CN", NORTH).html)

    assert page.by_id["headline-target"] == "500 户"
    assert page.by_id["headline-status"] == "未达成"
    assert page.rows["campaign_returning_households"][-1] == "未设目标"
    assert "本报告范围（北区）自身的目标" in page.by_id["target-note"]


def test_region_scope_without_targets(published):
    # The North region has quarterly values but no quarterly targets.
    report = build_review(parse_period("quarterly", "2017-Q4"), "en", NORTH)
    page = parse(report.html)

    assert page.by_id["headline-target"] == "—"
    assert page.by_id["headline-status"] == "no target"
    assert page.by_id["target-note"] == (
        "No targets are set for this report's scope (North region) in this period, so it "
        "compares with earlier periods."
    )


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize(
    ("current", "previous", "number_format", "unit"),
    [
        (1150.0, 1150.0, "integer", "households"),
        (1149.6, 1150.0, "integer", "households"),
        (0.46, 0.46004, "percent", "ratio"),
        (100.0, 100.004, "currency", "USD"),
        (100.0, 100.004, "decimal", ""),
    ],
)
def test_change_rounding_to_zero_unsigned(current, previous, number_format, unit, language):
    absolute, relative = format_change(current, previous, number_format, unit, language)

    assert not absolute.startswith(("-", "+")), absolute
    assert re.search(r"[1-9]", absolute.split(" ")[0]) is None, absolute
    assert relative == "0.0%"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_value_rounding_to_zero_unsigned(language):
    assert format_value(-0.4, "integer", "households", language, signed=True) == format_value(
        0, "integer", "households", language
    )
    assert format_value(-0.001, "currency", "USD", language, signed=True) == format_value(
        0, "currency", "USD", language
    )
    assert format_percent(-0.0004, signed=True) == "0.0%"
    # Changes that do not round to zero keep their sign.
    assert format_value(-0.6, "integer", "households", language, signed=True).startswith("-1")
    assert format_percent(0.0006, signed=True) == "+0.1%"


def test_weekly_last_year_not_covered(northstar_home):
    # Data begins 2017-01-01, so 2016-W52 (Dec 26, 2016 to Jan 1, 2017) has one day of data.
    write_published_marts(northstar_home.published_path, first_day=date(2017, 1, 1))
    period = parse_period("weekly", "2017-W52")

    english = build_review(period, "en")
    chinese = build_review(period, "zh-CN")

    assert english.figures["north_star"]["last_year_value"] is None
    assert english.figures["north_star"]["yoy_change"] is None
    assert english.figures["last_year_covered"] is False
    assert parse(english.html).by_id["headline-yoy"] == (
        "no comparison, because the published data begins January 1, 2017 and does not fully "
        "cover last year's period"
    )
    assert "vs last year: no comparison, because the published data begins" in english.text
    assert "去年同期未被已发布数据完整覆盖（数据始于 2017年1月1日）" in chinese.html


def test_weekly_last_year_covered(published):
    # The fixture's dim_date starts 2016-10-01, so 2016-W52 (500) is covered: 560 - 500 = +60.
    report = build_review(parse_period("weekly", "2017-W52"), "en")

    assert report.figures["last_year_covered"] is True
    assert parse(report.html).by_id["headline-yoy"] == "+60 households (+12.0%)"


def test_day_rows_set_first_day(northstar_home):
    # Day-grain rows take precedence over dim_date, whose spine can start before the data.
    write_published_marts(northstar_home.published_path, day_rows_from=date(2017, 12, 20))

    weekly = build_review(parse_period("weekly", "2017-W52"), "en")
    monthly = build_monthly_review(DEC, "en")

    assert weekly.figures["first_data_day"] == "2017-12-20"
    assert weekly.figures["north_star"]["last_year_value"] is None
    assert monthly.figures["north_star"]["last_year_value"] is None


def test_weekly_legend_without_target(published):
    weekly = parse(build_review(parse_period("weekly", "2017-W52"), "en").html)
    monthly = parse(build_monthly_review(DEC, "en").html)
    weekly_zh = parse(build_review(parse_period("weekly", "2017-W52"), "zh-CN").html)

    # Weeks have no targets, so no dashed target line is drawn or named.
    assert weekly.by_id["trend-caption"] == "Solid blue line: Repeat-purchasing households, actual."
    assert "虚线" not in weekly_zh.by_id["trend-caption"]
    assert "dashed grey line: target" in monthly.by_id["trend-caption"]


def test_publish_time_not_run_id(published):
    english = build_monthly_review(DEC, "en")
    chinese = build_monthly_review(DEC, "zh-CN")

    # publish_log: published 2018-01-01 02:30 UTC.
    assert parse(english.html).by_id["freshness"] == (
        "Data through December 31, 2017, published January 1, 2018 02:30 UTC."
    )
    assert "发布于 2018年1月1日 02:30" in chinese.html
    for report in (english, chinese):
        assert RUN_ID not in report.html
        assert RUN_ID not in report.text


def test_held_notice_publish_time(northstar_home):
    write_published_marts(northstar_home.published_path, gate_status="failed")
    readiness = check_readiness(parse_period("monthly", "2017-12"))

    notice = build_held_notice(readiness, "en")

    assert "The latest publish (January 1, 2018 02:30 UTC, data through" in notice.text
    assert RUN_ID not in notice.text + notice.html


def test_failing_warning_reason_zh(published):
    report = build_monthly_review(DEC, "zh-CN")

    assert (
        f"    - {FAILING_WARNING_REASON} (expect_column_values_to_not_be_null · member_since)"
        in report.text
    )


def test_unknown_segment_zh(published):
    chinese = parse(build_monthly_review(DEC, "zh-CN").html)
    english = parse(build_monthly_review(DEC, "en").html)

    assert "未知" in chinese.by_id["why-department"]
    assert "Unknown" not in chinese.by_id["why-department"]
    assert "Unknown" in english.by_id["why-department"]
