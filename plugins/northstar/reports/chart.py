"""The trend chart of the north star metric (value against target per period) as a PNG."""

from __future__ import annotations

import io

from northstar.reports.data import TrendPoint

# Pixel size is FIGURE_INCHES x DPI; the HTML shows it at CHART_WIDTH_PX, half its pixel width,
# so high-DPI screens get a sharp image.
FIGURE_INCHES = (7.2, 2.6)
DPI = 200
CHART_WIDTH_PX = 720
VALUE_COLOR = "#1f5fa8"
TARGET_COLOR = "#9aa5b1"
# Above this many periods the tick labels (e.g. 2017-W52) shrink so that they do not overlap.
TICKS_AT_FULL_SIZE = 12


def render_trend_chart(points: list[TrendPoint]) -> bytes:
    """Draw value (solid, dots) and target (dashed) per period and return the PNG bytes.

    The chart contains no words, only period keys and values, so one image serves both report
    languages and needs no CJK font. The HTML caption names the lines in the report language.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    nan = float("nan")
    positions = list(range(len(points)))
    values = [nan if p.value is None else p.value for p in points]
    targets = [nan if p.target is None else p.target for p in points]
    ticks = [p.key for p in points]

    figure, axes = plt.subplots(figsize=FIGURE_INCHES, dpi=DPI)
    try:
        axes.plot(positions, targets, color=TARGET_COLOR, linestyle="--", linewidth=1.6)
        axes.plot(positions, values, color=VALUE_COLOR, marker="o", markersize=4, linewidth=2.2)
        last = len(points) - 1
        if values[last] == values[last]:  # False for NaN
            axes.annotate(
                f"{values[last]:,.0f}",
                (last, values[last]),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
                color=VALUE_COLOR,
                fontweight="bold",
            )
        axes.set_xticks(positions, ticks, fontsize=6 if len(ticks) > TICKS_AT_FULL_SIZE else 7)
        axes.tick_params(axis="y", labelsize=7)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
        axes.grid(axis="y", color="#e5e8ec", linewidth=0.8)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.margins(y=0.2)
        # Periods without data are gaps; a fixed x range keeps every period on the axis.
        axes.set_xlim(-0.5, len(points) - 0.5)
        figure.tight_layout()
        buffer = io.BytesIO()
        # No metadata, so the same data gives byte-identical images.
        figure.savefig(buffer, format="png", metadata={"Software": None})
    finally:
        plt.close(figure)
    return buffer.getvalue()
