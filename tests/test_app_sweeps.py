"""The app's background sweeps: the same runs as `negsim sweep` with the same options, a cache
by sweep fingerprint, and a cancel that keeps nothing."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from sim import results
from sim.app import sweeps
from sim.app.levers import board_for
from sim.cli import app

BASELINE = "scenarios/baseline.yaml"
PATH = "actors.russia.outside_option"


def small_odds(board, values):
    return sweeps.odds_spec(BASELINE, board.overrides(values), PATH, 0.3, 0.7, 3, 4, 11)


def test_odds_runs_are_negsim_sweeps_runs(tmp_path):
    board = board_for(BASELINE)
    values = board.defaults() | {"actors.syria.patience": 0.95, PATH: 0.6}
    job = sweeps.SweepJob(small_odds(board, values), executor="serial")
    seen = []
    runs = job.run(lambda done, total: seen.append((done, total)))
    # The CLI with the same setting: the lever's own --set gives way to the axis.
    args = ["sweep", BASELINE, "--vary", f"{PATH}=0.3:0.7:3", "--reps", "4", "--seed", "11",
            "--executor", "serial", "--quiet", "--out", str(tmp_path / "cli"),
            "--set", "actors.syria.patience=0.95"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    cli = results.load(tmp_path / "cli")
    columns = ["point", "rep", "seed", f"param.{PATH}", "agreed", "issue.russian_basing.value"]
    pd.testing.assert_frame_equal(runs[columns], cli[columns], check_dtype=False)
    assert seen[-1] == (12, 12)


def test_a_sweep_that_ran_is_served_from_the_cache():
    board = board_for(BASELINE)
    spec = small_odds(board, board.defaults() | {"protocol.deadline": 6})
    first = sweeps.SweepJob(spec, executor="serial").run()
    again = sweeps.SweepJob(spec, executor="serial")
    seen = []
    assert again.run(lambda done, total: seen.append(done)) is first
    assert seen == [12]  # no chunk ran: one report of everything done
    other_seed = sweeps.odds_spec(BASELINE, [], PATH, 0.3, 0.7, 3, 4, 12)
    assert sweeps.cached(other_seed) is None


def test_a_cancelled_sweep_keeps_nothing():
    spec = sweeps.odds_spec(BASELINE, ["protocol.deadline=5"], PATH, 0.3, 0.7, 3, 40, 13)
    job = sweeps.SweepJob(spec, executor="serial")
    assert job.run(lambda done, total: job.cancel()) is None
    assert 0 < job.done < job.total
    assert sweeps.cached(spec) is None
