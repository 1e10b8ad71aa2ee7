"""Issues of named options: validation with file:line errors, payoffs by hand, runs that speak
only of options, and a sweep over a categorical value from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import payoffs
from sim.cli import app
from sim.runner import run_once
from sim.scenario import load_scenario
from tests.conftest import ROOT

OPTIONS = ROOT / "scenarios" / "basing_options.yaml"
TEXT = OPTIONS.read_text()
NAMES = ["full withdrawal", "Hmeimim air base only", "Tartus naval base only", "both bases"]
runner = CliRunner()

BAD = [
    (
        "option-utility-missing-for-a-veto-actor",
        "          both bases: 1.0               # Bogdanov",
        "          # both bases removed          # Bogdanov",
        "actors.russia.preferences.russian_basing.utilities",
        "no utility for option 'both bases'",
        "        utilities:\n          full withdrawal: 0.0",
    ),
    (
        "unknown-option-in-reversion",
        "    reversion: Hmeimim air base only",
        "    reversion: Latakia port",
        "issues.russian_basing.reversion",
        "'Latakia port' is not an option",
        "    reversion: Latakia port",
    ),
    (
        "unknown-option-in-utilities",
        "          Tartus naval base only: 0.8   # Tartus",
        "          Latakia port: 0.8   # Tartus",
        "actors.russia.preferences.russian_basing.utilities.Latakia port",
        "unknown option",
        "          Latakia port: 0.8",
    ),
    (
        "ideal-on-an-issue-of-options",
        "      russian_basing:\n        salience: 0.45\n        utilities:",
        "      russian_basing:\n        salience: 0.45\n        ideal: 1.0\n        utilities:",
        "actors.russia.preferences.russian_basing",
        "give ideal or utilities, not both",
        "      russian_basing:\n        salience: 0.45\n        ideal",
    ),
    (
        "name-as-reversion-of-a-line-issue",
        "    reversion: 0.0     # Assad is in Moscow",
        "    reversion: both bases     # Assad is in Moscow",
        "issues.extradition.reversion",
        "expected a number on [0, 1]",
        "    reversion: both bases",
    ),
    (
        "ideal-event-on-an-issue-of-options",
        "{actor: russia, parameter: salience, issue: russian_basing, scale: 0.7}",
        "{actor: russia, parameter: ideal, issue: russian_basing, set: 0.7}",
        "events.0.effects.1.parameter",
        "has no ideal point",
        "      - {actor: russia, parameter: ideal",
    ),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "field", "words", "anchor"), BAD, ids=[c[0] for c in BAD]
)
def test_bad_options_give_one_clear_line(tmp_path, case, old, new, field, words, anchor) -> None:
    assert old in TEXT, old
    text = TEXT.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in result.output, err
    match = re.match(rf"error: {re.escape(str(path))}:(\d+): (.*)$", err)
    assert match, err
    assert field in match.group(2) and words in match.group(2), err
    expected = text[: text.index(anchor)].count("\n") + 1  # the line of the change
    assert int(match.group(1)) == expected, err


def test_linkage_on_an_issue_of_options_is_refused(tmp_path) -> None:
    text = TEXT.replace(
        "    strategy: {type: concession, e: 0.5}",
        "    strategy: {type: concession, e: 0.5}\n    linkage:\n"
        "      - issues: [russian_basing, extradition]\n        gamma: 0.15",
        1,
    )
    path = tmp_path / "linked.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "actors.russia.linkage.0.issues.0" in result.stderr
    assert "issue of named options" in result.stderr


def test_option_utilities_by_hand() -> None:
    # Issue 0 has three options at 0, 0.5, 1; issue 1 is on a line. Actor 0: options worth
    # (0.2, 1, 0), ideal 0 on issue 1; equal weights. At (option 1, 0.25): ½·1 + ½·0.75.
    tables = {0: np.array([[0.2, 1.0, 0.0]])}
    ideal, weight, rho = np.array([[0.5, 0.0]]), np.array([[0.5, 0.5]]), np.ones(1)
    u = payoffs.utilities(np.array([[0.5, 0.25], [1.0, 0.0]]), ideal, weight, rho, None, tables)
    assert u[:, 0] == pytest.approx([0.875, 0.5])
    # The grid has the three options on issue 0 and `levels` values on issue 1.
    grid = payoffs.package_grid([3, 5], np.full(2, np.nan))
    assert sorted(set(grid[:, 0])) == [0.0, 0.5, 1.0] and len(grid) == 15
    direct = payoffs.utilities(grid, ideal, weight, rho, None, tables)
    fast = payoffs.grid_utilities([3, 5], ideal, weight, rho, np.zeros((1, 2, 2)), None, tables)
    assert fast == pytest.approx(direct)
    # The worst the actor can be held to on issue 0 is its least-liked option.
    assert payoffs.worst_values(ideal, rho, tables)[0] == pytest.approx([0.0, 0.0])


def test_a_run_speaks_only_of_options() -> None:
    spec = load_scenario(OPTIONS)
    for seed in range(5):
        record = run_once(spec, seed, trajectory=True)
        basing = record.issues["russian_basing"]
        assert basing.option in NAMES and basing.label == basing.option
        assert basing.value == pytest.approx(NAMES.index(basing.option) / 3)
        for offer in record.trajectory:  # every proposal names an option
            assert offer.package["russian_basing"] * 3 == pytest.approx(
                round(offer.package["russian_basing"] * 3)
            )
    text = runner.invoke(app, ["run", str(OPTIONS), "--seed", "1"]).stdout
    lines = [line for line in text.splitlines() if "Russian basing (Tartus, Hmeimim): " in line]
    proposed = [line.split(": ", 1)[1] for line in lines if "salience" not in line]
    assert proposed and all(value.strip('"') in NAMES for value in proposed), lines
    record = json.loads(
        runner.invoke(app, ["run", str(OPTIONS), "--seed", "1", "--format", "json"]).stdout
    )
    assert record["issues"]["russian_basing"]["option"] in NAMES


@pytest.mark.slow
def test_a_sweep_varies_a_categorical_value_and_plots_it(tmp_path: Path) -> None:
    out = tmp_path / "options"
    vary = "issues.russian_basing.reversion=full withdrawal,Hmeimim air base only"
    args = ["sweep", str(OPTIONS), "--vary", vary, "--reps", "3", "--executor", "serial"]
    result = runner.invoke(app, [*args, "--quiet", "--out", str(out), "--set=protocol.deadline=4"])
    assert result.exit_code == 0, result.output
    runs = pd.concat(pd.read_parquet(p) for p in sorted((out / "runs").glob("*.parquet")))
    column = "param.issues.russian_basing.reversion"
    assert sorted(runs[column].unique()) == ["Hmeimim air base only", "full withdrawal"]
    assert set(runs["issue.russian_basing.option"]) <= set(NAMES)
    summary = pd.read_csv(out / "summary.csv")
    shares = summary.filter(like="p_option.russian_basing.")
    assert not shares.empty and shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert "issue.russian_basing.value.mean" not in summary.columns  # options have no mean
    plotted = runner.invoke(app, ["plot", str(out)])
    assert plotted.exit_code == 0, plotted.output
    assert (out / "plots" / "sweep_issues_russian_basing_reversion_issues.png").exists()
    report = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    text = (tmp_path / "r.html").read_text()
    said = re.search(r"Hmeimim\) most often ends at &quot;([^&]*)&quot;", text)
    assert said and said.group(1) in NAMES, said  # an option's name, never "between …"


def test_a_categorical_axis_needs_a_named_field_and_a_design_without_order() -> None:
    names = "issues.russian_basing.reversion=full withdrawal,both bases"
    result = runner.invoke(
        app, ["sweep", str(OPTIONS), "--vary", names, "--design", "morris", "--out", "/dev/null"]
    )
    assert result.exit_code == 2 and "needs numeric axes" in result.stderr
    wrong = "actors.russia.patience=slow,fast"
    result = runner.invoke(app, ["sweep", str(OPTIONS), "--vary", wrong, "--out", "/dev/null"])
    assert result.exit_code == 2 and "actors.russia.patience" in result.stderr


def _options_runs(order: list[str], reps: int = 20) -> pd.DataFrame:
    """Made-up runs of basing_options swept over the basing reversion, its design points in
    `order` (as a sweep lists them), every outcome drawn at random."""
    spec = load_scenario(OPTIONS)
    rng = np.random.default_rng(3)
    basing = list(spec.issues["russian_basing"].anchors)  # the options' points on [0, 1]
    rows = []
    for point, name in enumerate(order):
        for _ in range(reps):
            row = {"point": point, "status": "ok", "param.issues.russian_basing.reversion": name,
                   "agreed": rng.random() < 0.5}  # fmt: skip
            for k in spec.issues:
                row[f"issue.{k}.agreed"] = rng.random() < 0.5
                row[f"issue.{k}.value"] = (
                    rng.choice(basing) if k == "russian_basing" else rng.random()
                )
            row |= {f"utility.{a}": rng.random() for a in spec.actors}
            rows.append(row)
    return pd.DataFrame(rows)


def test_named_values_keep_the_sweeps_order_and_the_options_legend_hides_no_data() -> None:
    from sim.plots.outcomes import sweep_figures, sweep_table
    from sim.report import _values

    spec = load_scenario(OPTIONS)
    order = ["both bases", "full withdrawal", "Hmeimim air base only"]  # not alphabetical
    runs = _options_runs(order)
    column = "param.issues.russian_basing.reversion"
    table = sweep_table(runs, spec, column)
    assert list(table.sort_values("x", kind="stable")["x"].unique()) == order
    assert _values(runs, column) == "∈ {" + ", ".join(f'"{name}"' for name in order) + "}"
    figures = sweep_figures(runs, spec, column, "made-up runs")
    fig = next(f for k, f in figures.items() if k.endswith("_values"))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()  # lay it out as saved
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.lines]
    shown = [t.get_text().replace("\n", " ") for t in panels[-1].get_xticklabels()]
    assert shown == order  # under the bottom panel, in the sweep's order
    # No legend lies over a panel that shows data, and every such panel keeps a readable size
    # (an inch is about the least that shows three anchor labels of one line each).
    renderer = fig.canvas.get_renderer()
    legends = [leg for leg in [fig.legends, [ax.get_legend() for ax in fig.axes]] for leg in leg]
    legends = [leg for leg in legends if leg is not None]
    assert legends, "the options' legend is drawn"
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(ax.get_window_extent(renderer)) for ax in panels)
    for ax in panels:
        width, height = ax.get_window_extent(renderer).size / fig.dpi
        assert width > 2.5 and height > 1.0, (ax.get_title(), width, height)
