"""docs/cluster.md, tested: a `dask scheduler` and a `dask worker` started as separate processes on
loopback, a sweep sent to them with --address, and rows identical to a serial run of the same
sweep, over plain TCP and over TLS with a self-signed certificate."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.cli.sweep  # noqa: F401  (registers the commands)
from sim.cli import app
from sim.results import load, load_manifest
from tests.conftest import ROOT

DASK = Path(sys.executable).parent / "dask"
SWEEP = [
    "sweep", str(ROOT / "scenarios" / "baseline.yaml"), "--vary",
    "actors.russia.outside_option=0.4,0.8", "--reps", "6", "--seed", "11", "--chunk-size", "4",
    "--set", "protocol.deadline=4", "--set", "protocol.grid=3", "--quiet",
]  # fmt: skip

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tls_files(folder: Path) -> dict[str, str]:
    """A self-signed certificate and key for 127.0.0.1, used as its own CA."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return {"ca": str(cert), "cert": str(cert), "key": str(key)}


def _tls_args(tls: dict[str, str] | None) -> list[str]:
    if tls is None:
        return []
    return ["--tls-ca-file", tls["ca"], "--tls-cert", tls["cert"], "--tls-key", tls["key"]]


def _tls_env(tls: dict[str, str] | None) -> dict[str, str]:
    """The client side of TLS as docs/cluster.md sets it: Dask's configuration, by environment."""
    if tls is None:
        return {}
    return {
        "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": tls["ca"],
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": tls["cert"],
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": tls["key"],
    }


@contextmanager
def _cluster(folder: Path, tls: dict[str, str] | None) -> Iterator[str]:
    """Start a scheduler and one worker on loopback; yield the scheduler address; stop both."""
    port = _free_port()
    scheme = "tls" if tls else "tcp"
    address = f"{scheme}://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = [open(folder / name, "w") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
         "--protocol", scheme, *_tls_args(tls)],
        stdout=logs[0], stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the scheduler listens when its port answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        worker = subprocess.Popen(
            [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1",
             "--no-dashboard", "--host", "127.0.0.1", *_tls_args(tls)],
            stdout=logs[1], stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        yield address
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def serial_rows(tmp_path_factory) -> object:
    folder = tmp_path_factory.mktemp("serial") / "serial"
    result = CliRunner().invoke(app, [*SWEEP, "--executor", "serial", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return load(folder).drop(columns=["error"])


@pytest.mark.parametrize("secure", [False, True], ids=["tcp", "tls"])
def test_a_sweep_on_a_separate_scheduler_and_worker_matches_a_serial_run(
    secure: bool, serial_rows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("openssl") is None and secure:
        pytest.fail("openssl is needed to make the test certificate (apt-get install openssl)")
    tls = _tls_files(tmp_path) if secure else None
    for key, value in _tls_env(tls).items():
        monkeypatch.setenv(key, value)
    import dask

    dask.config.refresh()  # read the DASK_* variables just set
    out = tmp_path / "cluster"
    with _cluster(tmp_path, tls) as address:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        result = CliRunner().invoke(app, [*SWEEP, "--address", address, "--out", str(out)])
        assert result.exit_code == 0, result.output + (tmp_path / "worker.log").read_text()
    monkeypatch.undo()
    dask.config.refresh()  # later tests see no TLS settings
    rows = load(out).drop(columns=["error"])
    assert rows.equals(serial_rows)
    assert load_manifest(out)["executor"] == "dask"
