"""Shared fixtures: the shipped scenarios and a small scenario builder."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import sim.results
from sim.sweep import run_sweep

# Property tests are about values, not speed: no per-example deadline (a loaded CI machine made
# them flaky), and the same examples on every run so a red CI can be reproduced.
settings.register_profile("negsim", deadline=None, derandomize=True)
settings.load_profile("negsim")

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs on every core (pytest-xdist, `--dist loadgroup`): a file's tests stay on
    one worker, so its module fixtures (sweeps shared by its tests) are built once, except the
    executed docs, where each page is its own group (the README alone takes minutes)."""
    for item in items:
        group = item.nodeid.split("::")[0]
        if group.endswith("test_docs.py") and (page := getattr(item, "callspec", None)):
            group += ":" + Path(str(page.params["path"])).name
        item.add_marker(pytest.mark.xdist_group(group))
    # Groups are dealt out in collection order (the Makefile turns off xdist's reordering by test
    # count): the longest chains first, so neither worker is left finishing one of them alone (a
    # stable sort keeps each group's own order).
    first = ("test_docs.py:README.md", "test_app_browser.py", "test_docs.py:")
    items.sort(key=lambda i: next((n for n, g in enumerate(first) if g in _group(i)), len(first)))


def _group(item: pytest.Item) -> str:
    return next(m.args[0] for m in item.iter_markers("xdist_group"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fail at once if xdist dropped the groups (it marks them by suffixing node ids with
    `@group`, which pytest 9.2 ignores: pytest-xdist#1386): each test would then run alone, every
    module fixture and executed docs page once per worker, and the suite take minutes longer."""
    grouped = all("@" in item.nodeid for item in session.items)
    if getattr(session.config.option, "loadgroup", False) and not grouped:
        raise pytest.UsageError(
            "pytest-xdist's --dist loadgroup lost its groups with this pytest: "
            "install the versions pyproject.toml's test extras pin"
        )


@pytest.fixture
def baseline_path() -> Path:
    """The shipped baseline scenario."""
    return ROOT / "scenarios" / "baseline.yaml"


def tiny_scenario(**protocol: Any) -> dict[str, Any]:
    """A two-actor, two-issue scenario as plain data, cheap enough for property tests."""
    return {
        "name": "tiny",
        "issues": {
            "a": {
                "label": "A",
                "anchors": {0.0: "none", 1.0: "all"},
                "reversion": 0.0,
                "veto": ["x", "y"],
            },
            "b": {"label": "B", "reversion": 1.0, "veto": ["x", "y"]},
        },
        "actors": {
            "x": {
                "name": "X",
                "preferences": {
                    "a": {"ideal": 1.0, "salience": 1.0},
                    "b": {"ideal": 0.0, "salience": 1.0},
                },
            },
            "y": {
                "name": "Y",
                "preferences": {
                    "a": {"ideal": 0.0, "salience": 1.0},
                    "b": {"ideal": 1.0, "salience": 0.5},
                },
            },
        },
        "protocol": {"deadline": 6, "grid": 5, **protocol},
    }


@pytest.fixture(scope="session")
def long_reference(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Any:
    """The runs of tests.sweeping.long_sweep, uninterrupted (serial, other chunking); swept once
    per session, whatever the number of xdist workers (they share the session's temp root)."""
    from tests.sweeping import long_spec

    if worker_id == "master":
        out = tmp_path_factory.mktemp("ref")
        run_sweep(long_spec(), out, executor="serial", chunk_size=7)
        return sim.results.load(out)
    out = tmp_path_factory.getbasetemp().parent / "long_reference"
    with (out.parent / "long_reference.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "swept").exists():
            run_sweep(long_spec(), out, executor="serial", chunk_size=7, overwrite=True)
            (out / "swept").touch()
    return sim.results.load(out)
