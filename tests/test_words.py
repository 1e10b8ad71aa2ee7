"""One wording for a parameter everywhere: the labeller of `sim.scenario.words` names swept paths
in the scenario's own words (the names written in scenarios/baseline.yaml), and the sensitivity
warnings, the report and the app's levers all use it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sim.scenario import load_scenario
from sim.scenario.words import outcome_words, parameter_label, parameter_phrase

BASELINE = "scenarios/baseline.yaml"
DOTTED = re.compile(r"\b(actors|issues|protocol|param|issue|utility)\.\w+")


@pytest.fixture(scope="module")
def spec():
    return load_scenario(BASELINE)


def test_paths_read_as_the_scenarios_names(spec) -> None:
    # baseline.yaml names the actor "Syria (transitional government)": the gloss is dropped.
    assert parameter_label("param.actors.syria.patience", spec) == "Syria: patience δ"
    assert parameter_phrase("actors.russia.outside_option", spec) == "Russia's outside option"
    assert parameter_phrase("actors.us.capability", spec) == "United States' capability"
    basing = spec.issues["russian_basing"].label
    assert parameter_label("issues.russian_basing.reversion", spec).startswith(
        f"{basing}: reversion"
    )
    assert parameter_phrase("actors.turkey.preferences.russian_basing.ideal", spec) == (
        f"Turkey's ideal on {basing}"
    )
    # A unit belongs on an axis, not inside a sentence.
    assert parameter_label("protocol.deadline", spec) == "deadline (rounds)"
    assert parameter_phrase("param.protocol.deadline", spec) == "the deadline"
    assert parameter_phrase("protocol.rule.threshold", spec) == "the qualified majority"
    assert outcome_words("issue.russian_basing.agreed", spec) == f"whether {basing} is agreed"
    assert outcome_words("utility.us", spec) == "United States' utility"


def test_the_apps_levers_use_the_same_words_as_the_figures(spec) -> None:
    from sim.app.levers import board_for

    board = board_for(BASELINE)
    for path in ("protocol.deadline", "run.seed", "actors.russia.outside_option",
                 "actors.syria.patience", "actors.us.rationality"):  # fmt: skip
        lever = board.lever(path)
        # An actor's levers sit under its name, so the label is the part after "Name: ".
        assert parameter_label(path, spec).endswith(lever.label), path


def test_sensitivity_warnings_name_no_dotted_path_and_stay_with_their_chart(
    spec, monkeypatch, tmp_path
):
    from sim.plots import sensitivity
    from sim.sweep.design import index_warnings

    table = pd.DataFrame(
        [{"outcome": o, "parameter": p, "S1": 0.5, "S1_conf": 0.3, "ST": st, "ST_conf": 0.2}
         for o, st in (("agreed", 1.4), ("issue.russian_basing.value", 0.6))
         for p in ("actors.russia.outside_option", "protocol.deadline")]
    )  # fmt: skip
    lines = index_warnings(table, "saltelli", 64, {"utility.russia": 0.9}, 2, spec)
    assert lines and not [line for line in lines if DOTTED.search(line)], lines
    assert lines[0].startswith("full agreement on every issue: ST of Russia's outside option")
    assert any("Russia's utility (90%)" in line for line in lines)
    # Each chart still carries the warnings about its own outcome (matched by the same words).
    captured: dict[str, list[str]] = {}

    def draw(group, outcome, notes=(), spec=None):
        import matplotlib.pyplot as plt

        captured[outcome] = list(notes)
        return plt.figure()

    monkeypatch.setattr(sensitivity, "draw_indices", draw)
    noise = {"agreed": 0.3, "issue.russian_basing.value": 0.05}

    def warn(rows, outcome):
        mine = {outcome: noise[outcome]} if outcome in noise else {}
        return index_warnings(rows, "saltelli", 64, mine, 2, spec)

    sensitivity.plot_sensitivity(table, tmp_path, warn, spec)
    agreed, basing = captured["agreed"], captured["issue.russian_basing.value"]
    assert any("outside [0, 1]" in n for n in agreed)
    assert any("full agreement on every issue (30%)" in n for n in agreed)
    # Russian basing's chart: its own widest interval, and nothing about full agreement.
    assert not any("outside [0, 1]" in n or "full agreement" in n for n in basing), basing
    assert any("for the final value of Russian basing" in n for n in basing), basing


def test_the_reports_sweep_sentence_names_the_parameter_in_words(spec) -> None:
    from types import SimpleNamespace

    from sim.report import _sweep_sentence

    runs = pd.DataFrame({"point": [0, 0, 1, 1], "status": "ok",
                         "param.actors.russia.outside_option": [0.5, 0.5, 0.6, 0.6]})  # fmt: skip
    sweep = {"design": "grid", "replications": 2, "seed": 7}
    r = SimpleNamespace(spec=spec, manifest={"sweep": sweep}, runs=runs, ok=runs)
    text = _sweep_sentence(r)
    assert "sweeping Russia's outside option ∈ {0.5, 0.6}" in text, text
    assert not DOTTED.search(text), text
