"""Plots from small real sweeps: every command writes openable PNGs, the numbers behind the
pictures agree with sim.stats and with hand counts, and the utility-space plot marks the Pareto
frontier and Nash point of a case whose answer is derived by hand."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from typer.testing import CliRunner

import sim.cli.analyse
import sim.cli.sweep  # registers sweep
from sim.cli import app
from sim.scenario import load_scenario
from sim.scenario.models import Scenario
from tests.conftest import ROOT

runner = CliRunner()
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CHEAP = ["--set", "protocol.deadline=4", "--set", "protocol.grid=3", "--executor", "serial"]


def sweep(folder: Path, scenario: Path, *args: str) -> Path:
    """A small real sweep written by `negsim sweep` into `folder`."""
    result = runner.invoke(
        app, ["sweep", str(scenario), "--out", str(folder), "--quiet", *CHEAP, *args]
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def results_a(tmp_path_factory) -> Path:
    """Baseline, one swept axis (Russia's outside option at 0.2 and 0.5), 30 runs per point."""
    folder = tmp_path_factory.mktemp("results") / "baseline"
    return sweep(folder, BASELINE, "--vary", "actors.russia.outside_option=0.2,0.5", "--reps", "30")


@pytest.fixture(scope="module")
def results_b(tmp_path_factory) -> Path:
    """Syrian hard line, no sweep axis, 40 runs."""
    folder = tmp_path_factory.mktemp("results") / "hardline"
    return sweep(folder, ROOT / "scenarios" / "syria_hardline.yaml", "--vary",
                 "actors.russia.outside_option=0.3", "--reps", "40")  # fmt: skip


def assert_png(path: Path) -> None:
    """The file exists, is non-empty, and decodes as a PNG image of some size."""
    assert path.is_file() and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = mpimg.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100


def test_plot_writes_every_panel_as_an_openable_png(results_a: Path) -> None:
    result = runner.invoke(app, ["plot", str(results_a)])
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.split()]
    stems = {p.stem for p in paths}
    issues = {f"issue_{k}" for k in load_scenario(BASELINE).issues}
    assert issues | {"agreement", "utilities", "rounds"} <= stems
    # one swept axis: curves against it (one question each), no heatmaps
    sweep = "sweep_actors_russia_outside_option"
    assert {f"{sweep}_issues", f"{sweep}_values", f"{sweep}_actors"} <= stems
    assert not any(s.startswith("heatmap") for s in stems)
    for p in paths:
        assert p.parent == results_a / "plots"
        assert_png(p)
    # negsim notes what it drew, so that --overwrite removes exactly that.
    noted = (results_a / ".negsim-outputs").read_text().split()
    assert noted == [f"plots/{p.name}" for p in paths]


def test_two_swept_parameters_give_heatmaps(tmp_path: Path) -> None:
    folder = sweep(tmp_path / "two", BASELINE, "--vary", "actors.russia.outside_option=0.2,0.5",
                   "--vary", "actors.syria.patience=0.8,0.95", "--reps", "4")  # fmt: skip
    result = runner.invoke(app, ["plot", str(folder), "--out", str(tmp_path / "pngs")])
    assert result.exit_code == 0, result.output
    stems = {Path(line).stem for line in result.stdout.split()}
    assert {"heatmap_agreement", "heatmap_values"} <= stems
    for line in result.stdout.split():
        assert_png(Path(line))


def test_plot_on_a_folder_without_results_is_a_clean_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a results folder" in result.output and "Traceback" not in result.output


