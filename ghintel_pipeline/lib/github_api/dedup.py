"""Bounded memory of event ids already produced, so overlapping polls do not produce twice."""

from __future__ import annotations

from collections import OrderedDict


class SeenIds:
    """An LRU set of at most ``capacity`` ids.

    An endpoint shows its newest 300 events; each poll sees many ids again. A hit refreshes the id,
    so ids still visible in some endpoint's window stay remembered while ids that scrolled out
    everywhere are the first to go. The capacity must exceed the ids visible at once
    (300 per endpoint) or recent events would be produced twice.
    """

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self.evicted = 0

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; True when it was not known yet."""
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
            self.evicted += 1
        return True

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def oldest_first(self) -> list[str]:
        """The ids in LRU order (the next to be evicted first), to persist and re-add in order."""
        return list(self._ids)
