"""The marketing REST API of the servers setting, served from replayed delivery files."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from northstar.sources.api import MarketingApiServer, start_marketing_api

pytest_plugins = ["fixtures_sources"]


def get(server, path: str) -> dict:
    url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def api(first_week_home):
    server = start_marketing_api(first_week_home.sources_dir / "marketing")
    yield server
    server.shutdown()
    server.server_close()


def delivered(settings, entity: str) -> list[dict]:
    records = []
    for path in sorted((settings.sources_dir / "marketing" / entity).glob("*.json")):
        records.extend(
            {**r, "updated_at": path.stem} for r in json.loads(path.read_text())["records"]
        )
    return records


def test_api_pages_cover_deliveries(api, first_week_home):
    expected = delivered(first_week_home, "coupons")
    records, page = [], 1
    while page is not None:
        document = get(api, f"/marketing/coupons?page={page}&page_size=2000")
        assert document["total_records"] == len(expected)
        records.extend(document["records"])
        page = document["next_page"]

    assert records == expected
    assert len(records) > 2000


def test_api_updated_since_filters(api, first_week_home):
    expected = [
        r
        for r in delivered(first_week_home, "coupon_redemptions")
        if r["updated_at"] >= "2017-01-05"
    ]

    document = get(api, "/marketing/coupon_redemptions?updated_since=2017-01-05")

    assert document["records"] == expected
    assert all(record["updated_at"] >= "2017-01-05" for record in document["records"])
    before = get(api, "/marketing/coupon_redemptions?updated_before=2017-01-05")
    assert len(before["records"]) + len(expected) == len(
        delivered(first_week_home, "coupon_redemptions")
    )


def test_api_rejects_bad_requests(api):
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(api, "/marketing/stores")
    assert missing.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as invalid:
        get(api, "/marketing/coupons?page_size=0")
    assert invalid.value.code == 400


def test_api_binds_loopback_only(first_week_home):
    with pytest.raises(ValueError, match="not a loopback address"):
        MarketingApiServer(first_week_home.sources_dir / "marketing", "0.0.0.0", 0)
