"""Sweeps end to end: identical results across executors, chunking, kills and resumes; failed runs
recorded; the manifest; a stored run reproduced by `negsim run`."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sim
import sim.cli.run
import sim.cli.sweep
import sim.results
from sim.cli.app import app
from sim.sweep import run_sweep
from sim.sweep.seeds import run_seed
from tests.sweeping import BASELINE, CHEAP, LONG_REPS, VARY, long_sweep, small_spec, wait_for_parts


@pytest.fixture(scope="module")
def serial_runs(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("serial")
    run_sweep(small_spec(), out, executor="serial", chunk_size=5)
    return out, sim.results.load(out)


def test_rows_follow_the_contract(serial_runs) -> None:
    _, runs = serial_runs
    assert len(runs) == 4 * 3
    assert list(zip(runs["point"], runs["rep"], strict=True)) == [
        (p, r) for p in range(4) for r in range(3)
    ]
    assert (runs["status"] == "ok").all() and (runs["error"] == "").all()
    assert [run_seed(11, p, r) for p, r in zip(runs["point"], runs["rep"], strict=True)] == list(
        runs["seed"]
    )
    # Grid order: the first axis varies slowest.
    assert list(runs.groupby("point")["param.actors.russia.outside_option"].first()) == [
        0.2,
        0.2,
        0.5,
        0.5,
    ]
    assert list(runs.groupby("point")["param.actors.syria.patience"].first()) == [
        0.85,
        0.95,
        0.85,
        0.95,
    ]
    assert {"agreed", "rounds_used", "issue.extradition.value", "utility.russia"} <= set(runs)


@pytest.mark.slow
def test_same_results_whatever_executor_workers_and_chunks(serial_runs, tmp_path: Path) -> None:
    _, expected = serial_runs
    for i, (executor, chunk) in enumerate([("process", 1), ("process", 5), ("dask", 2)]):
        out = tmp_path / f"{executor}-{i}"
        res = run_sweep(small_spec(), out, executor=executor, workers=2, chunk_size=chunk)
        assert res.status == "complete" and res.ok == 12
        assert len(list((out / "runs").glob("part-*.parquet"))) == -(-12 // chunk)
        got = sim.results.load(out)
        assert got.equals(expected), f"{executor} with chunks of {chunk} differs from serial"


@pytest.mark.slow
def test_an_existing_dask_scheduler_by_address(serial_runs, tmp_path: Path) -> None:
    import logging

    from distributed import LocalCluster

    _, expected = serial_runs
    out = tmp_path / "by-address"
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        args = ["sweep", str(BASELINE), "--reps", "3", "--seed", "11", "--quiet"]
        args += [f"--vary={v}" for v in VARY] + [f"--set={s}" for s in CHEAP]
        args += ["--address", cluster.scheduler_address, "--out", str(out)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    assert sim.results.load_manifest(out)["executor"] == "dask"
    assert sim.results.load(out).equals(expected)


def test_a_stored_run_is_reproduced_by_negsim_run(serial_runs) -> None:
    _, runs = serial_runs
    row = runs.iloc[7]
    sets = [f"--set={s}" for s in CHEAP]
    for col in ("actors.russia.outside_option", "actors.syria.patience"):
        sets.append(f"--set={col}={float(row['param.' + col])!r}")
    result = CliRunner().invoke(
        app, ["run", str(BASELINE), "--seed", str(row["seed"]), "--format", "json", *sets]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["agreed"] == row["agreed"] and record["rounds_used"] == row["rounds_used"]
    for key, issue in record["issues"].items():
        assert issue["value"] == row[f"issue.{key}.value"]
    for key, u in record["utilities"].items():
        assert u == row[f"utility.{key}"]


def test_manifest_describes_the_sweep(serial_runs) -> None:
    out, _ = serial_runs
    m = sim.results.load_manifest(out)
    spec = small_spec()
    assert m["scenario"] == json.loads(json.dumps(spec.scenario.model_dump(mode="json")))
    assert m["scenario"]["protocol"]["deadline"] == 4
    assert m["sweep"]["design"] == "grid" and m["sweep"]["replications"] == 3
    assert m["sweep"]["seed"] == 11 and m["sweep"]["chunk_size"] == 5
    assert [a["path"] for a in m["sweep"]["axes"]] == spec.paths
    assert m["counts"] == {"ok": 12, "failed": 0, "total": 12, "expected": 12}
    assert m["version"] == sim.__version__ and m["status"] == "complete"
    assert m["git_commit"] is None or len(m["git_commit"]) == 40
    assert m["started"] <= m["ended"]
    assert sim.results.load_scenario(out) == spec.scenario


def test_a_failing_run_is_isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sim.sweep.execute as execute

    real = execute.run_once

    def flaky(spec, seed):
        if spec.actors["russia"].outside_option == 0.5 and spec.actors["syria"].patience == 0.85:
            raise RuntimeError("injected failure")
        return real(spec, seed)

    monkeypatch.setattr(execute, "run_once", flaky)
    res = run_sweep(small_spec(), tmp_path / "f", executor="serial", chunk_size=4)
    runs = sim.results.load(tmp_path / "f")
    bad = runs[runs["point"] == 2]
    assert (bad["status"] == "failed").all()
    assert (bad["error"] == "RuntimeError: injected failure").all()
    assert bad["utility.russia"].isna().all() and not bad["agreed"].any()
    assert (runs.loc[runs["point"] != 2, "status"] == "ok").all()
    assert (res.ok, res.failed) == (9, 3)
    assert sim.results.load_manifest(tmp_path / "f")["counts"]["failed"] == 3


def test_existing_folder_needs_resume_or_overwrite(serial_runs, tmp_path: Path) -> None:
    out, _ = serial_runs
    result = CliRunner().invoke(
        app, ["sweep", str(BASELINE), "--out", str(out), "--executor", "serial", "--quiet"]
    )
    assert result.exit_code == 2 and "holds a different sweep" in result.stderr
    with pytest.raises(ValueError, match="different sweep"):
        run_sweep(small_spec(seed=12), out, executor="serial", resume=True)
    # Resuming a finished sweep runs nothing and changes nothing.
    res = run_sweep(small_spec(), out, executor="serial", resume=True)
    assert res.ran == 0 and res.total == 12


def _workers_exit_on_their_own(session: int, timeout: float = 20.0) -> None:
    """Orphaned pool workers must notice the dead sweep and exit; clean up if they do not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(session, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(session, signal.SIGKILL)
    pytest.fail("pool workers outlived the killed sweep process")


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["serial", "process"])
def test_resume_after_sigkill_equals_uninterrupted(
    executor: str, long_reference, tmp_path: Path
) -> None:
    # A random moment: after a random number of the first half of the parts (4 runs each),
    # plus a random delay; the second half takes far longer than that delay.
    parts, delay = random.randint(1, LONG_REPS // 2), random.uniform(0.0, 0.03)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        long_sweep(out, "--executor", executor, "--workers", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_parts(out, parts)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)  # the sweep process alone, as the OOM killer would
    proc.wait()
    _workers_exit_on_their_own(proc.pid)
    done = sim.results.load(out)
    assert 0 < len(done) < len(long_reference), f"the kill after {parts} parts missed the sweep"
    again = subprocess.run(
        long_sweep(out, "--executor", executor, "--resume"), capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    got = sim.results.load(out)
    assert not got.duplicated(["point", "rep"]).any(), (
        f"duplicates after a kill after {parts} parts"
    )
    assert got.equals(long_reference), f"killed after {parts} parts ({len(done)} runs kept)"


@pytest.mark.slow
def test_ctrl_c_exits_130_and_keeps_finished_parts(long_reference, tmp_path: Path) -> None:
    out = tmp_path / "int"
    proc = subprocess.Popen(
        long_sweep(out, "--executor", "process", "--workers", "2"),
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a job started in the background by a non-interactive shell (as CI
        # may be) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_for_parts(out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    manifest = sim.results.load_manifest(out)
    kept = sim.results.load(out)
    assert manifest["status"] == "interrupted"
    assert manifest["counts"]["total"] == len(kept) > 0
    # What was kept is exactly the uninterrupted sweep's rows for those runs.
    ref = long_reference.set_index(["point", "rep"]).loc[
        list(zip(kept["point"], kept["rep"], strict=True))
    ]
    assert np.array_equal(ref["seed"].to_numpy(), kept["seed"].to_numpy())
    assert np.allclose(ref["utility.syria"], kept["utility.syria"], equal_nan=True)
    again = subprocess.run(long_sweep(out, "--resume"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert sim.results.load(out).equals(long_reference)
    assert os.path.exists(out / "summary.csv")


def _points(n: int):
    """A per-point table of `n` points over three parameters, as point_table gives it."""
    import pandas as pd

    return pd.DataFrame(
        {
            "point": range(n),
            "param.actors.russia.outside_option": np.linspace(0.4, 0.9, n),
            "param.actors.syria.patience": np.linspace(0.8, 0.99, n),
            "param.actors.turkey.capability": np.linspace(0.5, 1.5, n),
            "runs": 50, "failed": 0, "p_agreement": 0.5, "p_low": 0.25, "p_high": 0.75,
            "mean_rounds": 3.0,
        }
    )  # fmt: skip


@pytest.mark.parametrize("n", [3, 25, 26, 200])
def test_the_per_point_table_stays_short_with_whole_headers(n, monkeypatch, capsys) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    sim.cli.sweep._print_points(_points(n))
    out = capsys.readouterr().out
    rows = [int(line.split()[0]) for line in out.splitlines() if re.match(r"\s*\d+\s", line)]
    # A row per point on one line each, or the first and last five and a pointer to the rest.
    assert rows == (list(range(n)) if n <= 25 else [*range(5), *range(n - 5, n)])
    assert ("all in summary.csv" in out) == (n > 25)
    assert n <= 25 or f"first and last 5 of {n} points" in out
    for word in ("outside_option", "patience", "capability", "p(agreement)", "[95% Wilson]"):
        assert word in out, out  # whole, not folded mid-word