def test_compare_writes_the_figure_and_prints_differences(results_a, results_b, tmp_path) -> None:
    out = tmp_path / "cmp.png"
    result = runner.invoke(app, ["compare", str(results_a), str(results_b), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for stem in ("agreement", "utilities", "rounds", "issue_russian_basing"):
        assert_png(tmp_path / f"cmp_{stem}.png")
    assert out.with_suffix(".csv").is_file()
    assert "probability of full agreement on every issue (baseline vs hardline)" in result.stdout
    assert "difference" in result.stdout


def test_a_results_set_against_itself_shows_no_difference_and_no_star(results_a, tmp_path) -> None:
    result = runner.invoke(app, ["compare", str(results_a), str(results_a), "-o",
                                 str(tmp_path / "same.png")])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if " vs " in line and ":" in line]
    assert lines and all("no difference" in line for line in lines)
    assert not any(line.endswith("*") for line in lines)
    assert "-0.00" not in result.stdout


def test_compare_needs_two_folders(results_a) -> None:
    result = runner.invoke(app, ["compare", str(results_a)])
    assert result.exit_code == 2 and "at least two" in result.output


def test_differences_table_agrees_with_sim_stats_on_the_same_runs(results_a, results_b) -> None:
    from sim import stats
    from sim.plots import load_results
    from sim.plots.compare import differences_table

    a, b = load_results(results_a), load_results(results_b)
    table = differences_table([a, b]).set_index("quantity")
    ra, rb = a.runs[a.runs.status == "ok"], b.runs[b.runs.status == "ok"]
    # Full agreement, counted by hand from the stored rows.
    ka, kb = int(ra["agreed"].sum()), int(rb["agreed"].sum())
    expected = stats.proportion_difference_interval(ka, len(ra), kb, len(rb))
    row = table.loc["agreed"]
    assert (row.a, row.b) == pytest.approx((ka / len(ra), kb / len(rb)))
    assert (row.difference, row.lo, row.hi) == pytest.approx(expected)
    # "Russia keeps at least reduced basing": value >= 0.5 (the middle anchor).
    ka = int((ra["issue.russian_basing.value"] >= 0.5).sum())
    kb = int((rb["issue.russian_basing.value"] >= 0.5).sum())
    row = table.loc["issue.russian_basing.at_least_0.5"]
    assert "reduced presence" in row.description
    expected = stats.proportion_difference_interval(ka, len(ra), kb, len(rb))
    assert (row.difference, row.lo, row.hi) == pytest.approx(expected)
    assert row.text == stats.describe_difference(row.a, row.b, *expected)
    # Means: Russia's utility, with the same seeded bootstrap.
    row = table.loc["utility.russia"]
    expected = stats.mean_difference_interval(ra["utility.russia"], rb["utility.russia"], rng=0)
    assert (row.difference, row.lo, row.hi) == pytest.approx(expected)
    assert row.difference == pytest.approx(
        ra["utility.russia"].mean() - rb["utility.russia"].mean()
    )


def test_agreement_probabilities_and_wilson_bounds_match_hand_formula(results_a) -> None:
    from sim.plots import load_results
    from sim.plots.outcomes import agreement_table

    r = load_results(results_a)
    table = agreement_table(r.runs, r.spec).set_index("key")
    ok = r.runs[r.runs.status == "ok"]
    n, k = len(ok), int(ok["issue.extradition.agreed"].sum())
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    row = table.loc["extradition"]
    assert row.p == pytest.approx(p)
    assert row.lo == pytest.approx(0.0 if k == 0 else centre - half)
    assert row.hi == pytest.approx(1.0 if k == n else centre + half)


def test_value_distribution_is_the_share_of_runs_at_each_value(results_a) -> None:
    from sim.plots import load_results
    from sim.plots.outcomes import value_distribution

    r = load_results(results_a)
    data = value_distribution(r.runs, "russian_basing")
    assert (data["agreed"] + data["reverted"]).sum() == pytest.approx(1.0)
    ok = r.runs[r.runs.status == "ok"]
    for row in data.itertuples():
        at = (ok["issue.russian_basing.value"] - row.value).abs() < 1e-6
        assert row.agreed == pytest.approx((at & ok["issue.russian_basing.agreed"]).mean())


def test_each_actor_keeps_its_colour_in_every_plot(results_a) -> None:
    from matplotlib.colors import to_hex

    from sim.plots import load_results
    from sim.plots.outcomes import draw_utilities, utility_samples
    from sim.plots.style import OKABE_ITO, colours_of

    colours = colours_of(load_scenario(BASELINE))
    assert len(set(colours.values())) == len(colours)
    # The colour comes from the actor's position in the file, so scenarios that list the same
    # actors in the same order (all the four-party ones) give Syria the same colour. Past eight
    # actors (the Security Council's sixteen) the palette repeats.
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        spec = load_scenario(path)
        for i, (actor, colour) in enumerate(colours_of(spec).items()):
            assert colour == OKABE_ITO[i % len(OKABE_ITO)]
            if list(spec.actors) == list(colours):
                assert colour == colours[actor]
    r = load_results(results_a)
    fig = draw_utilities(utility_samples(r.runs, r.spec), r.spec)
    ax = fig.axes[0]
    for actor, label, box in zip(r.spec.actors, ax.get_xticklabels(), ax.patches, strict=False):
        assert to_hex(label.get_color()) == colours[actor].lower()
        assert to_hex(box.get_facecolor()) == colours[actor].lower()


# --- the single-run picture -----------------------------------------------------------------
def symmetric_case() -> Scenario:
    """Two actors, two issues. On `split` X wants 1 and Y wants 0; on `common` both want 1.
    Quadratic loss, equal saliences, reversion split=0.5, common=0, so d = (0.375, 0.375)."""
    data = {
        "name": "symmetric",
        "issues": {
            "split": {"label": "Split", "reversion": 0.5, "veto": ["x", "y"]},
            "common": {"label": "Common", "reversion": 0.0, "veto": ["x", "y"]},
        },
        "actors": {
            "x": {"name": "X", "rho": 2, "preferences": {"split": {"ideal": 1.0, "salience": 1},
                                                         "common": {"ideal": 1.0, "salience": 1}}},
            "y": {"name": "Y", "rho": 2, "preferences": {"split": {"ideal": 0.0, "salience": 1},
                                                         "common": {"ideal": 1.0, "salience": 1}}},
        },
        "protocol": {"deadline": 6, "grid": 5, "recognition": "rotation"},
    }  # fmt: skip
    return Scenario.model_validate(data)


def test_utility_space_matches_the_hand_derived_answer() -> None:
    from sim.analysis.utility_space import utility_space
    from sim.analysis.veto_tables import TOL
    from sim.runner import run_once

    spec = symmetric_case()
    record = run_once(spec, 1, trajectory=True)
    space = utility_space(spec, record)
    # U_x = ½(1 − (1 − s)²) + ½(1 − (1 − c)²), U_y = ½(1 − s²) + ½(1 − (1 − c)²).
    # d: s = 0.5, c = 0 gives ½·¾ + 0 = 0.375 for both.
    assert space.basis == "initial"
    assert space.disagreement == pytest.approx([0.375, 0.375])
    # Frontier: c = 1 (both gain) and any s, since U_x rises and U_y falls in s: five packages.
    front = space.packages[space.frontier]
    assert sorted(front[:, 0]) == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert np.all(front[:, 1] == 1.0)
    # Symmetry: Nash and Kalai–Smorodinsky both at s = 0.5, c = 1, where each gets ½·¾ + ½ = 0.875
    # (to the search's resolution, TOL on each issue).
    for point in (space.nash, space.ks):
        assert point == pytest.approx([0.875, 0.875], abs=TOL)
    assert record.nash_package == pytest.approx({"split": 0.5, "common": 1.0}, abs=TOL)
    assert space.outcome == pytest.approx([record.utilities["x"], record.utilities["y"]])


def test_utility_space_on_baseline_agrees_with_the_run_record_and_the_payoffs() -> None:
    from sim import payoffs
    from sim.analysis.utility_space import default_pair, utility_space
    from sim.runner import run_once

    spec = load_scenario(BASELINE, ["protocol.grid=3", "protocol.deadline=4"])
    assert default_pair(spec) == ("syria", "russia")  # the first two actors in the file
    record = run_once(spec, 7, trajectory=True)
    space = utility_space(spec, record)
    # Every point of the cloud is the pair's utility of its package, computed directly.
    keys, actors = list(spec.issues), list(spec.actors)
    prefs = [spec.actors[a].preferences for a in actors]
    ideal = np.array([[p[k].ideal if k in p else 0.5 for k in keys] for p in prefs])
    weight = payoffs.normalise_saliences(
        np.array([[p[k].salience if k in p else 0.0 for k in keys] for p in prefs])
    )
    rho = np.array([spec.actors[a].rho for a in actors])
    gamma = np.zeros((len(actors), len(keys), len(keys)))
    for i, a in enumerate(actors):
        for link in spec.actors[a].linkage:
            gamma[i, keys.index(link.issues[0]), keys.index(link.issues[1])] += link.gamma
    direct = payoffs.utilities(space.packages, ideal, weight, rho, gamma)
    assert space.points == pytest.approx(direct[:, :2])
    # The Nash point is the pair's utility of the record's Nash package.
    nash = np.array([[record.nash_package[k] for k in keys]])
    assert space.nash == pytest.approx(payoffs.utilities(nash, ideal, weight, rho, gamma)[0, :2])
    # Frontier by brute force in two dimensions: no package dominates a frontier point, and
    # every package off the frontier is weakly dominated by one on it.
    p = space.points
    for i in space.frontier:
        better = np.all(p >= p[i], axis=1) & np.any(p > p[i], axis=1)
        assert not better.any()
    front = p[space.frontier]
    for row in p:
        assert np.any(np.all(front >= row - 1e-12, axis=1))


def test_run_plot_writes_a_png_for_every_shipped_scenario(tmp_path: Path) -> None:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        out = tmp_path / f"{path.stem}.png"
        result = runner.invoke(app, ["run", str(path), "--seed", "2", "--rounds", "4",
                                     "--set", "protocol.grid=3", "--plot", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert_png(out)
        assert_png(tmp_path / f"{path.stem}_utility_space.png")


def test_the_default_pair_does_not_change_when_an_actor_is_added() -> None:
    from sim.analysis.utility_space import default_pair

    spec = load_scenario(BASELINE)
    data = spec.model_dump()
    data["actors"]["iran"] = {
        "name": "Iran",
        "capability": 3.0,  # strong, cares about basing
        "preferences": {"russian_basing": {"ideal": 1, "salience": 9}},
    }
    data["issues"]["russian_basing"]["veto"].insert(0, "iran")
    bigger = Scenario.model_validate(data)
    assert default_pair(bigger) == default_pair(spec) == ("syria", "russia")


def test_analyse_module_registers_its_commands() -> None:
    names = {c.name or c.callback.__name__ for c in sim.cli.analyse.app.registered_commands}
    assert {"plot", "compare", "report"} <= names


def _sampled_runs(points: int = 20, reps: int = 2):
    """Runs of a two-parameter design whose points do not form a grid, as an LHS gives."""
    import numpy as np
    import pandas as pd

    from sim.runner import run_once
    from sim.scenario import load_scenario

    spec = load_scenario(Path(__file__).parent.parent / "scenarios" / "baseline.yaml",
                         ["protocol.deadline=3", "protocol.grid=3"])  # fmt: skip
    rows = []
    rng = np.random.default_rng(0)
    for i in range(points):
        patience, outside = float(rng.uniform(0.8, 0.99)), float(rng.uniform(0.4, 0.9))
        for rep in range(reps):
            row = run_once(spec, 100 * i + rep).row()
            row.update(point=i, rep=rep, status="ok", error="")
            row["param.actors.syria.patience"] = patience
            row["param.actors.russia.outside_option"] = outside
            rows.append(row)
    return pd.DataFrame(rows), spec


def test_sampled_designs_get_point_scatters_and_a_pair_plot_not_saw_teeth() -> None:
    from sim.plots.outcomes import HEATMAP_LEVELS, outcome_figures

    runs, spec = _sampled_runs(HEATMAP_LEVELS + 4)  # more values than a heatmap can show
    figures = outcome_figures(runs, spec, "lhs")
    assert not any(stem.startswith(("heatmap", "sweep_")) for stem in figures)
    # One question per figure: each family once per swept parameter, then the pair plot.
    for family in ("agreement", "values", "utilities"):
        for param in ("actors_syria_patience", "actors_russia_outside_option"):
            fig = figures[f"sampled_{family}_{param}"]
            assert fig._supxlabel is not None
            context = fig._supxlabel.get_text()
            assert "other parameters vary across their ranges" in context
            assert "averaged over" not in context
    assert "sampled_pairs" in figures
    # The pair plot names the two parameters with their importance.
    ax = figures["sampled_pairs"].axes[0]
    assert "importance" in ax.get_xlabel() and "importance" in ax.get_ylabel()


def test_point_estimates_and_binned_trend_match_hand_counts() -> None:
    import numpy as np

    from sim.plots.sampled import binned_trend, point_estimates
    from sim.stats import bootstrap_mean_interval, wilson_interval

    runs, spec = _sampled_runs(6, reps=3)
    params = ["param.actors.syria.patience", "param.actors.russia.outside_option"]
    table = point_estimates(runs, spec, params)
    for point, group in runs.groupby("point"):
        row = table[(table["point"] == point) & (table["quantity"] == "agreed")].iloc[0]
        k = int(group["agreed"].sum())
        assert row["estimate"] == k / 3 and (row["lo"], row["hi"]) == wilson_interval(k, 3)
        v = group["utility.syria"].to_numpy()
        row = table[(table["point"] == point) & (table["quantity"] == "utility.syria")].iloc[0]
        half = 4.302652729911275 * v.std(ddof=1) / np.sqrt(3)  # t(0.975, 2 d.f.)
        assert row["estimate"] == pytest.approx(v.mean())
        assert row["hi"] - row["estimate"] == pytest.approx(half)
    # Two bins of [0, 1]: points at 0 and 0.2 (values 1, 3) and at 1 (value 9).
    trend = binned_trend(np.array([0.0, 0.2, 1.0]), np.array([1.0, 3.0, 9.0]), bins=2)
    assert trend["x"].tolist() == [0.25, 0.75]
    assert trend["estimate"].tolist() == [2.0, 9.0]
    assert trend["points"].tolist() == [2, 1]
    assert (trend["lo"][0], trend["hi"][0]) == bootstrap_mean_interval(
        [1.0, 3.0], n_boot=1000, rng=0
    )


def test_a_three_parameter_grid_keeps_marginal_curves() -> None:
    import pandas as pd

    from sim.plots.sampled import is_sampled

    grid = pd.DataFrame(
        [{"point": i, "a": a, "b": b, "c": c} for i, (a, b, c) in enumerate(
            [(a, b, c) for a in (0, 1) for b in (0, 1, 2) for c in (5, 6)])]
    )  # fmt: skip
    assert not is_sampled(grid, ["a", "b", "c"])
    assert is_sampled(grid.iloc[:-1], ["a", "b", "c"])  # one combination missing: not a grid
    assert not is_sampled(grid, ["a"])  # one parameter: a curve is honest


# --- the presentation style: made to be projected and printed --------------------------------
def every_figure(results_a: Path, results_b: Path) -> dict[str, object]:
    """Every kind of figure the project draws, on small real data."""
    from sim.plots import load_results
    from sim.plots.compare import compare_figures
    from sim.plots.forecast import scenario_forecast_figure, table_forecast_figure
    from sim.plots.outcomes import outcome_figures
    from sim.plots.run import run_figures
    from sim.plots.sensitivity import draw_indices
    from sim.protocols.expected_utility import forecast_issue
    from sim.runner import run_once

    a, b = load_results(results_a), load_results(results_b)
    figures = dict(outcome_figures(a.runs, a.spec, a.name))
    figures |= {f"compare_{k}": f for k, f in compare_figures([a, b]).items()}
    spec = load_scenario(BASELINE, ["protocol.grid=3", "protocol.deadline=4"])
    figures |= {f"run_{k}": f for k, f in run_figures(spec, run_once(spec, 3, True)).items()}
    eu = load_scenario(BASELINE, ["protocol.type=expected_utility"])
    figures["eu"] = scenario_forecast_figure(eu, run_once(eu, 1))
    table = forecast_issue([1, 2, 1], [0, 5, 10], [1, 1, 1], rounds=3)
    figures["forecast"] = table_forecast_figure(["A", "B", "C"], table, "test")
    import pandas as pd

    indices = pd.DataFrame({"parameter": ["p", "q"], "mu_star": [0.3, 0.1],
                            "mu_star_conf": [0.05, 0.02], "sigma": [0.1, 0.0]})  # fmt: skip
    figures["sensitivity"] = draw_indices(indices, "agreed")
    runs, sampled_spec = _sampled_runs(12)
    figures |= {k: f for k, f in outcome_figures(runs, sampled_spec, "lhs").items()
                if k.startswith("sampled_")}  # fmt: skip
    return figures


@pytest.mark.slow
def test_every_figure_asks_its_question_and_is_readable_from_the_back(results_a, results_b):
    from sim.plots.style import SLIDE_WIDTH, TALLEST, title_of, too_small

    for name, fig in every_figure(results_a, results_b).items():
        title = title_of(fig)
        assert title.strip().endswith("?"), (name, title)
        width, height = fig.get_size_inches()
        assert width <= SLIDE_WIDTH and height <= TALLEST, (name, width, height)
        fig.draw_without_rendering()  # lay out, so every text exists with its final size
        assert too_small(fig) == [], name


def test_probability_axes_start_at_zero_and_bars_carry_their_values(results_a) -> None:
    from sim.plots import load_results
    from sim.plots.outcomes import agreement_table, outcome_figures

    r = load_results(results_a)
    figures = outcome_figures(r.runs, r.spec, r.name)
    ax = figures["agreement"].axes[0]
    assert ax.get_xlim() == (0.0, 1.0)
    texts = {t.get_text() for t in ax.texts}
    for p in agreement_table(r.runs, r.spec)["p"]:
        assert f"{p:.0%}" in texts  # the value is printed on its bar
    for stem in ("rounds", "issue_russian_basing"):
        assert figures[stem].axes[0].get_ylim()[0] == 0.0
    for ax in figures["sweep_actors_russia_outside_option_issues"].axes:
        if ax.get_visible():
            assert ax.get_ylim() == (0.0, 1.0)
    assert figures["utilities"].axes[0].get_ylim()[0] <= 0.0
    assert figures["sweep_actors_russia_outside_option_actors"].axes[0].get_ylim()[0] == 0.0


def test_colour_is_kept_for_actors_and_the_neutral_palette_for_the_rest(results_a) -> None:
    import pandas as pd
    from matplotlib.colors import to_rgb

    from sim.plots.sensitivity import draw_indices

    indices = pd.DataFrame({"parameter": ["p"], "S1": [0.2], "S1_conf": [0.1],
                            "ST": [0.4], "ST_conf": [0.1]})  # fmt: skip
    ax = draw_indices(indices, "agreed").axes[0]
    for bar in ax.patches:  # sensitivity indices belong to no actor: greys only
        r, g, b = to_rgb(bar.get_facecolor())
        assert r == g == b


def test_short_runs_get_sensible_axes_and_the_textbook_case_is_marked() -> None:
    from sim.plots.run import run_figures
    from sim.runner import run_once

    spec = load_scenario(ROOT / "scenarios" / "rubinstein_two_party.yaml")
    record = run_once(spec, 1, trajectory=True)
    assert len(record.trajectory) == 1  # equilibrium players agree at once
    figures = run_figures(spec, record)
    answers = figures["offers"].axes[1]
    assert answers.get_xlim()[0] <= 1 <= answers.get_xlim()[1]  # round 1, not round 0
    assert answers.get_ylim()[0] == 0.0 and answers.get_ylim()[1] >= 1.0  # not 0.30–0.33
    space = figures["utility_space"].axes[0]
    assert space.get_xlim()[0] == 0.0 and space.get_ylim()[0] == 0.0
    labels = space.get_legend().get_texts()
    assert any("Rubinstein" in t.get_text() for t in labels)
    # The Rubinstein point sits at Russia's share (1 − 0.90)/(1 − 0.95·0.90) on Russia's axis,
    # which is the y axis (the first two actors in the file are Syria, then Russia).
    share = (1 - 0.90) / (1 - 0.95 * 0.90)
    (mark,) = [line for line in space.lines if line.get_label().startswith("Rubinstein")]
    assert mark.get_xydata()[0] == pytest.approx([1 - share, share])
    # The legend sits outside the axes, so it hides no data.
    figures["utility_space"].draw_without_rendering()
    assert space.get_legend().get_window_extent().x0 >= space.get_window_extent().x1


def test_a_note_says_where_utilities_can_exceed_one() -> None:
    from sim.plots.run import run_figures
    from sim.plots.style import title_of
    from sim.runner import run_once

    spec = load_scenario(BASELINE, ["protocol.grid=3", "protocol.deadline=4"])
    figures = run_figures(spec, run_once(spec, 2, trajectory=True))
    for fig in figures.values():
        foot = fig.get_supxlabel() if hasattr(fig, "get_supxlabel") else fig._supxlabel.get_text()
        assert "above 1" in foot and "linkage" in foot, title_of(fig)
    plain = load_scenario(ROOT / "scenarios" / "rubinstein_two_party.yaml")
    figures = run_figures(plain, run_once(plain, 1, trajectory=True))
    assert "above 1" not in figures["offers"]._supxlabel.get_text()


@pytest.mark.slow
def test_expected_utility_plots_draw_the_recorded_medians(tmp_path: Path) -> None:
    from sim.plots.forecast import scenario_forecast_figure
    from sim.runner import run_once

    spec = load_scenario(BASELINE, ["protocol.type=expected_utility"])
    record = run_once(spec, 1)
    fig = scenario_forecast_figure(spec, record)
    for ax, key in zip(fig.axes, spec.issues, strict=False):
        (median,) = [line for line in ax.lines if line.get_label().startswith("weighted median")]
        assert list(median.get_ydata()) == pytest.approx(record.medians[key])
        # Each party that cares about the issue has its own position line, starting at its ideal.
        starts = sorted(line.get_ydata()[0] for line in ax.lines if line.get_lw() < 2)
        ideals = sorted(a.preferences[key].ideal for a in spec.actors.values()
                        if key in a.preferences)  # fmt: skip
        assert starts == pytest.approx(ideals)
    out = tmp_path / "eu.png"
    result = runner.invoke(app, ["run", str(BASELINE), "--protocol", "expected_utility",
                                 "--plot", str(out), "--brief"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_png(out)
    table = ROOT / "tests" / "data" / "bdm_emissions.csv"
    result = runner.invoke(app, ["forecast", str(table), "--plot", str(tmp_path / "bdm.png")])
    assert result.exit_code == 0, result.output
    assert_png(tmp_path / "bdm.png")


def test_sensitivity_charts_speak_the_scenarios_words() -> None:
    import pandas as pd

    from sim.plots.sensitivity import draw_indices
    from sim.plots.style import title_of

    spec = load_scenario(BASELINE)
    indices = pd.DataFrame({"parameter": ["actors.russia.outside_option", "actors.syria.patience"],
                            "mu_star": [0.3, 0.1], "mu_star_conf": [0.05, 0.02],
                            "sigma": [0.1, 0.0]})  # fmt: skip
    fig = draw_indices(indices, "issue.russian_basing.value", spec=spec)
    assert title_of(fig).startswith("Which parameters matter most for the final value of "
                                     "Russian basing")  # fmt: skip
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["Russia: outside option", "Syria: patience δ"]  # as the app's lever says
    agreed = draw_indices(indices, "issue.extradition.agreed", spec=spec)
    assert "whether Assad's extradition is agreed" in title_of(agreed)


def test_fifteen_council_members_stack_their_names_without_overlap_above_an_honest_axis() -> None:
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Annotation

    from sim.plots.outcomes import issue_figure
    from sim.plots.style import overlapping

    spec = load_scenario(ROOT / "scenarios" / "unsc_resolution.yaml")
    data = pd.DataFrame({"value": [0.0, 0.25], "agreed": [0.9, 0.02], "reverted": [0.08, 0.0]})
    fig = issue_figure(data, spec, "icc_referral", "made-up runs")
    FigureCanvasAgg(fig).draw()
    low, high = fig.axes[0].get_ylim()
    assert low == 0 and high >= 0.98  # the axis starts at 0 and holds the tallest bar
    renderer = fig.canvas.get_renderer()
    names = [t for t in fig.axes[0].texts if isinstance(t, Annotation) and t.get_text() in
             {m.name.split(" (")[0] for m in spec.actors.values()}]  # fmt: skip
    wanting = [
        a
        for a in spec.actors.values()
        if a.preferences.get("icc_referral") and a.preferences["icc_referral"].salience > 0
    ]
    assert len(names) == len(wanting) >= 15  # the 15 members (and Syria) each name a wish
    assert overlapping(names, renderer) == []


# --- labels clear of the data: what a newcomer found printed on lines and on each other ------
def labels_on_data(ax) -> list[str]:
    """The texts printed in `ax` (value labels, names) that cover one of its lines or markers."""
    from sim.plots.style import covered, line_points

    points = line_points(ax)
    return [t.get_text() for t in ax.texts
            if t.get_visible() and t.get_text().strip() and covered(t.get_window_extent(), points)]  # fmt: skip


def test_sweep_end_labels_sit_where_no_line_or_marker_is() -> None:
    """The shapes the newcomer met: agreement falling steeply to 1% at the last value (its label
    went on the falling line), and one dipping to 43% then rising to 54% (the '54%' went onto the
    43% point), and the baseline's 43% at the end of a gentle fall (on the line)."""
    import pandas as pd

    from sim.plots.outcomes import _sweep_agreement

    spec = load_scenario(BASELINE)
    xs = np.linspace(0, 1, 7)
    shapes = [
        [1.0, 0.98, 0.99, 0.97, 0.86, 0.35, 0.01],
        [1.0, 0.99, 1.0, 0.98, 0.86, 0.43, 0.54],
        [1.0, 1.0, 1.0, 1.0, 0.97, 0.89, 0.90],
        [0.98, 0.97, 0.96, 0.93, 0.74, 0.43, 0.43],
        [1.0, 0.99, 0.99, 0.98, 0.95, 0.76, 0.45],
        [0.99, 0.98, 0.97, 0.96, 0.94, 0.60, 0.50],
    ]
    quantities = ["agreed"] + [f"issue.{k}.agreed" for k in spec.issues]
    table = pd.DataFrame([{"x": x, "quantity": q, "estimate": y, "lo": max(0, y - 0.05),
                           "hi": min(1, y + 0.05)} for q, ys in zip(quantities, shapes, strict=True)
                          for x, y in zip(xs, ys, strict=True)])  # fmt: skip
    fig = _sweep_agreement(table, spec, "Russia: outside option")
    fig.draw_without_rendering()
    from sim.plots.style import overlapping

    for ax, ys in zip(fig.axes, shapes, strict=True):
        printed = sorted(t.get_text() for t in ax.texts)
        assert printed == sorted([f"{ys[0]:.0%}", f"{ys[-1]:.0%}"])  # first and last, as said
        assert labels_on_data(ax) == [], ax.get_title()
        assert overlapping(ax.texts) == []
        frame = ax.get_window_extent()
        for t in ax.texts:  # inside its panel, and near its point (within 45 points)
            box = t.get_window_extent()
            assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1
            assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1
            point = ax.transData.transform(t.xy)
            far = 45 * fig.dpi / 72
            assert box.x0 - far < point[0] < box.x1 + far and box.y0 - far < point[1] < box.y1 + far


@pytest.mark.slow
def test_expected_utility_panels_keep_anchor_labels_apart_and_the_forecast_off_the_lines() -> None:
    from sim.plots.forecast import scenario_forecast_figure
    from sim.plots.style import overlapping
    from sim.runner import run_once

    spec = load_scenario(BASELINE, ["protocol.type=expected_utility"])
    fig = scenario_forecast_figure(spec, run_once(spec, 1))
    fig.draw_without_rendering()
    for ax, key in zip(fig.axes, spec.issues, strict=False):
        ticks = ax.get_yticklabels()
        assert [t.get_text().split(":")[0] for t in ticks] == [f"{p:g}" for p in
                                                               spec.issues[key].anchors]  # fmt: skip
        assert overlapping(ticks) == [], key
        assert labels_on_data(ax) == [], key


def test_a_forecast_table_names_each_line_at_its_end_and_tells_lines_apart() -> None:
    from matplotlib.colors import to_hex

    from sim.forecast_table import read_table
    from sim.plots.forecast import table_forecast_figure
    from sim.plots.style import NEUTRALS, overlapping, title_of
    from sim.protocols.expected_utility import forecast_issue

    table = read_table(ROOT / "tests" / "data" / "bdm_emissions.csv")
    result = forecast_issue(table.capability, table.position, table.salience, rounds=8)
    fig = table_forecast_figure(table.actors, result, "bdm_emissions")
    fig.draw_without_rendering()
    ax = fig.axes[0]
    assert "bdm emissions" in title_of(fig) and "_" not in title_of(fig)
    # Every actor is named once, after the end of its own line (actors whose positions never
    # differ share one line and one label).
    names = [t for t in ax.texts if any(a in t.get_text() for a in table.actors)]
    named = [a for t in names for a in t.get_text().lstrip("■▲◆▼◀▶ ").split(", ")]
    assert sorted(named) == sorted(table.actors)
    actors = [line for line in ax.lines if line.get_lw() < 2]
    assert len(actors) == len(names)
    final = {a: round_[i] for i, a in enumerate(table.actors) for round_ in result.positions[-1:]}
    span = np.subtract(*ax.get_ylim()[::-1])
    for t in names:
        first = t.get_text().lstrip("■▲◆▼◀▶ ").split(", ")[0]
        assert t.xy[0] == len(result.medians) - 1  # at the last round
        assert abs(t.xy[1] - final[first]) < 0.08 * span  # at its line's end (spread apart)
    assert overlapping(names) == []
    # Each line its own colour (not a neutral grey), marker and dash: told apart in greyscale too.
    styles = [(to_hex(line.get_color()), line.get_marker(), str(line.get_linestyle()))
              for line in actors]  # fmt: skip
    assert len({s[0] for s in styles}) == len({s[1] for s in styles}) == len(styles)
    assert not {s[0] for s in styles} & {to_hex(c) for c in NEUTRALS}
    assert labels_on_data(ax) == []  # names and the forecast printed clear of every line


def test_the_utilities_caption_says_what_is_printed(results_a) -> None:
    from sim.plots import load_results
    from sim.plots.outcomes import outcome_figures

    r = load_results(results_a)
    fig = outcome_figures(r.runs, r.spec, r.name)["utilities"]
    ok = r.runs[r.runs.status == "ok"]
    printed = sorted(t.get_text() for t in fig.axes[0].texts)
    assert printed == sorted(f"{ok[f'utility.{a}'].mean():.2f}" for a in r.spec.actors)
    caption = fig._supxlabel.get_text().replace("\n", " ")
    assert "mean (printed)" in caption and "interval (printed)" not in caption
