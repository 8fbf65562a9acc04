"""A local GH Archive mirror: python's http.server in a thread, serving a tmp folder.

Files are named as GH Archive names them (``2015-01-01-1.json.gz``). Knobs for failure tests:
``fail_first[name] = n`` answers 503 to the first n requests; ``drop_after[name] = n`` announces the
full Content-Length, sends n bytes and closes the connection; ``on_bytes[name] = (n, fn)`` calls
``fn()`` once after n bytes of the body were sent (e.g. to stop the broker mid-download).
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHUNK = 64 * 1024


class MirrorHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        server: Mirror = self.server  # type: ignore[assignment]
        name = self.path.lstrip("/").split("?")[0]
        server.requests[name] += 1
        if server.fail_first.get(name, 0) >= server.requests[name]:
            self.send_error(503, "try again")
            return
        path = server.root / name
        if not path.is_file():
            self.send_error(404, "not found")
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        limit = server.drop_after.get(name, len(data))
        hook = server.on_bytes.get(name)
        sent = 0
        while sent < limit:
            piece = data[sent : min(sent + CHUNK, limit)]
            self.wfile.write(piece)
            self.wfile.flush()
            sent += len(piece)
            if hook is not None and sent >= hook[0]:
                hook[1]()
                hook = None
                server.on_bytes.pop(name, None)
        if limit < len(data):
            self.close_connection = True


class Mirror(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), MirrorHandler)
        self.root = root
        self.requests: Counter[str] = Counter()
        self.fail_first: dict[str, int] = {}
        self.drop_after: dict[str, int] = {}
        self.on_bytes: dict[str, tuple[int, object]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, source: Path, name: str | None = None) -> Path:
        target = self.root / (name or source.name)
        shutil.copyfile(source, target)
        return target


@pytest.fixture
def mirror(tmp_path) -> Mirror:
    root = tmp_path / "mirror"
    root.mkdir()
    server = Mirror(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
