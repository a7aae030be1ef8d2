"""The marketing REST API of the servers setting: a small read-only HTTP server on loopback.

`GET /marketing/<entity>?updated_since=YYYY-MM-DD&updated_before=YYYY-MM-DD&page=N&page_size=M`
returns `{"entity", "page", "page_size", "total_records", "next_page", "records"}`. Each record
carries `updated_at`, the day of the delivery it came in. `updated_since` is inclusive and
`updated_before` exclusive; records are ordered by delivery day and file order, so pages are
stable while no delivery is added. The server reads the delivery files that the replay writes
(`<sources_dir>/marketing/<entity>/<yyyy-mm-dd>.json`) on every request.

Run it from a shell (the port is the one of the `northstar_marketing_api` connection):

    python -m northstar.sources.api --port 8765
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from northstar.settings import apply_privacy_env, get_settings

log = logging.getLogger(__name__)

ENTITIES = ("campaigns", "campaign_households", "coupons", "coupon_redemptions")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_PAGE_SIZE = 1_000
# Largest page a client may request; bounds the memory of one response.
MAX_PAGE_SIZE = 10_000


class MarketingApiHandler(BaseHTTPRequestHandler):
    """Serves the delivery files under `server.root` as paginated JSON."""

    server: MarketingApiServer

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "marketing" or parts[1] not in ENTITIES:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"unknown path {url.path}"})
            return
        try:
            query = _parse_query(urllib.parse.parse_qs(url.query))
        except ValueError as error:
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return
        records = read_records(self.server.root / parts[1], query["since"], query["before"])
        page, size = query["page"], query["page_size"]
        first = (page - 1) * size
        has_more = first + size < len(records)
        self._send(
            HTTPStatus.OK,
            {
                "entity": parts[1],
                "page": page,
                "page_size": size,
                "total_records": len(records),
                "next_page": page + 1 if has_more else None,
                "records": records[first : first + size],
            },
        )

    def _send(self, status: HTTPStatus, document: dict) -> None:
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        log.debug("marketing API %s: " + format, self.client_address[0], *args)


def _parse_query(parameters: dict[str, list[str]]) -> dict:
    def one(name: str) -> str | None:
        values = parameters.get(name)
        return values[-1] if values else None

    since, before = one("updated_since"), one("updated_before")
    page = int(one("page") or 1)
    size = int(one("page_size") or DEFAULT_PAGE_SIZE)
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}")
    return {
        "since": dt.date.fromisoformat(since) if since else None,
        "before": dt.date.fromisoformat(before) if before else None,
        "page": page,
        "page_size": size,
    }


def read_records(folder: Path, since: dt.date | None, before: dt.date | None) -> list[dict]:
    """Return the records delivered from `since` up to `before`, each with its `updated_at`."""
    records = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        day = dt.date.fromisoformat(path.stem)
        if (since and day < since) or (before and day >= before):
            continue
        delivery = json.loads(path.read_text(encoding="utf-8"))
        records.extend({**record, "updated_at": path.stem} for record in delivery["records"])
    return records


class MarketingApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str, port: int, handler=MarketingApiHandler) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"marketing API host {host!r} is not a loopback address; bind it to 127.0.0.1"
            )
        self.root = root
        super().__init__((host, port), handler)


def start_marketing_api(
    root: Path, host: str = "127.0.0.1", port: int = 0, handler=MarketingApiHandler
) -> MarketingApiServer:
    """Start the API in a background thread; port 0 picks a free port (see server_address)."""
    server = MarketingApiServer(root, host, port, handler)
    threading.Thread(target=server.serve_forever, name="marketing-api", daemon=True).start()
    log.info("marketing API serving %s on %s:%d", root, *server.server_address[:2])
    return server


def main(argv: list[str] | None = None) -> int:
    apply_privacy_env()
    parser = argparse.ArgumentParser(
        prog="python -m northstar.sources.api",
        description="Serve the replayed marketing deliveries as a paginated REST API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: INFO)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    root = get_settings().sources_dir / "marketing"
    server = MarketingApiServer(root, arguments.host, arguments.port)
    log.info("marketing API serving %s on %s:%d", root, arguments.host, arguments.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("marketing API stopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
