"""`negsim sensitivity`: a parameter the model never reads has zero Morris effect; indices and
plots are written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
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
    args += ["--vary", "protocol.eu_rounds=1:8", "--vary", "actors.russia.patience=0.5:0.99"]
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
    # Russia's patience sets what it expects from going on, so it moves some outcome.
    used = table[table["parameter"] == "actors.russia.patience"]
    assert (used["mu_star"] > 0).any()
    assert len(list((out / "plots").glob("sensitivity_*.png"))) == table["outcome"].nunique()


def _sobol(rows: list[tuple[str, float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"outcome": "agreed", "parameter": p, "S1": s1, "S1_conf": c1, "ST": st, "ST_conf": ct}
         for p, s1, c1, st, ct in rows]
    )  # fmt: skip


def test_sobol_indices_beyond_one_or_with_wide_intervals_get_a_warning_with_a_sample_size() -> None:
    from sim.sweep.design import index_warnings

    calm = _sobol([("a", 0.5, 0.05, 0.6, 0.08), ("b", 0.1, 0.04, 0.2, 0.1)])
    assert index_warnings(calm, "saltelli", 64) == []
    wild = _sobol([("a", 0.5, 0.05, 1.39, 0.2), ("b", 0.1, 0.04, 0.2, 0.1)])
    lines = index_warnings(wild, "saltelli", 64)
    assert lines[0].startswith("agreed: ST of a is 1.39 ± 0.20, outside [0, 1]")
    # The widest interval is twice what is accepted: 4 × 64 samples, a power of two already.
    assert "±0.20, ST of a for agreed" in lines[1] and "--samples 256 or more" in lines[1]


def test_morris_intervals_are_judged_against_the_largest_effect() -> None:
    from sim.sweep.design import index_warnings

    table = pd.DataFrame({"outcome": "agreed", "parameter": ["a", "b"], "mu_star": [1.0, 0.2],
                          "mu_star_conf": [0.3, 0.05], "sigma": [0.5, 0.1]})  # fmt: skip
    (line,) = index_warnings(table, "morris", 10)
    assert "μ* of a" in line and "--samples 90 or more" in line  # (0.3 / 0.1)² × 10


def test_replication_noise_share_and_the_reps_that_would_fix_it() -> None:
    from sim.sweep.design import index_warnings, noise_share

    # Point means 0 and 1 (variance 0.25); each point's runs have variance 0.5 over 5 runs, so
    # its mean has noise variance 0.1: a share of 0.1 / 0.25 = 0.4.
    share = noise_share(np.array([0.0, 1.0]), np.array([0.5, 0.5]), np.array([5, 5]))
    assert share == pytest.approx(0.4)
    calm = _sobol([("a", 0.5, 0.05, 0.6, 0.08)])
    (line,) = index_warnings(calm, "saltelli", 64, {"agreed": share}, reps=10)
    # Noise variance falls as 1/reps: 0.4 / 0.6 of the signal now, 0.1 / 0.9 wanted → × 6.
    assert "agreed (40%)" in line and "--reps 60 or more" in line
    assert "total-order indices" in line
    morris = pd.DataFrame({"outcome": ["agreed"], "parameter": ["a"], "mu_star": [0.5],
                           "mu_star_conf": [0.01], "sigma": [0.1]})  # fmt: skip
    (line,) = index_warnings(morris, "morris", 64, {"agreed": share}, reps=10)
    assert "inflates μ* and σ" in line and "total-order" not in line  # Morris has no ST
    (line,) = index_warnings(calm, "saltelli", 64, {"agreed": 0.9}, reps=10)
    assert "measure noise, not influence" in line


@pytest.mark.slow
def test_the_readme_sobol_example_warns_when_samples_are_few(tmp_path: Path) -> None:
    out = tmp_path / "sobol"
    args = ["sensitivity", str(BASELINE), "--method", "sobol", "--samples", "8", "--reps", "2",
            "--vary", "actors.russia.outside_option=0.4:0.9", "--vary",
            "actors.syria.patience=0.8:0.99", "--workers", "1", "--out", str(out), "--quiet",
            "--set", "protocol.deadline=4", "--set", "protocol.grid=3"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "warning: The widest 95% interval" in result.stderr
    assert "--samples" in result.stderr
