"""What part of the business a report covers: everything, one region or one department."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Scope kinds and the metric_values dimension whose rows give the scope's own totals.
SCOPE_DIMENSIONS = {"all": "total", "region": "region", "department": "department"}
# Breakdowns a report shows for each scope kind. Inside one region only its stores can be shown,
# because metric_values has no region x department or region x income cut; inside a department
# there is no cut at all.
BREAKDOWNS = {
    "all": ("region", "store", "department", "income_band"),
    "region": ("store",),
    "department": (),
}
_KEY_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Scope:
    kind: str  # all, region or department
    value: str = "all"

    def __post_init__(self) -> None:
        if self.kind not in SCOPE_DIMENSIONS:
            raise ValueError(
                f"Unknown scope {self.kind!r}; use all, region: <name> or department: <name>."
            )
        if self.kind != "all" and (not self.value or self.value == "all"):
            raise ValueError(f"Scope {self.kind} needs a value, e.g. region: North.")

    @property
    def dimension_name(self) -> str:
        return SCOPE_DIMENSIONS[self.kind]

    @property
    def dimension_value(self) -> str:
        return "all" if self.kind == "all" else self.value

    @property
    def breakdowns(self) -> tuple[str, ...]:
        return BREAKDOWNS[self.kind]

    @property
    def key(self) -> str:
        """File-name form: all, region-north, department-grocery."""
        if self.kind == "all":
            return "all"
        return f"{self.kind}-{_KEY_UNSAFE.sub('-', self.value.lower()).strip('-')}"


SCOPE_ALL = Scope("all")


def parse_scope(entry: object) -> Scope:
    """Read a scope from config: `all`, `{region: North}` or `{department: GROCERY}`."""
    if entry in (None, "all"):
        return SCOPE_ALL
    if isinstance(entry, dict) and len(entry) == 1:
        kind, value = next(iter(entry.items()))
        return Scope(str(kind), str(value))
    raise ValueError(
        f"Invalid scope {entry!r}; use all, {{region: North}} or {{department: GROCERY}}."
    )
