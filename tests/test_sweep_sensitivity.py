"""`negsim sensitivity`: a parameter the model never reads has zero Morris effect; indices and
plots are written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import sim.cli.sweep  # noqa: F401  (registers the commands)
from sim.cli.app import app

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
# Deterministic and cheap: rotation, no hazards, exact answers, no perception noise.
DETERMINISTIC = [
    "protocol.deadline=4",
    "protocol.grid=3",
    "protocol.recognition=rotation",
    "events.0.hazard=0",
    *(f"actors.{a}.rationality=.inf" for a in ("syria", "russia", "turkey", "us")),
    *(f"actors.{a}.perception_noise=0" for a in ("syria", "russia", "turkey", "us")),
]


def test_morris_finds_no_effect_of_an_unused_parameter(tmp_path: Path) -> None:
    out = tmp_path / "sens"
    args = ["sensitivity", str(BASELINE), "--method", "morris", "--samples", "4", "--reps", "1"]
    args += ["--vary", "protocol.eu_rounds=1:8", "--vary", "actors.syria.patience=0.5:0.99"]
    args += ["--workers", "2", "--out", str(out), "--quiet"]
    args += [f"--set={s}" for s in DETERMINISTIC]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table.columns) == {"outcome", "parameter", "mu_star", "mu_star_conf", "sigma"}
    outcomes = {"agreed", "utility.syria", "issue.extradition.value"}
    assert outcomes <= set(table["outcome"])
    unused = table[table["parameter"] == "protocol.eu_rounds"]
    # eu_rounds belongs to the expected-utility protocol: alternating offers never read it.
    assert (unused["mu_star"] == 0).all() and (unused["sigma"] == 0).all()
    # Syria's patience sets what it expects from going on, so it moves some outcome.
    used = table[table["parameter"] == "actors.syria.patience"]
    assert (used["mu_star"] > 0).any()
    assert len(list((out / "plots").glob("sensitivity_*.png"))) == table["outcome"].nunique()
