"""Signed keyset cursors for ``/events``: HMAC over the position *and* the filters it belongs to.

A cursor is ``base64url(position + mac)`` with ``position = "<created_at µs>:<event_id>"`` and
``mac`` the first 16 bytes of HMAC-SHA256(key, filters + position). Anything not made by this API
with this key for these filters (a hand-made ``b64("0:1")``, a far-future time, a cursor of
another filter) fails the MAC and is a 422. The key comes from ``GHINTEL_API_CURSOR_SECRET`` or,
unset, from a random key the API creates once under ``$GHINTEL_HOME/api/cursor.key`` (so workers
and restarts of one home accept each other's cursors).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
from datetime import UTC, datetime, timedelta

from ghintel_api.core.windows import MAX_TIME, MIN_TIME
from ghintel_pipeline.lib.settings import ApiSettings

log = logging.getLogger("ghintel.api")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAC_BYTES = 16
_POSITION = re.compile(r"^(\d{1,19}):(\d{1,40})$", re.ASCII)


class BadCursor(ValueError):
    """A ``cursor`` that this API did not hand out for these filters (422)."""


def cursor_key(settings: ApiSettings) -> bytes:
    if settings.ghintel_api_cursor_secret:
        return settings.ghintel_api_cursor_secret.encode()
    path = settings.home / "api" / "cursor.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))
    log.info("cursor_key_created", extra={"path": str(path)})
    return path.read_bytes().strip()


def _mac(key: bytes, filters: str, position: bytes) -> bytes:
    return hmac.new(key, filters.encode() + b"\0" + position, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_cursor(key: bytes, filters: str, created_at: datetime, event_id: str) -> str:
    micros = (created_at.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    position = f"{micros}:{event_id}".encode()
    return base64.urlsafe_b64encode(position + _mac(key, filters, position)).decode().rstrip("=")


def decode_cursor(key: bytes, filters: str, cursor: str) -> tuple[datetime, str]:
    refused = BadCursor("cursor is not a next_cursor this API returned for these filters")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, binascii.Error) as exc:
        raise refused from exc
    position, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(key, filters, position)):
        raise refused
    match = _POSITION.match(position.decode("ascii", "replace"))
    if match is None:
        raise refused
    created_at = _EPOCH + timedelta(microseconds=int(match.group(1)))
    if not MIN_TIME <= created_at < MAX_TIME:
        raise refused
    return created_at, match.group(2)
