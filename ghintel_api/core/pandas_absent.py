"""Answers "pandas is not installed" at once, for DuckDB's binding (see :class:`_KnownAbsent`)."""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys


class _KnownAbsent(importlib.abc.MetaPathFinder):
    """Answers "not installed" for a module without searching sys.path again.

    DuckDB's Python binding tries `import pandas` twice for every execute() with parameters; with
    pandas absent each attempt walks sys.path (~1 ms per query, measured). Only installed when the
    module is really missing, so it changes nothing where pandas exists.
    """

    def __init__(self, names: frozenset[str]):
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


if importlib.util.find_spec("pandas") is None and not any(isinstance(f, _KnownAbsent) for f in sys.meta_path):
    sys.meta_path.insert(0, _KnownAbsent(frozenset({"pandas"})))
