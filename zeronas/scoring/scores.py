"""What scoring an architecture yields: each proxy's value and seconds (no torch, so tables and stores
can be read without it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Scores:
    values: dict[str, float]  # NaN marks a proxy that produced NaN/inf or failed
    seconds: dict[str, float]  # per proxy, summed over initialisations
    cached: bool = False
    reasons: dict[str, str] = field(default_factory=dict)  # proxy -> why its value is NaN (computed here)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def finite(self) -> bool:
        return all(math.isfinite(v) for v in self.values.values())
