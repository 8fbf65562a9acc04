"""The ghintel Dagster code location (``workspace.yaml`` loads this module).

Definitions are discovered, not listed: every module under ``ghintel_pipeline/defs`` that has a
module-level ``defs`` (``dagster.Definitions``) is merged, so a new ``defs/<domain>/`` folder shows
up in the UI without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import dagster as dg

import ghintel_pipeline.defs as defs_package


def discover_definitions(package: ModuleType = defs_package) -> dg.Definitions:
    """Merge the ``defs`` of ``package`` and of every module below it (imported in name order)."""
    found: dict[int, dg.Definitions] = {}
    modules = [package] + [
        importlib.import_module(info.name)
        for info in sorted(
            pkgutil.walk_packages(package.__path__, package.__name__ + "."), key=lambda i: i.name
        )
    ]
    for module in modules:
        candidate = getattr(module, "defs", None)
        # A package may re-export a submodule's object; merging it once keeps the result the same.
        if isinstance(candidate, dg.Definitions):
            found.setdefault(id(candidate), candidate)
    return dg.Definitions.merge(*found.values())


defs = discover_definitions()
