"""What the run summaries and status records share: ``to_dict()`` for JSON output and metadata."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any


class AsDict:
    """Mixin for dataclasses whose ``to_dict()`` is ``dataclasses.asdict`` (nested ones included)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
