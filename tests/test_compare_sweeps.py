"""compare and report warn when the results they pool were swept over different points."""

from __future__ import annotations

import pandas as pd

from sim.plots import Results
from sim.plots.compare import sweep_mismatch
from sim.scenario import load_scenario
from tests.conftest import ROOT


def _results(name: str, axes: list[dict]) -> Results:
    spec = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    manifest = {"sweep": {"design": "grid", "axes": axes}}
    return Results(name, pd.DataFrame(), spec, manifest)


def test_same_sweep_no_warning_different_sweep_warns() -> None:
    axis = {"path": "actors.russia.outside_option", "values": [0.5, 0.6]}
    same = [_results("a", [axis]), _results("b", [axis])]
    assert sweep_mismatch(same) is None
    other = {"path": "actors.russia.outside_option", "values": [0.7, 0.8]}
    message = sweep_mismatch([_results("a", [axis]), _results("b", [other])])
    assert message and "different design points" in message
    message = sweep_mismatch([_results("a", [axis]), _results("b", [])])
    assert message and "b swept no parameter" in message
    assert "a swept Russia's outside option" in message  # in words, not the dotted path
