"""Figures and their datasets: outcome distributions, sweeps, comparisons and single runs.

Each family of figure has its own module; `Results` ties a stored results folder to its scenario
so plots read stored runs and never re-run the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.models import Scenario


@dataclass
class Results:
    """One results folder: its completed runs, the scenario they ran, and a display name."""

    name: str
    runs: pd.DataFrame
    spec: Scenario
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    note: str | None = None  # what the folder lacks ("interrupted: 1,200 of 4,000 runs stored")

    @property
    def ok(self) -> pd.DataFrame:
        """The completed runs (status "ok"); failed runs carry no outcome."""
        if "status" not in self.runs.columns:
            return self.runs
        return self.runs[self.runs["status"] == "ok"]


def load_results(path: str | Path, name: str | None = None) -> Results:
    """Read a results folder (manifest.json, runs/part-*.parquet) through `sim.results`."""
    from sim import results

    folder = Path(path)
    if not (folder / "manifest.json").is_file():
        raise ValueError(
            f"{folder}: not a results folder (no manifest.json); run negsim sweep first"
        )
    from sim.sweep.store import completeness, resume_command

    note = completeness(results.load_status(folder))
    runs = results.load(folder)
    if runs.empty:
        command = results.load_manifest(folder).get("command") or ["negsim", "sweep", "..."]
        raise ValueError(f"{folder}: no runs to draw ({note}); run {resume_command(command)}")
    return Results(
        name=name or folder.resolve().name,
        runs=runs,
        spec=results.load_scenario(folder),
        manifest=results.load_manifest(folder),
        path=folder,
        note=note,
    )


def incomplete_note(loaded: list[Results]) -> str | None:
    """One note for a figure that draws several results, naming those that are incomplete."""
    notes = [f"{r.name}: {r.note}" for r in loaded if r.note]
    return "; ".join(notes) or None
