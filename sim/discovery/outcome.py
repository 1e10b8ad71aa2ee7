"""The outcome of interest of scenario discovery, read from the command line, and the design-point
table it is counted on: one row per point, its parameters, its runs and how many showed it."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.models import Scenario

_OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(r"^\s*([\w.:-]+)\s*(>=|<=|==|!=|>|<|=)\s*([^\s].*?)\s*$")
_SYMBOL = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}

EXAMPLES = (
    "agreed, breakdown, breakdown=walkout, issue.extradition.agreed, "
    "'issue.extradition.value>=0.5', 'utility.syria>0.6'"
)


@dataclass(frozen=True)
class Outcome:
    """A yes/no property of a run: a column that is true, or a column compared with a value."""

    text: str
    column: str
    op: str | None = None
    value: float | str | None = None

    def flags(self, runs: pd.DataFrame) -> np.ndarray:
        """True for each run that shows the outcome."""
        col = runs[self.column]
        if self.column == "breakdown":
            text = col.fillna("").astype(str)
            if self.value is None:
                return (text != "").to_numpy()
            hit = (text == self.value) | text.str.startswith(f"{self.value}:")
            return (hit if self.op == "==" else ~hit).to_numpy()
        if self.op is None:
            return col.astype(bool).to_numpy()
        x = col.to_numpy(dtype=float)
        return _OPS[self.op](x, float(self.value)) & ~np.isnan(x)  # type: ignore[arg-type]

    def describe(self, spec: Scenario) -> str:
        """Plain words: 'full agreement on every issue', "Assad's extradition's final value ≥ 0.5"."""
        if self.column == "agreed":
            return "full agreement on every issue"
        if self.column == "breakdown":
            if self.value is None:
                return "no full agreement (a deadline or a walk-out)"
            return f"breakdown {'' if self.op == '==' else 'other than '}{self.value}"
        parts = self.column.split(".")
        name = self.column
        if parts[0] == "issue" and len(parts) == 3 and parts[1] in spec.issues:
            label = spec.issues[parts[1]].label
            name = f"{label} agreed" if parts[2] == "agreed" else f"final value of {label}"
        elif parts[0].startswith("utility") and len(parts) == 2 and parts[1] in spec.actors:
            name = f"{spec.actors[parts[1]].name.split(' (')[0]}'s {parts[0].replace('_', ' ')}"
        if self.op is None:
            return name
        return f"{name} {_SYMBOL[self.op]} {self.value:g}"  # type: ignore[str-format]


def parse_outcome(text: str, columns: list[str]) -> Outcome:
    """Read `agreed`, `breakdown[=KIND]`, a true/false column, or `COLUMN OP NUMBER`.

    Raises ValueError naming the known columns when the text names none of them.
    """
    outcome_columns = [
        c for c in columns if c in ("agreed", "breakdown", "rounds_used", "round", "nash_distance")
        or c.startswith(("issue.", "utility.", "utility_discounted."))
    ]  # fmt: skip
    match = _CONDITION.match(text)
    column = match.group(1) if match else text.strip()
    if column not in columns:
        raise ValueError(
            f"--outcome {text!r}: no column {column!r} in these runs; use one of "
            f"{', '.join(outcome_columns)} (e.g. {EXAMPLES})"
        )
    if match is None:
        if column == "breakdown":
            return Outcome(text, "breakdown")
        if column in ("agreed",) or column.endswith(".agreed"):
            return Outcome(text, column)
        raise ValueError(
            f"--outcome {text!r}: {column} is a number; give a condition such as '{column}>=0.5'"
        )
    op = "==" if match.group(2) == "=" else match.group(2)
    raw = match.group(3).strip("'\"")
    if column == "breakdown":
        if op not in ("==", "!="):
            raise ValueError(
                f"--outcome {text!r}: breakdown takes = or != (e.g. breakdown=walkout)"
            )
        return Outcome(text, "breakdown", op, raw)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"--outcome {text!r}: {raw!r} is not a number") from None
    return Outcome(text, column, op, value)


def point_table(runs: pd.DataFrame, params: list[str], outcome: Outcome) -> pd.DataFrame:
    """One row per design point of the completed runs: its parameters, `runs` and `hits` (runs
    showing the outcome). Failed runs are left out."""
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    frame = ok[["point", *params]].assign(hits=outcome.flags(ok).astype(int), runs=1)
    return (
        frame.groupby("point", sort=True)
        .agg({**{p: "first" for p in params}, "runs": "sum", "hits": "sum"})
        .reset_index()
    )
