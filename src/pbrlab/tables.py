"""Arrow columns from arrays: day numbers as dates, integer codes as dictionary-encoded text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from pbrlab.arrays import IntArray


def dates(days: IntArray, missing: np.ndarray | None = None) -> pa.Array:
    """Days since 1970-01-01 as a date32 column (`missing` marks nulls)."""
    return pa.array(days.astype(np.int32), mask=missing).view(pa.date32())


def coded(codes: IntArray, names: Sequence[str], missing: np.ndarray | None = None) -> pa.Array:
    """Indices into `names` as a dictionary-encoded string column (`missing` marks nulls)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32), mask=missing), pa.array(list(names), pa.string())
    )
