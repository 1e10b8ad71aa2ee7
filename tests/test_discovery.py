"""Scenario discovery: PRIM recovers known boxes, its counts and quasi-p-values match hand
derivations, weighting by runs equals one row per run, and `negsim discover` works end to end."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim.cli.analyse
import sim.cli.sweep  # noqa: F401
from sim.cli import app
from sim.discovery import decimals, parse_outcome, rounded
from sim.discovery.prim import balanced_box, peel
from sim.discovery.trees import feature_scores, tree_leaves
from sim.results import load
from tests.conftest import ROOT

runner = CliRunner()


def test_prim_recovers_a_known_box_and_leaves_the_idle_parameter_alone() -> None:
    # The outcome happens exactly when x0 > 0.6 and x1 < 0.3; x2 plays no part.
    x = np.random.default_rng(1).uniform(size=(2000, 3))
    y = ((x[:, 0] > 0.6) & (x[:, 1] < 0.3)).astype(int)
    t = peel(x, np.ones(len(x), dtype=int), y)
    last = t.boxes[-1]
    assert last.density == 1.0
    assert last.restricted == (0, 1)
    assert last.limits[0, 0] == pytest.approx(0.6, abs=0.01)
    assert last.limits[1, 1] == pytest.approx(0.3, abs=0.01)
    assert last.coverage > 0.95  # peels stop at the box's edges, so little of it is lost
    # Along the trajectory density never falls and mass shrinks by about alpha per peel.
    dens = [b.density for b in t.boxes]
    assert all(b >= a for a, b in itertools.pairwise(dens))
    masses = np.array([b.mass for b in t.boxes])
    assert np.all(np.diff(masses) < 0) and np.all(masses[1:] / masses[:-1] > 0.93)


def test_a_peel_on_a_grid_removes_a_whole_level_and_sets_the_limit_halfway() -> None:
    # Four levels of one parameter, 10 runs each; the outcome never happens at level 0 and always
    # elsewhere. The 5% quantile of the 40 runs is at level 0, so the first peel removes level 0
    # (the limit goes halfway to level 1): density 30/30, coverage 30/30, mass 30/40; stop.
    t = peel(np.array([[0.0], [1.0], [2.0], [3.0]]), np.full(4, 10), np.array([0, 10, 10, 10]))
    assert len(t.boxes) == 2
    b = t.boxes[1]
    assert b.limits.tolist() == [[0.5, 3.0]]
    assert (b.n, b.k, b.density, b.coverage, b.mass) == (30, 30, 1.0, 1.0, 0.75)


def test_quasi_p_is_the_binomial_tail_against_the_relaxed_box() -> None:
    # Same grid, but the outcome shows in 2, 6, 7, 8 of the 10 runs at levels 0..3. Box 1 drops
    # level 0: k = 21 of n = 30. Relaxing its lower limit gives the whole space, p = 23/40, and the
    # quasi-p is P(X ≥ 21) for X ~ Binomial(30, 23/40), written out here.
    t = peel(np.array([[0.0], [1.0], [2.0], [3.0]]), np.full(4, 10), np.array([2, 6, 7, 8]))
    b = t.boxes[1]
    assert (b.n, b.k) == (30, 21)
    p = 23 / 40
    tail = sum(math.comb(30, i) * p**i * (1 - p) ** (30 - i) for i in range(21, 31))
    assert t.quasi_p(1) == {(0, 0): pytest.approx(tail, rel=1e-9)}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    points=st.integers(5, 30),
    reps=st.integers(1, 6),
)
def test_weighting_points_by_runs_equals_one_row_per_run(seed: int, points: int, reps: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(points, 2)).round(2)
    hits = rng.binomial(reps, rng.uniform(size=points))
    if hits.sum() == 0:
        hits[0] = 1
    a = peel(x, np.full(points, reps), hits)
    runs_x = np.repeat(x, reps, axis=0)
    runs_y = np.concatenate([[1] * h + [0] * (reps - h) for h in hits])
    b = peel(runs_x, np.ones(len(runs_x), dtype=int), runs_y)
    assert len(a.boxes) == len(b.boxes)
    for p, q in zip(a.boxes, b.boxes, strict=True):
        assert (p.n, p.k, p.restricted) == (q.n, q.k, q.restricted)
        assert np.array_equal(p.limits, q.limits)


def test_balanced_box_prefers_a_rise_in_density_that_keeps_most_runs_of_interest() -> None:
    x = np.random.default_rng(4).uniform(size=(1000, 2))
    y = (x[:, 0] > 0.5).astype(int)
    t = peel(x, np.ones(1000, dtype=int), y)
    i = balanced_box(t)
    assert i > 0 and t.boxes[i].density > 0.95 and t.boxes[i].coverage > 0.9


def test_tree_and_scores_find_the_parameter_that_decides() -> None:
    x = np.random.default_rng(2).uniform(size=(300, 3))
    runs = np.full(300, 5)
    hits = np.where(x[:, 2] > 0.5, 5, 0)
    leaves = tree_leaves(x, runs, hits)
    top = leaves[0]
    assert top.density == 1.0 and top.limits[2, 0] == pytest.approx(0.5, abs=0.02)
    assert sum(leaf.n for leaf in leaves) == runs.sum()  # the leaves partition the runs
    scores = feature_scores(x, runs, hits)
    assert scores.sum() == pytest.approx(1.0) and np.argmax(scores) == 2 and scores[2] > 0.8


def test_outcomes_are_read_from_the_command_line_or_refused_in_one_line() -> None:
    cols = ["agreed", "breakdown", "issue.basing.value", "issue.basing.agreed", "utility.syria"]
    runs = pd.DataFrame(
        {
            "agreed": [True, False, False],
            "breakdown": ["", "deadline", "walkout:russia"],
            "issue.basing.value": [0.25, 0.5, 1.0],
            "issue.basing.agreed": [True, True, False],
            "utility.syria": [0.1, 0.2, 0.3],
        }
    )
    assert parse_outcome("agreed", cols).flags(runs).tolist() == [True, False, False]
    assert parse_outcome("breakdown", cols).flags(runs).tolist() == [False, True, True]
    assert parse_outcome("breakdown=walkout", cols).flags(runs).tolist() == [False, False, True]
    assert parse_outcome("breakdown!=deadline", cols).flags(runs).tolist() == [True, False, True]
    assert parse_outcome("issue.basing.value>=0.5", cols).flags(runs).tolist() == [
        False,
        True,
        True,
    ]
    assert parse_outcome("issue.basing.agreed", cols).flags(runs).tolist() == [True, True, False]
    with pytest.raises(ValueError, match=r"no column 'tartus'.*agreed, breakdown"):
        parse_outcome("tartus>=0.5", cols)
    with pytest.raises(ValueError, match="give a condition"):
        parse_outcome("utility.syria", cols)
    with pytest.raises(ValueError, match="not a number"):
        parse_outcome("utility.syria>=high", cols)


def test_parameters_are_rounded_to_what_their_range_resolves() -> None:
    assert decimals(0.5) == 2 and decimals(0.19) == 3 and decimals(1.0) == 2 and decimals(20) == 1
    assert rounded(0.6891234, 0.5) == "0.69"
    assert rounded(-0.0001, 0.5) == "0.00"


@pytest.fixture(scope="module")
def lhs_results(tmp_path_factory) -> Path:
    """A small LHS sweep of the cheap baseline over three parameters."""
    folder = tmp_path_factory.mktemp("discover") / "lhs"
    result = runner.invoke(
        app,
        ["sweep", str(ROOT / "scenarios" / "baseline.yaml"), "--design", "lhs", "--samples", "24",
         "--reps", "5", "--seed", "3", "--out", str(folder), "--quiet", "--executor", "serial",
         "--set", "protocol.deadline=4", "--set", "protocol.grid=3",
         "--vary", "actors.russia.outside_option=0.3:0.95",
         "--vary", "actors.syria.patience=0.8:0.99",
         "--vary", "actors.turkey.capability=0.5:1.5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder


def test_discover_prints_the_trajectory_and_the_box_and_draws_the_figure(lhs_results) -> None:
    result = runner.invoke(app, ["discover", str(lhs_results), "--outcome", "breakdown"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "PRIM peeling trajectory" in out and "coverage" in out and "density" in out
    assert "quasi-p" in out or "no parameter is restricted" in out
    assert "Classification tree" in out and "Feature scores" in out
    png = lhs_results / "plots" / "discovery_breakdown.png"
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
    # The numbers printed for box 0 are the plain counts over the stored runs.
    runs = load(lhs_results)
    ok = runs[runs["status"] == "ok"]
    k = int((ok["breakdown"] != "").sum())
    assert f"{k:,} of {len(ok):,} completed runs" in out
    assert sum(line.endswith(" *") for line in out.splitlines()) == 1  # one chosen box
    picked = runner.invoke(app, ["discover", str(lhs_results), "--outcome", "breakdown",
                                 "--box", "0"])  # fmt: skip
    assert picked.exit_code == 0 and "box 0: coverage 1.00" in picked.stdout
    assert "no parameter is restricted" in picked.stdout


def test_discover_refuses_bad_input_in_one_line(lhs_results, tmp_path) -> None:
    for args, needle in (
        (["--outcome", "tartus"], "no column 'tartus'"),
        (["--box", "999"], "--box 999"),
    ):
        result = runner.invoke(app, ["discover", str(lhs_results), *args])
        assert result.exit_code == 2, result.output
        assert needle in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    result = runner.invoke(app, ["discover", str(tmp_path)])
    assert result.exit_code == 2 and "not a results folder" in result.stderr
