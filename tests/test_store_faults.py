"""The results store under faults: one writer per folder, a manifest that records every committed
part with its checksum, corrupted and truncated parts set aside and re-run, a lost manifest
rebuilt, --overwrite that removes only negsim's files, exact statuses, and folder faults (full,
read-only, gone, a file) that cost one line and leave the store resumable."""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import signal
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.results
import sim.sweep.store as store_module
from sim.cli import app
from sim.sweep import run_sweep
from sim.sweep.lock import LOCK, FolderBusy, holder
from sim.sweep.store import Store, StoreError
from tests.sweeping import (
    BASELINE,
    CHEAP,
    CLI,
    VARY,
    all_exit,
    children,
    descendants,
    long_sweep,
    parts_in,
    small_spec,
    wait_for_parts,
)

runner = CliRunner()
CLI_SMALL = [
    "sweep", str(BASELINE), "--reps", "5", "--seed", "11", "--executor", "serial",
    "--chunk-size", "3", "--quiet", *(f"--vary={v}" for v in VARY), *(f"--set={s}" for s in CHEAP),
]  # fmt: skip


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):
    """The small sweep, uninterrupted: 4 points x 5 reps, 7 parts of 3 runs (the last of 2)."""
    out = tmp_path_factory.mktemp("reference")
    run_sweep(small_spec(reps=5), out, executor="serial", chunk_size=3)
    return sim.results.load(out)


def fresh(tmp_path: Path, name: str = "out") -> Path:
    out = tmp_path / name
    run_sweep(small_spec(reps=5), out, executor="serial", chunk_size=3)
    return out


def resume(out: Path, **options):
    return run_sweep(small_spec(reps=5), out, executor="serial", resume=True, **options)


