"""The app's levers: built from the scenario file, turned into `--set` overrides that the
project's own loader reads back to the values set, and invalid settings reported exactly as
`negsim validate` reports them."""

from __future__ import annotations

import math
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.app.levers import board_for, problems
from sim.cli import app
from sim.scenario import ScenarioError, load_scenario

BASELINE = "scenarios/baseline.yaml"


@pytest.fixture(scope="module")
def board():
    return board_for(BASELINE)


def value_at(spec, path: str):
    node = spec
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def test_levers_carry_the_files_values_and_labels(board):
    # Values as written in scenarios/baseline.yaml.
    assert board.lever("actors.russia.outside_option").default == 0.5
    assert board.lever("actors.syria.outside_option").default is None  # Syria has none
    assert board.lever("actors.syria.patience").default == 0.90
    assert board.lever("protocol.deadline").default == 12
    assert board.lever("protocol.recognition").default == "capability"
    assert board.lever("actors.russia.strategy").default == "concession"
    assert board.lever("actors.russia.strategy.param").default == 0.5
    assert board.lever("events.0").label == "Russian assets relocated to Africa (5% a round)"
    assert board.lever("actors.turkey.patience").group == "Turkey"
    assert board.overrides(board.defaults()) == []


def test_the_files_setting_is_the_file(board):
    assert board.scenario(board.defaults()) == load_scenario(BASELINE)


def test_each_kind_of_lever_sets_what_it_says(board):
    values = board.defaults() | {
        "actors.russia.outside_option": 0.7,
        "actors.syria.outside_option": 0.3,
        "actors.us.rationality": math.inf,
        "actors.russia.strategy": "reciprocal",
        "actors.russia.strategy.param": 0.5,
        "protocol.partial": False,
        "events.0": False,
        "run.seed": 7,
    }
    spec = board.scenario(values)
    assert spec.actors["russia"].outside_option == 0.7
    assert spec.actors["syria"].outside_option == 0.3
    assert math.isinf(spec.actors["us"].rationality)
    assert spec.actors["russia"].strategy.type == "reciprocal"
    assert spec.actors["russia"].strategy.beta == 0.5
    assert spec.protocol.partial is False
    assert spec.events == []
    assert spec.run.seed == 7
    # Only changed levers appear, as --set PATH=VALUE texts.
    assert "actors.russia.outside_option=0.7" in board.overrides(values)
    assert "actors.us.rationality=.inf" in board.overrides(values)


def test_the_command_line_runs_the_same_setting(board):
    values = board.defaults() | {"actors.turkey.capability": 1.5, "events.0": False}
    args = shlex.split(board.command(values))
    assert args[:3] == ["negsim", "run", BASELINE]
    sets = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    assert load_scenario(BASELINE, sets) == board.scenario(values)


def test_an_invalid_combination_gets_the_message_validate_gives(board):
    # The equilibrium strategy needs two actors and one issue; the baseline has four and five.
    values = board.defaults() | {"actors.russia.strategy": "equilibrium"}
    with pytest.raises(ScenarioError) as caught:
        board.scenario(values)
    shown = problems(caught.value)
    args = ["validate", BASELINE]
    for text in board.overrides(values):
        args += ["--set", text]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert shown == result.stderr.strip().splitlines()
    assert "equilibrium strategy needs exactly two actors and one issue" in shown[0]


NUMBERS = [
    "actors.russia.outside_option",
    "actors.syria.patience",
    "actors.turkey.capability",
    "actors.us.rationality",
    "actors.russia.perception_noise",
    "protocol.deadline",
]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_slider_setting_reads_back_as_set(data):
    board = board_for(BASELINE)
    values = board.defaults()
    for path in NUMBERS:
        lever = board.lever(path)
        if lever.kind == "integer":
            values[path] = data.draw(st.integers(int(lever.low), int(lever.high)))
        else:
            steps = round((lever.high - lever.low) / lever.step)
            values[path] = round(lever.low + data.draw(st.integers(0, steps)) * lever.step, 6)
    spec = board.scenario(values)
    for path in NUMBERS:
        assert value_at(spec, path) == pytest.approx(values[path], abs=1e-9)
