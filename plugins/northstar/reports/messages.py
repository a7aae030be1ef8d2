"""Fixed wording of the review reports in each report language.

Placeholders in braces are filled by northstar.reports.context with values already formatted
for the language. Words that depend on the cadence are in CADENCE_WORDS.
"""

from __future__ import annotations

CADENCE_WORDS = {
    "zh-CN": {
        "weekly": {
            "review": "周度",
            "trend_unit": "周",
            "this": "本周",
            "previous": "上周",
            "vs_previous": "环比上周",
        },
        "monthly": {
            "review": "月度",
            "trend_unit": "个月",
            "this": "本月",
            "previous": "上月",
            "vs_previous": "环比上月",
        },
        "quarterly": {
            "review": "季度",
            "trend_unit": "个季度",
            "this": "本季",
            "previous": "上季",
            "vs_previous": "环比上季",
        },
    },
    "en": {
        "weekly": {
            "review": "weekly",
            "trend_unit": "weeks",
            "this": "This week",
            "previous": "previous week",
            "vs_previous": "vs previous week",
        },
        "monthly": {
            "review": "monthly",
            "trend_unit": "months",
            "this": "This month",
            "previous": "previous month",
            "vs_previous": "vs previous month",
        },
        "quarterly": {
            "review": "quarterly",
            "trend_unit": "quarters",
            "this": "This quarter",
            "previous": "previous quarter",
            "vs_previous": "vs previous quarter",
        },
    },
}

# Region names of dim_store shown in Chinese; other names are shown as written.
REGION_NAMES_ZH = {"North": "北区", "South": "南区", "East": "东区", "West": "西区"}
# Segment values of any dimension shown in Chinese, e.g. the income band or department the
# sources left blank; other values are shown as written.
SEGMENT_NAMES_ZH = {"Unknown": "未知"}