def flip(path: Path, at: int, count: int = 64) -> None:
    data = bytearray(path.read_bytes())
    for i in range(at, at + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


# --- the manifest records every part -------------------------------------------------------
def test_every_part_is_recorded_with_rows_and_checksum(tmp_path: Path) -> None:
    import hashlib

    out = fresh(tmp_path)
    lines = [json.loads(x) for x in (out / "parts.jsonl").read_text().splitlines()]
    assert [e["part"] for e in lines] == [p.name for p in parts_in(out)]
    assert [e["rows"] for e in lines] == [3] * 6 + [2]
    for e in lines:
        data = (out / "runs" / e["part"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["bytes"] == len(data)
    assert sim.results.load_status(out) | {"problems": []} == {
        "status": "complete", "stored": 20, "ok": 20, "failed": 0, "expected": 20, "problems": [],
    }  # fmt: skip


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_a_damaged_part_is_set_aside_and_exactly_its_runs_rerun(
    tmp_path: Path, reference, damage: str
) -> None:
    out = fresh(tmp_path)
    part = parts_in(out)[2]
    if damage == "flip":  # 64 flipped bytes, as the review did
        flip(part, part.stat().st_size // 2)
    elif damage == "truncate":
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    else:
        part.unlink()
    # Readers leave it out and say so: 17 of 20 runs.
    assert len(sim.results.load(out)) == 17
    state = sim.results.load_status(out)
    assert state["stored"] == 17 and part.name in state["problems"][0]
    res = resume(out)
    assert res.ran == 3  # exactly that part's runs
    if damage != "delete":
        assert len(res.set_aside) == 1 and part.name in res.set_aside[0]
        assert (out / "set-aside" / part.name).is_file()
        assert ("corrupted" if damage == "flip" else "truncated") in res.set_aside[0]
    assert sim.results.load(out).equals(reference)
    assert sim.results.load_status(out)["problems"] == []


def test_a_part_the_record_does_not_list_is_not_part_of_the_sweep(tmp_path, reference) -> None:
    out = fresh(tmp_path)
    stray = out / "runs" / "part-000099.parquet"
    stray.write_bytes(parts_in(out)[0].read_bytes())  # a copy: its runs would be duplicates
    assert len(sim.results.load(out)) == 20
    res = resume(out)
    assert res.ran == 0 and "not in the record" in res.set_aside[0]
    assert not stray.exists() and sim.results.load(out).equals(reference)


@pytest.mark.parametrize("damage", ["delete", "garbage"])
def test_a_lost_manifest_is_rebuilt_from_the_parts(tmp_path, reference, damage: str) -> None:
    out = fresh(tmp_path)
    if damage == "delete":
        (out / "manifest.json").unlink()
    else:
        (out / "manifest.json").write_text('{"sweep": [tru')
    with pytest.raises(ValueError, match="--resume rebuilds it"):
        sim.results.load_status(out)
    flip(parts_in(out)[4], 400)  # and one part damaged meanwhile
    res = resume(out)
    assert res.rebuilt and res.ran == 3 and len(res.set_aside) == 1
    assert sim.results.load(out).equals(reference)
    assert sim.results.load_manifest(out)["status"] == "complete"


def test_resume_into_an_empty_folder_is_a_fresh_sweep_not_a_rebuild(tmp_path, reference) -> None:
    # `negsim sensitivity` resumes by default; a first run must not claim to have rebuilt a record.
    res = resume(tmp_path / "new")
    assert not res.rebuilt and res.ran == 20
    assert "rebuilt" not in sim.results.load_manifest(tmp_path / "new")


def test_a_lost_record_is_rebuilt_from_fully_checked_parts(tmp_path, reference) -> None:
    out = fresh(tmp_path)
    (out / "parts.jsonl").unlink()
    assert sim.results.load(out).empty  # nothing is trusted without the record
    res = resume(out)
    assert res.ran == 0 and res.set_aside == []
    assert sim.results.load(out).equals(reference)


def test_rebuilding_for_another_sweep_is_refused_and_moves_nothing(tmp_path) -> None:
    out = fresh(tmp_path)
    (out / "manifest.json").unlink()
    before = sorted(p.name for p in parts_in(out))
    with pytest.raises(StoreError, match="belong to a different sweep"):
        run_sweep(small_spec(reps=5, seed=12), out, executor="serial", resume=True)
    assert sorted(p.name for p in parts_in(out)) == before


# --- one writer per folder -----------------------------------------------------------------
def test_a_second_writer_is_refused_naming_the_holder(tmp_path: Path) -> None:
    out = fresh(tmp_path)
    store = Store(out)
    with store.lock():
        assert holder(out) == os.getpid()
        with pytest.raises(FolderBusy, match=f"pid {os.getpid()}"):
            resume(out)
        with pytest.raises(FolderBusy):
            run_sweep(small_spec(reps=5), out, executor="serial", overwrite=True)
    assert holder(out) is None


@pytest.mark.slow
def test_concurrent_writers_through_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    first = subprocess.Popen(long_sweep(out, "--executor", "serial"), stderr=subprocess.PIPE)
    try:
        wait_for_parts(out)
        for flag in ("--resume", "--overwrite"):
            second = subprocess.run(long_sweep(out, flag), capture_output=True, text=True)
            err = second.stderr.strip()
            assert second.returncode == 2 and len(err.splitlines()) == 1, err
            assert f"pid {first.pid}" in err
        assert first.poll() is None, "the second writer disturbed the first"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # The lock died with its holder (no stale marker), and nothing was written twice.
    assert holder(out) is None
    assert not sim.results.load(out).duplicated(["point", "rep"]).any()


# --- a folder that already holds a sweep ---------------------------------------------------
def snapshot(out: Path) -> dict[str, bytes]:
    """Every file in the folder and its bytes, but the lock file (each writer puts its pid there)."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != LOCK
    }


def test_the_same_finished_sweep_again_says_it_is_there_and_touches_nothing(tmp_path) -> None:
    out = fresh(tmp_path)
    before = snapshot(out)
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.search(rf"complete: 20 runs already in {re.escape(str(out))}/", result.stdout)
    assert "--overwrite" in result.stdout and result.stderr == ""
    assert snapshot(out) == before


def test_a_resume_with_nothing_to_run_leaves_the_folder_byte_identical(tmp_path) -> None:
    # Else the manifest's command line and end time would credit the no-op rerun.
    out = fresh(tmp_path)
    before = snapshot(out)
    res = run_sweep(small_spec(reps=5), out, executor="serial", resume=True, command=["again"])
    assert res.ran == 0 and res.total == 20 and res.status == "complete"
    assert snapshot(out) == before
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out), "--resume"])
    assert result.exit_code == 0 and "complete: 20 runs already in" in result.stdout
    assert snapshot(out) == before


def test_the_same_sweep_unfinished_needs_resume(tmp_path: Path) -> None:
    out = fresh(tmp_path)
    lines = (out / "parts.jsonl").read_bytes().splitlines(keepends=True)
    (out / "parts.jsonl").write_bytes(b"".join(lines[:-1]))  # the last part was never recorded
    before = snapshot(out)
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out)])
    assert result.exit_code == 2
    assert "unfinished: add --resume to finish it" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and snapshot(out) == before


def test_a_different_sweep_in_the_folder_is_named_as_such(tmp_path: Path) -> None:
    out = fresh(tmp_path)
    before = snapshot(out)
    result = runner.invoke(app, [*CLI_SMALL, "--seed", "12", "--out", str(out)])
    assert result.exit_code == 2
    assert "holds a different sweep" in result.stderr and "choose another --out" in result.stderr
    assert "--overwrite" in result.stderr and "--resume" not in result.stderr
    assert snapshot(out) == before


# --- --overwrite removes only what negsim wrote --------------------------------------------
def test_overwrite_refuses_a_folder_without_a_negsim_manifest(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "data.csv").write_text("my own data\n")
    (out / "plots").mkdir()
    (out / "plots" / "figure.png").write_bytes(b"mine")
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out), "--overwrite"])
    assert result.exit_code == 2 and "no negsim manifest" in result.stderr
    assert (out / "runs" / "data.csv").read_text() == "my own data\n"
    assert (out / "plots" / "figure.png").exists()


def test_overwrite_removes_negsim_files_and_keeps_the_users(tmp_path: Path, reference) -> None:
    out = fresh(tmp_path)
    drawn = [out / "plots" / "agreement.png", out / "report.html"]  # as plot and report note them
    (out / "plots").mkdir()
    for path in drawn:
        path.write_bytes(b"drawn by negsim")
    Store(out).note_outputs([*drawn, tmp_path / "elsewhere.png"])
    (out / "plots" / "my-annotated.png").write_bytes(b"mine")
    (out / "runs" / "notes.txt").write_text("mine")
    (out / "README").write_text("mine")
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in drawn)
    assert (out / "plots" / "my-annotated.png").exists()
    assert (out / "runs" / "notes.txt").exists() and (out / "README").exists()
    assert sim.results.load(out).equals(reference)


# --- exact status --------------------------------------------------------------------------
def test_status_of_an_interrupted_sweep(tmp_path, monkeypatch, reference) -> None:
    import sim.sweep.execute as execute

    real, calls = execute.run_chunk, []

    def interrupt_third(chunk):
        calls.append(chunk)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(chunk)

    monkeypatch.setattr(execute, "run_chunk", interrupt_third)
    out = tmp_path / "int"
    res = run_sweep(small_spec(reps=5), out, executor="serial", chunk_size=3)
    assert (res.status, res.total, res.expected) == ("interrupted", 6, 20)
    state = sim.results.load_status(out)
    assert state["status"] == "interrupted" and state["stored"] == 6
    assert store_module.completeness(state) == "interrupted: 6 of 20 runs stored"
    monkeypatch.setattr(execute, "run_chunk", real)
    assert resume(out).status == "complete" and sim.results.load(out).equals(reference)


def test_a_killed_sweep_reads_as_interrupted(tmp_path: Path) -> None:
    out = fresh(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps(manifest | {"status": "running"}))
    for p in parts_in(out)[3:]:  # as if killed after three parts
        p.unlink()
    assert store_module.completeness(sim.results.load_status(out)).startswith(
        "interrupted: 9 of 20 runs stored"
    )


def test_a_sweep_whose_every_run_fails_exits_non_zero(tmp_path, monkeypatch) -> None:
    import sim.sweep.execute as execute

    def broken(spec, seed):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(execute, "run_once", broken)
    out = tmp_path / "failed"
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out)])
    assert result.exit_code == 1
    assert "every run failed" in result.stderr and "injected failure" in result.stderr
    assert sim.results.load_manifest(out)["status"] == "failed"
    assert store_module.completeness(sim.results.load_status(out)) == "failed: all 20 runs failed"


# --- folder faults -------------------------------------------------------------------------
def no_debris(out: Path) -> bool:
    return not list(out.rglob("*.tmp"))


def test_out_pointing_at_a_file_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    for out in (target, target / "below"):
        result = runner.invoke(app, [*CLI_SMALL, "--out", str(out)])
        err = result.stderr.strip()
        assert result.exit_code == 2 and len(err.splitlines()) == 1, err
        assert str(target) in err and "Traceback" not in result.output


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.ENOENT])
def test_a_write_fault_aborts_in_one_line_and_stays_resumable(
    tmp_path, monkeypatch, reference, code: int
) -> None:
    # Disk full, a read-only remount, the folder deleted: the third part cannot be written.
    real, calls = store_module.write_atomic, []

    def failing(path, data):
        if path.name.startswith("part-"):
            calls.append(path)
            if len(calls) == 3:
                raise OSError(code, os.strerror(code))
        return real(path, data)

    monkeypatch.setattr(store_module, "write_atomic", failing)
    out = tmp_path / "fault"
    result = runner.invoke(app, [*CLI_SMALL, "--out", str(out)])
    err = result.stderr.strip()
    assert result.exit_code == 2 and len(err.splitlines()) == 1, err
    assert os.strerror(code) in err and "6 of 20 runs are kept" in err and "--resume" in err
    assert sim.results.load_manifest(out)["status"] == "aborted" and no_debris(out)
    monkeypatch.setattr(store_module, "write_atomic", real)
    assert resume(out).ran == 14 and sim.results.load(out).equals(reference)


@pytest.mark.slow
def test_disk_full_through_a_file_size_limit(tmp_path: Path) -> None:
    # A real write failure: with RLIMIT_FSIZE, write() fails with EFBIG once a file outgrows the
    # limit (Python ignores SIGXFSZ), as a full disk fails it. 200 parts of one run: the limit is
    # above the manifest and any part (about 14 and 28 kB, with the coalition columns) and below
    # the record of all parts (about 32 kB).
    out, reference = tmp_path / "full", tmp_path / "reference"
    spec = small_spec(reps=50, seed=3)
    run_sweep(spec, reference, executor="serial")
    command = [*CLI_SMALL, "--reps", "50", "--seed", "3", "--chunk-size", "1", "--out", str(out)]

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))

    proc = subprocess.run([*CLI, *command], capture_output=True, text=True, preexec_fn=small_files)
    err = proc.stderr.strip()
    assert proc.returncode == 2 and len(err.splitlines()) == 1, err
    assert "File too large" in err and "--resume" in err and "Traceback" not in err
    assert no_debris(out)
    assert 0 < len(sim.results.load(out)) < 200
    again = subprocess.run([*CLI, *command, "--resume"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert sim.results.load(out).equals(sim.results.load(reference))


# --- workers --------------------------------------------------------------------------------
def test_a_chunk_that_keeps_killing_its_worker_is_stored_failed(tmp_path: Path) -> None:
    from sim.sweep.execute import plan_chunks, process_pool
    from tests.sweeping import kill_on_point

    spec = small_spec(reps=2)
    import numpy as np

    done = np.zeros((spec.n_points, spec.replications), dtype=bool)
    rows = [
        r for chunk in process_pool(plan_chunks(spec, done, 2), 2, kill_on_point) for r in chunk
    ]
    assert sorted((r["point"], r["rep"]) for r in rows) == [
        (p, r) for p in range(4) for r in range(2)
    ]
    dead = [r for r in rows if r["point"] == 1]
    assert all(r["status"] == "failed" and r["error"].startswith("WorkerDied") for r in dead)
    assert all(r["status"] == "ok" for r in rows if r["point"] != 1)


@pytest.mark.slow
def test_a_killed_worker_does_not_stop_the_sweep(tmp_path: Path, long_reference) -> None:
    out = tmp_path / "worker-killed"
    proc = subprocess.Popen(
        long_sweep(out, "--executor", "process", "--workers", "2"), stderr=subprocess.PIPE
    )
    wait_for_parts(out, 3)
    # The pool's workers are the forkserver's children: kill one as the OOM killer would.
    forkserver = next(c for c in children(proc.pid) if children(c))
    os.kill(children(forkserver)[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    got = sim.results.load(out)
    assert got.equals(long_reference), "a retried chunk differs from the uninterrupted sweep"


@pytest.mark.slow
def test_workers_exit_when_the_sweep_dies_unreaped(tmp_path: Path) -> None:
    # The caller holds the sweep's output pipes and does not reap it: the dead sweep stays a
    # zombie, which still answers kill(pid, 0); its workers must exit all the same.
    out = tmp_path / "zombie"
    proc = subprocess.Popen(
        long_sweep(out, "--executor", "process", "--workers", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_parts(out)
    below = descendants(proc.pid)
    assert below, "the pool started no processes"
    os.kill(proc.pid, signal.SIGKILL)
    try:
        assert all_exit(below, timeout=30), "pool workers outlived the killed sweep"
    finally:
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# --- readers say what is missing ----------------------------------------------------------
def test_plots_and_report_of_an_incomplete_folder_say_so(tmp_path: Path) -> None:
    from sim.plots import load_results
    from sim.plots.style import mark_incomplete, new_figure

    out = fresh(tmp_path)
    lines = (out / "parts.jsonl").read_text().splitlines()
    (out / "parts.jsonl").write_text("\n".join(lines[:4]) + "\n")  # 12 of 20 runs recorded
    r = load_results(out)
    assert len(r.runs) == 12 and r.note.endswith("12 of 20 runs stored")
    fig = mark_incomplete(new_figure((4, 3)), r.note)
    assert [t.get_text() for t in fig.texts] == [f"Incomplete sweep — {r.note}"]
    result = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "12 of 20 runs stored" in result.stderr
    assert "Incomplete sweep — damaged: 12 of 20 runs stored" in (tmp_path / "r.html").read_text()


# --- Dask clusters -------------------------------------------------------------------------
@pytest.mark.slow
def test_a_scheduler_that_does_not_answer_is_one_line_within_the_stated_time(tmp_path) -> None:
    import socket
    import time

    from sim.sweep.execute import CONNECT_TIMEOUT

    deaf = socket.socket()  # accepts connections (the kernel does), never says a word
    deaf.bind(("127.0.0.1", 0))
    deaf.listen(8)
    out = tmp_path / "deaf"
    address = f"tcp://127.0.0.1:{deaf.getsockname()[1]}"
    start = time.monotonic()
    try:
        result = runner.invoke(app, [*CLI_SMALL, "--address", address, "--out", str(out)])
    finally:
        deaf.close()
    elapsed = time.monotonic() - start
    err = result.stderr.strip()
    assert result.exit_code == 2 and len(err.splitlines()) == 1, err
    assert f"cannot reach a Dask scheduler at {address}" in err
    assert elapsed < 2 * CONNECT_TIMEOUT + 10, elapsed
    assert sim.results.load_manifest(out)["status"] == "aborted"


@pytest.mark.slow
def test_a_tls_scheduler_with_dask_security_options(tmp_path: Path, reference) -> None:
    import logging

    from distributed import LocalCluster
    from distributed.security import Security

    from tests.test_cluster import _tls_files  # a self-signed certificate, its own CA

    files = _tls_files(tmp_path)
    security = Security(
        tls_ca_file=files["ca"],
        tls_scheduler_cert=files["cert"], tls_scheduler_key=files["key"],
        tls_worker_cert=files["cert"], tls_worker_key=files["key"],
        tls_client_cert=files["cert"], tls_client_key=files["key"],
        require_encryption=True,
    )  # fmt: skip
    out = tmp_path / "tls"
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, protocol="tls", host="127.0.0.1",
        security=security, dashboard_address=None, silence_logs=logging.ERROR,
    ) as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tls://")
        plain = runner.invoke(
            app, [*CLI_SMALL, "--address", cluster.scheduler_address, "--out", str(tmp_path / "p")]
        )
        assert plain.exit_code == 2, plain.output  # no certificates, no connection
        result = runner.invoke(
            app,
            [*CLI_SMALL, "--address", cluster.scheduler_address, "--out", str(out),
             "--tls-ca-file", files["ca"], "--tls-cert", files["cert"], "--tls-key", files["key"]],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sim.results.load(out).equals(reference)
