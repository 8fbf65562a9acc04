"""Arrow types shared by every table of the lake (pyarrow only, so any module may import it)."""

import pyarrow as pa

UTC_US = pa.timestamp("us", tz="UTC")
"""Every timestamp column of the lake: microseconds, UTC."""
