"""`negsim run`, `validate` and `schema` end to end on every shipped scenario."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import load_scenario
from tests.conftest import ROOT, SCENARIOS

runner = CliRunner()


def test_there_is_a_baseline_and_at_least_four_contrasts() -> None:
    names = {p.stem for p in SCENARIOS}
    assert "baseline" in names and len(names) >= 5


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_validate_accepts_each_shipped_scenario(path) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and result.stdout.startswith("ok: ")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_run_narrates_and_json_has_the_record_keys(path) -> None:
    spec = load_scenario(path)
    text = runner.invoke(app, ["run", str(path), "--seed", "1"])
    assert text.exit_code == 0, text.output
    assert "THE CAST" in text.stdout and "RECAP" in text.stdout
    assert "Round 1:" in text.stdout and "Round 0:" not in text.stdout  # rounds count from 1
    for actor in spec.actors.values():
        assert actor.name in text.stdout
    for issue in spec.issues.values():
        assert issue.label in text.stdout
    out = runner.invoke(app, ["run", str(path), "--seed", "1", "--format", "json"])
    record = json.loads(out.stdout)
    for key in ("scenario", "seed", "agreed", "round", "issues", "utilities", "events"):
        assert key in record
    assert record["seed"] == 1 and record["scenario"] == spec.name
    assert set(record["issues"]) == set(spec.issues)
    for issue in record["issues"].values():
        assert {"value", "agreed", "label"} <= set(issue)
        assert 0.0 <= issue["value"] <= 1.0
    assert set(record["utilities"]) == set(spec.actors)


def test_baseline_narration_covers_four_actors_and_five_issues(baseline_path) -> None:
    result = runner.invoke(app, ["run", str(baseline_path), "--seed", "1"])
    assert result.exit_code == 0
    for word in ("Syria", "Russia", "Turkey", "United States", "threshold", "Outcome"):
        assert word in result.stdout
    record = json.loads(
        runner.invoke(app, ["run", str(baseline_path), "--seed", "1", "--format", "json"]).stdout
    )
    assert len(record["issues"]) == 5 and len(record["utilities"]) == 4


def test_rounds_and_set_options_change_the_run(baseline_path) -> None:
    out = runner.invoke(
        app,
        [
            "run",
            str(baseline_path),
            "--rounds",
            "2",
            "--set",
            "actors.russia.outside_option=0.9",
            "--format",
            "json",
        ],
    )
    record = json.loads(out.stdout)
    assert record["rounds_used"] <= 2


def test_schema_is_json_schema_of_the_scenario() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["title"] == "Scenario" and "actors" in schema["properties"]


def test_console_entry_points_answer_help_quickly() -> None:
    for cmd in (
        [str(ROOT / ".venv" / "bin" / "negsim"), "--help"],
        [sys.executable, "-m", "sim", "--help"],
    ):
        if not (ROOT / ".venv").exists() and "negsim" in cmd[0]:
            continue
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert done.returncode == 0 and "run" in done.stdout and "validate" in done.stdout


def test_across_100_seeds_the_baseline_is_not_degenerate(baseline_path) -> None:
    from sim.runner import run_once

    spec = load_scenario(baseline_path)
    basing = {round(run_once(spec, s).issues["russian_basing"].value, 3) for s in range(100)}
    assert len(basing) >= 3


def test_some_shipped_scenario_shows_agreements_and_breakdowns() -> None:
    from sim.runner import run_once

    seen = {}
    for path in SCENARIOS:
        spec = load_scenario(path)
        seen[path.stem] = {run_once(spec, s).agreed for s in range(100)}
    assert any(v == {True, False} for v in seen.values()), seen


@pytest.mark.parametrize(
    "path", [p for p in SCENARIOS if "rubinstein" not in p.stem], ids=lambda p: p.stem
)
def test_expected_utility_lens_on_the_syria_scenarios(path) -> None:
    from sim.protocols.expected_utility import forecast_issue
    from sim.scenario import load_scenario

    spec = load_scenario(path)
    out = runner.invoke(
        app, ["run", str(path), "--protocol", "expected_utility", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    record = json.loads(out.stdout)
    assert record["protocol"] == "expected_utility"
    # Each issue's forecast is the model's run on the actors that care about that issue.
    key = "us_presence" if "us_presence" in spec.issues else next(iter(spec.issues))
    carers = [a for a in spec.actors.values() if key in a.preferences]
    weights = [
        a.preferences[key].salience / sum(p.salience for p in a.preferences.values())
        for a in carers
    ]
    expected = forecast_issue(
        [a.capability for a in carers],
        [a.preferences[key].ideal for a in carers],
        weights,
        rounds=spec.protocol.eu_rounds,
    )
    assert record["issues"][key]["value"] == pytest.approx(expected.forecast)
    assert record["medians"][key] == pytest.approx(expected.medians)
    assert len(record["medians"][key]) == spec.protocol.eu_rounds + 1
    text = runner.invoke(app, ["run", str(path), "--protocol", "expected_utility"])
    assert "weighted median by round" in text.stdout


def test_plot_actors_option_and_its_errors(baseline_path, tmp_path) -> None:
    png = tmp_path / "run.png"
    ok = runner.invoke(
        app, ["run", str(baseline_path), "--plot", str(png), "--actors", "syria,turkey"]
    )
    assert ok.exit_code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for bad in ("syria", "syria,syria", "syria,germany"):
        out = runner.invoke(app, ["run", str(baseline_path), "--plot", str(png), "--actors", bad])
        assert out.exit_code == 2 and "--actors" in out.stderr
    eu = runner.invoke(
        app, ["run", str(baseline_path), "--plot", str(png), "--protocol", "expected_utility"]
    )
    assert eu.exit_code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the EU lens
