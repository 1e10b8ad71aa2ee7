"""What a run yields (MODEL.md §5): the run record, as nested JSON and as one flat results row."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class IssueOutcome:
    """An issue's final value, whether it was agreed (not reverted), and when it closed; on an
    issue of named options, the option it ended at; when agreed, who carried it."""

    value: float
    agreed: bool
    label: str
    round: int | None = None
    forecast_mean: float | None = None
    option: str | None = None
    coalition: list[str] | None = None  # the actors whose acceptance carried it (agreed only)


@dataclass
class Offer:
    """One round of the trajectory: who proposed what, and every answer with its reason
    (`accept`, `utility`, `threshold`, `walkout`, and `p`, the probability of accepting).
    `round` counts from 0; `events` are the entries of the events that fired this round, as in
    `RunRecord.events`."""

    round: int
    proposer: str
    package: dict[str, float]
    answers: dict[str, dict[str, Any]]
    closed: list[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    proposer_answer: dict[str, Any] | None = None  # the proposer withdrawing: why


@dataclass
class RunRecord:
    """One run's result; `row()` flattens it for the results store. Rounds count from 0 here
    (round 0 is the first offer); text and figures for people number them from 1.

    `events` holds one entry per event that fired: `round`, `name`, `changes` (each parameter it
    changed: actor, parameter, issue, before, after) and `closed` (issue: value). The
    expected-utility lens fills `medians`, `means` and `positions` (issue → actor → position
    by round, round 0 being the ideal points) instead of a trajectory.
    """

    scenario: str
    seed: int
    protocol: str
    agreed: bool
    round: int | None
    rounds_used: int
    breakdown: str
    proposer: str
    issues: dict[str, IssueOutcome]
    utilities: dict[str, float]
    utilities_discounted: dict[str, float]
    events: list[dict[str, Any]]
    nash_distance: float | None = None
    nash_package: dict[str, float] | None = None
    trajectory: list[Offer] = field(default_factory=list)
    medians: dict[str, list[float]] | None = None
    means: dict[str, list[float]] | None = None
    positions: dict[str, dict[str, list[float]]] | None = None
    took_outside: dict[str, bool] | None = None
    references: dict[str, Any] | None = None
    equilibrium_distance: float | None = None

    def to_dict(self, trajectory: bool = True) -> dict[str, Any]:
        """The nested record as plain JSON-ready data."""
        data = asdict(self)
        if not trajectory:
            data.pop("trajectory")
        return _finite(data)

    def row(self) -> dict[str, Any]:
        """One flat row (the results-store columns documented in the README)."""
        row: dict[str, Any] = {
            "scenario": self.scenario,
            "seed": self.seed,
            "agreed": self.agreed,
            "round": -1 if self.round is None else self.round,
            "rounds_used": self.rounds_used,
            "breakdown": self.breakdown,
            "proposer": self.proposer,
        }
        for key, issue in self.issues.items():
            row[f"issue.{key}.value"] = issue.value
            row[f"issue.{key}.agreed"] = issue.agreed
            if issue.option is not None:
                row[f"issue.{key}.option"] = issue.option
            if issue.coalition is not None:
                row[f"issue.{key}.coalition"] = " ".join(issue.coalition)
        for key, u in self.utilities.items():
            row[f"utility.{key}"] = u
        for key, u in self.utilities_discounted.items():
            row[f"utility_discounted.{key}"] = u
        for key, took in (self.took_outside or {}).items():
            row[f"took_outside.{key}"] = took
        row["events"] = json.dumps(self.events)
        row["nash_distance"] = math.nan if self.nash_distance is None else self.nash_distance
        if self.equilibrium_distance is not None:
            row["equilibrium_distance"] = self.equilibrium_distance
        return row


def _finite(data: Any) -> Any:
    """Replace non-finite floats by None so the JSON is standard."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data
