"""A local HTTP server that replays real recorded GitHub API responses (the one allowed fake).

Recordings come from API_RESPONSES_DIR: PyGithub replay files (10 lines per exchange) and
github3.py Betamax cassettes (bodies base64 of gzip, served gzip-encoded as recorded). Responses
are served with their recorded status, headers and body; only the host in URLs (``Link``) is
rewritten to this server, and ``Link`` entries pointing at pages that were never recorded are
dropped, because the server cannot answer them.

Behaviour GitHub has that the recordings cannot show is synthesized, and only that:
- a ``304 Not Modified`` when ``If-None-Match`` equals the recorded ``ETag`` (headers modeled on
  the real 304 in ``ConditionalRequestUpdate.testDidNotUpdate.txt``; no events 304 was recorded);
- faults queued with :meth:`ReplayServer.script` (5xx, 403/429 with ``Retry-After``, exhausted
  ``X-RateLimit-Remaining``), answered once each before the recording is served again.
"""

from __future__ import annotations

import ast
import base64
import gzip
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDED_HOST = "https://api.github.com"
_HOP_BY_HOP = {"transfer-encoding", "content-length", "connection", "content-encoding", "status"}
_KEEP_ON_304 = {"etag", "last-modified", "cache-control", "date", "vary", "x-poll-interval", "server"}


@dataclass
class Recorded:
    path: str
    page: int
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bool
    source: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def events(self) -> list[dict]:
        return json.loads(gzip.decompress(self.body) if self.gzipped else self.body)


def _key(target: str) -> tuple[str, int]:
    parts = urlsplit(target)
    page = parse_qs(parts.query).get("page", ["1"])[0]
    return parts.path, int(page)


def load_pygithub(path: Path) -> list[Recorded]:
    lines = path.read_text().split("\n")
    out = []
    for i in range(0, len(lines) - 8, 11):
        method, target, status = lines[i + 1], lines[i + 4], int(lines[i + 7])
        if method != "GET":
            continue
        body = lines[i + 9].encode() if i + 9 < len(lines) else b""
        p, page = _key(target)
        out.append(Recorded(p, page, status, ast.literal_eval(lines[i + 8]), body, False, path.name))
    return out


def load_betamax(path: Path) -> list[Recorded]:
    out = []
    for interaction in json.loads(path.read_text())["http_interactions"]:
        request, response = interaction["request"], interaction["response"]
        if request["method"] != "GET":
            continue
        body_spec = response["body"]
        body = base64.b64decode(body_spec["base64_string"]) if body_spec.get("base64_string") else b""
        headers = [(k, v) for k, v in response["headers"].items()]
        gzipped = body[:2] == b"\x1f\x8b"
        p, page = _key(request["uri"])
        out.append(Recorded(p, page, response["status"]["code"], headers, body, gzipped, path.name))
    return out


def load_recordings(root: Path, names: list[str]) -> list[Recorded]:
    """``names`` relative to ``root``, e.g. ``"github3py-betamax/User_events.json"``."""
    out: list[Recorded] = []
    for name in names:
        path = root / name
        out.extend(load_betamax(path) if path.suffix == ".json" else load_pygithub(path))
    return out


@dataclass
class Scripted:
    """A one-off answer. ``status=None`` serves the recording with ``headers`` overriding its own."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class SeenRequest:
    path: str
    page: int
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int


class ReplayServer:
    """Serve ``recordings`` on 127.0.0.1; ``aliases`` mount a recorded path at another path."""

    def __init__(self, recordings: list[Recorded], aliases: dict[str, str] | None = None):
        self.routes = {(r.path, r.page): r for r in recordings}
        self.aliases = aliases or {}
        self.requests: list[SeenRequest] = []
        self._scripts: dict[tuple[str, int | None], deque[Scripted]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread: threading.Thread | None = None
        self.stopped = False

    def __enter__(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped = True  # kept-alive connections are dropped too: the network is gone
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, path: str, *answers: Scripted, page: int | None = None) -> None:
        """Queue answers for ``path`` (any page unless ``page``), consumed one per request."""
        with self._lock:
            self._scripts[(path, page)].extend(answers)

    def requests_to(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == path]

    def recorded(self, path: str, page: int = 1) -> Recorded:
        return self.routes[(self.aliases.get(path, path), page)]

    # -- serving -----------------------------------------------------------------------------

    def _next_script(self, path: str, page: int) -> Scripted | None:
        with self._lock:
            for key in ((path, page), (path, None)):
                if self._scripts.get(key):
                    return self._scripts[key].popleft()
        return None

    def _rewrite(self, value: str) -> str:
        return value.replace(RECORDED_HOST, self.base_url)

    def _link(self, value: str) -> str:
        kept = []
        for part in value.split(","):
            url = part.split(";")[0].strip().strip("<>")
            if self._resolve(*_key(url)) is not None:
                kept.append(self._rewrite(part.strip()))
        return ", ".join(kept)

    def _resolve(self, path: str, page: int) -> Recorded | None:
        return self.routes.get((self.aliases.get(path, path), page))

    def answer(
        self, target: str, request_headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        path, page = _key(target)
        rec = self._resolve(path, page)
        scripted = self._next_script(path, page)
        if scripted is not None and scripted.status is not None:
            headers = [(k, self._rewrite(v)) for k, v in scripted.headers.items()]
            body = scripted.body or json.dumps({"message": f"scripted {scripted.status}"}).encode()
            return scripted.status, headers + [("Content-Type", "application/json")], body
        if rec is None:
            return 404, [("Content-Type", "application/json")], b'{"message":"Not Found"}'
        overrides = {k.lower(): v for k, v in (scripted.headers if scripted else {}).items()}
        headers = []
        for name, value in rec.headers:
            low = name.lower()
            if low in _HOP_BY_HOP or low in overrides:
                continue
            if low == "link":
                value = self._link(value)
                if not value:
                    continue
            headers.append((name, self._rewrite(value)))
        headers += list(overrides.items())
        etag = next((v for k, v in headers if k.lower() == "etag"), None)
        if etag and request_headers.get("if-none-match") == etag and rec.status == 200:
            kept = [
                (k, v) for k, v in headers if k.lower() in _KEEP_ON_304 or k.lower().startswith("x-ratelimit")
            ]
            return 304, kept, b""
        if rec.gzipped:
            if "gzip" in request_headers.get("accept-encoding", ""):
                headers.append(("Content-Encoding", "gzip"))
                return rec.status, headers, rec.body
            return rec.status, headers, gzip.decompress(rec.body)
        return rec.status, headers, rec.body

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's naming
                if server.stopped:
                    self.close_connection = True
                    return
                request_headers = {k.lower(): v for k, v in self.headers.items()}
                status, headers, body = server.answer(self.path, request_headers)
                path, page = _key(self.path)
                with server._lock:
                    server.requests.append(
                        SeenRequest(path, page, parse_qs(urlsplit(self.path).query), request_headers, status)
                    )
                self.send_response_only(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
