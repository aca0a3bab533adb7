"""Struct-of-arrays records: one NumPy array per column, one row per person or payment."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Self

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Columns:
    """Mixin for dataclasses whose fields are equal-length arrays."""

    @classmethod
    def concat(cls, parts: list[Self]) -> Self:
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        if not parts:
            return cls(*(np.empty(0, np.int64) for _ in names))
        return cls(*(np.concatenate([getattr(p, n) for p in parts]) for n in names))

    def take(self, index: npt.NDArray[Any]) -> Self:
        names = [f.name for f in fields(self)]  # type: ignore[arg-type]
        return type(self)(*(getattr(self, n)[index] for n in names))

    def where(self, mask: BoolArray) -> Self:
        """The rows where `mask` holds (faster than `take` for a boolean selection)."""
        names = [f.name for f in fields(self)]  # type: ignore[arg-type]
        return type(self)(*(getattr(self, n)[mask] for n in names))

    @property
    def size(self) -> int:
        return int(getattr(self, fields(self)[0].name).size)  # type: ignore[arg-type]
