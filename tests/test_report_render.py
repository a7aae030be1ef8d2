"""Reviews in a real browser: headless Chromium screenshots of the archived HTML files.

Needs /usr/bin/chromium (Debian package chromium) and, for the Chinese glyphs, fonts-noto-cjk.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageChops
from published_fixture import DEC, write_published_marts

from northstar.reports.chart import CHART_WIDTH_PX
from northstar.reports.monthly import build_monthly_review, write_monthly_reports
from northstar.reports.pdf import CHROMIUM_FLAGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Tall enough for the whole report, so the screenshot can be read end to end.
WINDOW = (1200, 4200)
SCREENSHOT_TIMEOUT_S = 120
# Page background (#f4f6f8) and report column (#ffffff): a blank page shows only these.
BACKGROUNDS = {(244, 246, 248), (255, 255, 255)}
# A rendered report has text, badges and the chart in well over this many colours; a blank or
# failed page has one or two.
MIN_COLOURS = 50
# The chart must change at least this share of its area against a blank image of its size:
# its axes, grid, labels and lines.
MIN_CHART_INK = 0.02

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="chromium is not installed (apt-get install chromium)"
)


def screenshot(html_path, tmp_path, name):
    png = tmp_path / f"{name}.png"
    profile = tmp_path / f"profile-{name}"
    profile.mkdir()
    command = [
        CHROMIUM,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        html_path.as_uri(),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=SCREENSHOT_TIMEOUT_S, check=False
    )
    assert png.exists(), f"Chromium wrote no screenshot: {result.stderr[-2000:]}"
    return Image.open(png).convert("RGB")


def blank_chart_copy(html_path, chart_png, tmp_path):
    """Write the page again with a white image of the chart's size in place of the chart."""
    chart = Image.open(io.BytesIO(chart_png))
    white = io.BytesIO()
    Image.new("RGB", chart.size, "white").save(white, format="PNG")
    html = html_path.read_text(encoding="utf-8").replace(
        base64.b64encode(chart_png).decode("ascii"), base64.b64encode(white.getvalue()).decode()
    )
    path = tmp_path / f"blank-{html_path.name}"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_screenshot_shows_report(northstar_home, tmp_path, language):
    write_published_marts(northstar_home.published_path)
    paths = write_monthly_reports(DEC, run_id="manual__render")
    html_path = next(p for p in paths if p.name.endswith(f"-all.{language}.html"))
    chart_png = build_monthly_review(DEC, language).chart_png

    page = screenshot(html_path, tmp_path, language)
    blank = screenshot(blank_chart_copy(html_path, chart_png, tmp_path), tmp_path, "blank")

    assert page.size == WINDOW
    colours = page.getcolors(maxcolors=WINDOW[0] * WINDOW[1])
    assert len(colours) > MIN_COLOURS
    assert {colour for _, colour in colours} - BACKGROUNDS

    # The only difference between the two pages is the chart, so the box around the changed
    # pixels is the chart as displayed: CHART_WIDTH_PX wide at most.
    difference = ImageChops.difference(page, blank).convert("L").point(lambda v: 255 if v else 0)
    box = difference.getbbox()
    assert box is not None, "the chart left no pixel on the page"
    width = box[2] - box[0]
    assert width <= CHART_WIDTH_PX
    assert width > CHART_WIDTH_PX // 2
    chart_area = difference.crop(box)
    ink = sum(1 for v in chart_area.getdata() if v) / (chart_area.width * chart_area.height)
    assert ink > MIN_CHART_INK