MESSAGES = {
    "zh-CN": {
        "title": "北极星指标{review}复盘 · {period}",
        "title_scoped": "北极星指标{review}复盘 · {period} · {scope}",
        "subject": "{title}：{label} {value}（{vs_previous} {change_ratio}）",
        "held_subject": "【暂缓发送】{title}",
        "scope_all": "全公司",
        "scope_region": "{value}",
        "scope_department": "部门：{value}",
        "colon": "：",
        "semicolon": "；",
        "comma": "，",
        "north_star": "北极星指标",
        "target": "目标",
        "attainment": "达成率",
        "status": "状态",
        "yoy": "同比去年",
        "previous": "{previous} {value}",
        "no_previous": "{previous}无已发布数据",
        "last_year": "去年同期 {value}",
        "no_last_year": "去年同期无数据",
        "last_year_not_covered": "去年同期未被已发布数据完整覆盖（数据始于 {date}），不作比较",
        "no_target": "未设目标",
        "target_note_weekly": "目标按月和季度设定，因此周报不显示目标。",
        "target_note_scope": (
            "目标与达成率为本报告范围（{scope}）自身的目标；未设目标的指标标为“未设目标”。"
        ),
        "target_note_scope_none": "本报告范围（{scope}）本期未设目标，与上期和去年同期比较。",
        "summary_title": "结论",
        "summary_change": "{label}{this}为 {value}，{vs_previous} {change}（{change_ratio}）。",
        "summary_target": "目标 {target}，达成率 {attainment}，状态为“{status}”。",
        "summary_driver": "变动主要来自{label}（贡献 {contribution}）。",
        "summary_driver_detail": (
            "变动主要来自{label}（贡献 {contribution}），其中{detail}贡献 {detail_contribution}。"
        ),
        "summary_segment": "{dimension}中变动最大的是{segment}（{change}）。",
        "summary_flat": "{label}与{previous}持平。",
        "trend_title": "近 {count} {unit}趋势",
        "trend_caption": "蓝色实线：{label}实际值；灰色虚线：目标。",
        "trend_caption_no_target": "蓝色实线：{label}实际值。",
        "inputs_title": "指标树",
        "other_metrics": "其他跟踪指标（不在指标树内）",
        "metric": "指标",
        "owner": "负责人",
        "change": "变动",
        "status_rule": (
            "状态规则：达成率 ≥ {on_track} 为“{on_track_label}”，≥ {at_risk} 为“{at_risk_label}”，"
            "其余为“{off_track_label}”。达成率 = 实际值 ÷ 目标（越低越好的指标为 目标 ÷ 实际值）。"
        ),
        "why_title": "变动归因",
        "by_inputs": "按输入指标拆解{label}的变动（{change}）",
        "contribution": "对北极星的贡献",
        "residual": "公式未能解释的差额（舍入）：{value}",
        "by_dimension": "按{dimension}拆解（变动最大的 {count} 个）",
        "segment": "{dimension}",
        "previous_value": "上期",
        "current_value": "本期",
        "adds_up": "各{dimension}的变动合计 {total}，等于总变动。",
        "overlaps": (
            "同一户可在多个{dimension}购买，各{dimension}变动之和（{total}）不必等于总变动。"
        ),
        "mix_rate": (
            "{ratio_label}按{dimension}拆解：各段自身比率变化（比率效应）{rate}，"
            "各段活跃户占比变化（结构效应）{mix}，合计 {total}。"
        ),
        "method_note": (
            "拆解方法：加总关系按各项变动直接相加；乘积与比率关系用对数平均迪氏指数（LMDI）："
            "贡献 = L(本期, 上期) × ln(因子本期 ÷ 因子上期)，L(a, b) = (a − b) ÷ (ln a − ln b)，"
            "各项贡献之和恰等于总变动；某项为零时改用 Shapley 分摊。比率效应与结构效应为对称拆分，"
            "两者之和恰等于比率变化。"
        ),
        "dimensions": {
            "region": "区域",
            "store": "门店",
            "department": "部门",
            "income_band": "收入段",
        },
        "store_name": "门店 {store}",
        "anomalies_title": "异常提示",
        "no_anomalies": "未发现异常。",
        "anomaly_high": "{label}为 {value}，明显高于按历史预期的约 {expected}（稳健 z 值 {z}）。",
        "anomaly_low": "{label}为 {value}，明显低于按历史预期的约 {expected}（稳健 z 值 {z}）。",
        "suspect": (
            "疑似异常增长：{label}较上期增长 {growth}，"
            "其中 {share} 来自 {count} 家门店（{stores}）。"
            "核实前请勿视为真实增长（增长集中于少数门店是刷单的典型特征）。"
        ),
        "anomaly_method": (
            "方法：本期数值与近 {history} 期比较（有一年历史时用同比比值，以剔除季节性），"
            "稳健 z 值 = 0.6745 ×（数值 − 中位数）÷ 中位数绝对偏差，|z| > {threshold} 视为异常；"
            "增长 ≥ {spike} 且前 {top} 家门店贡献 ≥ {share} 时标记为疑似异常增长。"
        ),
        "actions_title": "待跟进事项",
        "no_actions": "所有指标均达成目标且无异常，无需跟进。",
        "action_status": "{label}：{status}（达成率 {attainment}）",
        "action_anomaly": "{label}：数值异常，请核实",
        "action_suspect": "{label}：疑似异常增长，请核实门店订单",
        "quality_title": "数据质量与时效",
        "gate": "质量闸门",
        "checks": "校验通过 {passed} 项，警告 {warnings} 项，失败 {failed} 项",
        "warning_one": "",
        "warning_other": "",
        "failing_warnings": "未通过的警告级校验：",
        "data_through": "数据截至 {date}",
        "freshness": "数据截至 {date}，发布于 {published}（UTC）。",
        "partial_period": "本期数据尚不完整：数据截至 {date}。",
        "footer": (
            "本报告由 North Star Warehouse 根据已发布的指标数据自动生成（发布于 {published} UTC，"
            "指标定义版本 {definitions}）。"
        ),
        "on_track": "达成",
        "at_risk": "有风险",
        "off_track": "未达成",
        "gate_passed": "通过",
        "gate_warning": "通过（有警告）",
        "gate_failed": "未通过",
        "held_title": "本期报告暂缓发送",
        "held_not_published": "尚无已发布的指标数据。",
        "held_data_late": (
            "最近一次发布（{published} UTC）的数据只到 {data_through}，"
            "尚未覆盖本期最后一天 {period_end}。"
        ),
        "held_gate_failed": (
            "最近一次发布（{published} UTC，数据截至 {data_through}）未通过数据质量闸门。"
        ),
        "held_no_data": (
            "最近一次发布（{published} UTC，数据截至 {data_through}）中没有本期的指标数据，"
            "源系统可能停止了投递。"
        ),
        "held_follow_up": "数据修复并重新发布后，完整报告会自动补发。本通知不含任何指标数值。",
    },
    "en": {
        "title": "North Star {review} review · {period}",
        "title_scoped": "North Star {review} review · {period} · {scope}",
        "subject": "{title}: {label} {value} ({change_ratio} {vs_previous})",
        "held_subject": "Report held: {title}",
        "scope_all": "All regions",
        "scope_region": "{value} region",
        "scope_department": "Department: {value}",
        "colon": ": ",
        "semicolon": "; ",
        "comma": ", ",
        "north_star": "North star metric",
        "target": "Target",
        "attainment": "Attainment",
        "status": "Status",
        "yoy": "vs last year",
        "previous": "{previous} {value}",
        "no_previous": "no published data for the {previous}",
        "last_year": "last year {value}",
        "no_last_year": "no data for last year",
        "last_year_not_covered": (
            "no comparison, because the published data begins {date} and does not fully "
            "cover last year's period"
        ),
        "no_target": "no target",
        "target_note_weekly": (
            "Targets are set per month and quarter, so a weekly review shows no target."
        ),
        "target_note_scope": (
            "Targets and attainment are those set for this report's scope ({scope}); metrics "
            "without one show “no target”."
        ),
        "target_note_scope_none": (
            "No targets are set for this report's scope ({scope}) in this period, so it "
            "compares with earlier periods."
        ),
        "summary_title": "In short",
        "summary_change": "{label}: {value}, {change} ({change_ratio}) {vs_previous}.",
        "summary_target": "Target {target}, attainment {attainment} ({status}).",
        "summary_driver": "Main driver: {label} ({contribution}).",
        "summary_driver_detail": (
            "Main driver: {label} ({contribution}), of which {detail} {detail_contribution}."
        ),
        "summary_segment": "By {dimension}, {segment} moved most ({change}).",
        "summary_flat": "{label}: unchanged from the {previous}.",
        "trend_title": "Last {count} {unit}",
        "trend_caption": "Solid blue line: {label}, actual; dashed grey line: target.",
        "trend_caption_no_target": "Solid blue line: {label}, actual.",
        "inputs_title": "Metric tree",
        "other_metrics": "Other tracked metrics (outside the metric tree)",
        "metric": "Metric",
        "owner": "Owner",
        "change": "Change",
        "status_rule": (
            "Status rule: attainment ≥ {on_track} is “{on_track_label}”, ≥ {at_risk} is "
            "“{at_risk_label}”, anything lower is “{off_track_label}”. Attainment = actual ÷ "
            "target (target ÷ actual for metrics where lower is better)."
        ),
        "why_title": "Why it moved",
        "by_inputs": "{label} change ({change}) split across its input metrics",
        "contribution": "Contribution",
        "residual": "Not explained by the formula (rounding): {value}",
        "by_dimension": "By {dimension} (the {count} largest moves)",
        "segment": "{dimension}",
        "previous_value": "Previous",
        "current_value": "Current",
        "adds_up": "The {dimension} changes add up to {total}, the total change.",
        "overlaps": (
            "A household can shop in more than one {dimension}, so the changes per {dimension} "
            "({total} in all) need not add up to the total change."
        ),
        "mix_rate": (
            "{ratio_label} by {dimension}: rates within each segment moved it by {rate} (rate "
            "effect), shifts in each segment's share of active households by {mix} (mix effect), "
            "{total} in all."
        ),
        "method_note": (
            "Method: sums split by adding the changes; products and ratios split by the "
            "logarithmic mean Divisia index (LMDI): contribution = L(current, previous) × "
            "ln(factor current ÷ factor previous), L(a, b) = (a − b) ÷ (ln a − ln b), so the "
            "contributions add up to the total change exactly; a factor at zero switches to a "
            "Shapley split. Rate and mix effects are a symmetric split that adds up to the "
            "ratio's change."
        ),
        "dimensions": {
            "region": "region",
            "store": "store",
            "department": "department",
            "income_band": "income band",
        },
        "store_name": "Store {store}",
        "anomalies_title": "Anomalies",
        "no_anomalies": "No anomalies found.",
        "anomaly_high": (
            "{label} is {value}, well above the {expected} history predicts (robust z {z})."
        ),
        "anomaly_low": (
            "{label} is {value}, well below the {expected} history predicts (robust z {z})."
        ),
        "suspect": (
            "Suspect rise: {label} grew {growth}, and {share} of the increase came from "
            "{count} stores ({stores}). Treat it as unverified: a rise carried by a few stores is "
            "the signature of fake orders."
        ),
        "anomaly_method": (
            "Method: the value is compared with the last {history} periods (as year-over-year "
            "ratios where a year of history exists, to remove seasonality); robust z = 0.6745 × "
            "(value − median) ÷ median absolute deviation, flagged beyond |z| > {threshold}. "
            "A rise "
            "of {spike} or more with {share} or more from the top {top} stores is flagged suspect."
        ),
        "actions_title": "Who acts next",
        "no_actions": "Every metric is on track and none is unusual: no action needed.",
        "action_status": "{label}: {status} (attainment {attainment})",
        "action_anomaly": "{label}: unusual value, please verify",
        "action_suspect": "{label}: suspect rise, please check the stores' orders",
        "quality_title": "Data quality and freshness",
        "gate": "Quality gate",
        "checks": "Expectations: {passed} passed, {warnings} {warning_word}, {failed} failed",
        "warning_one": "warning",
        "warning_other": "warnings",
        "failing_warnings": "Warnings not met:",
        "data_through": "Data through {date}",
        "freshness": "Data through {date}, published {published} UTC.",
        "partial_period": "This period is not complete yet: data through {date}.",
        "footer": (
            "Generated by North Star Warehouse from the published metric marts "
            "(published {published} UTC, metric definitions {definitions})."
        ),
        "on_track": "On track",
        "at_risk": "At risk",
        "off_track": "Off track",
        "gate_passed": "Passed",
        "gate_warning": "Passed with warnings",
        "gate_failed": "Failed",
        "held_title": "This report is held",
        "held_not_published": "No metric data has been published yet.",
        "held_data_late": (
            "The latest publish ({published} UTC) has data through {data_through}, which does "
            "not reach the period's last day, {period_end}."
        ),
        "held_no_data": (
            "The latest publish ({published} UTC, data through {data_through}) has no metric "
            "values for this period. The source systems may have stopped delivering."
        ),
        "held_gate_failed": (
            "The latest publish ({published} UTC, data through {data_through}) failed the "
            "data quality gate."
        ),
        "held_follow_up": (
            "The full report follows automatically once the data is fixed and published again. "
            "This notice contains no metric figures."
        ),
    },
}

# Message keys of the gate statuses in publish_log. Other statuses are shown as written.
GATE_STATUS_KEYS = {
    "passed": "gate_passed",
    "success": "gate_passed",
    "passed_with_warnings": "gate_warning",
    "warning": "gate_warning",
    "warn": "gate_warning",
    "failed": "gate_failed",
    "failure": "gate_failed",
}
