"""Sweep specifications and designs: sizes and shapes, keyed seeds, and file:line errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.scenario import ScenarioError
from sim.scenario.models import Axis
from sim.sweep.design import design_size, make_design
from sim.sweep.seeds import run_seed
from sim.sweep.spec import resolve_sweep

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
AXES = [
    Axis(path="a", low=0.2, high=0.8, num=4),
    Axis(path="b", values=[1.0, 2.0, 3.0]),
    Axis(path="c", low=-1.0, high=1.0, num=2),
]


def test_grid_is_the_full_factorial() -> None:
    pts = make_design(AXES, "grid", 0, 1)
    assert pts.shape == (4 * 3 * 2, 3)
    assert len({tuple(p) for p in pts}) == 24
    np.testing.assert_allclose(np.unique(pts[:, 0]), [0.2, 0.4, 0.6, 0.8])
    assert design_size(3, "grid", 0, [4, 3, 2]) == 24


def test_lhs_has_one_point_per_stratum() -> None:
    pts = make_design(AXES, "lhs", 10, 7)
    assert pts.shape == (10, 3)
    strata = np.floor((pts[:, 0] - 0.2) / 0.6 * 10).astype(int)
    assert sorted(strata) == list(range(10))  # the Latin property on a range axis
    assert set(pts[:, 1]) <= {1.0, 2.0, 3.0}  # a list axis takes its listed values
    assert pts[:, 2].min() >= -1.0 and pts[:, 2].max() <= 1.0


def test_sobol_rounds_up_to_a_power_of_two() -> None:
    pts = make_design(AXES, "sobol", 20, 3)
    assert pts.shape == (32, 3) == (design_size(3, "sobol", 20), 3)
    # A balanced Sobol block puts exactly half its points in each half of every range.
    assert (pts[:, 0] < 0.5).sum() == 16


def test_morris_has_k_plus_one_points_per_trajectory() -> None:
    axes = [AXES[0], AXES[2]]
    pts = make_design(axes, "morris", 6, 3)
    assert pts.shape == ((2 + 1) * 6, 2) == (design_size(2, "morris", 6), 2)
    # Within a trajectory consecutive points differ in exactly one parameter.
    for t in range(6):
        traj = pts[3 * t : 3 * t + 3]
        changed = (np.abs(np.diff(traj, axis=0)) > 1e-12).sum(axis=1)
        assert list(changed) == [1, 1]


def test_saltelli_has_n_times_k_plus_two_points() -> None:
    pts = make_design(AXES, "saltelli", 8, 3)
    assert pts.shape == (8 * (3 + 2), 3) == (design_size(3, "saltelli", 8), 3)


def test_run_seeds_are_keyed_and_distinct() -> None:
    seeds = {run_seed(5, p, r) for p in range(30) for r in range(30)}
    assert len(seeds) == 900
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(5, 3, 4) == run_seed(5, 3, 4) != run_seed(6, 3, 4)


def test_yaml_sweep_block_is_resolved() -> None:
    from ruamel.yaml import YAML

    block = YAML(typ="safe").load(Path(BASELINE).read_text())["sweep"]
    spec = resolve_sweep(BASELINE)
    assert spec.replications == block["replications"] and spec.seed == block["seed"]
    assert spec.paths == [axis["path"] for axis in block["axes"]]
    np.testing.assert_allclose(spec.points[:, 0], block["axes"][0]["values"])
    assert spec.n_runs == len(block["axes"][0]["values"]) * block["replications"]


def test_vary_replaces_axes_and_integer_fields_are_rounded() -> None:
    spec = resolve_sweep(
        BASELINE, ["protocol.deadline=3:9", "actors.us.patience=0.8,0.9"], "lhs", 12, 2, 4
    )
    assert spec.points.shape == (12, 2)
    assert spec.integer_axes == (True, False)
    assert all(float(d).is_integer() and 3 <= d <= 9 for d in spec.points[:, 0])
    assert spec.scenario_at(0).protocol.deadline == int(spec.points[0, 0])


def test_sweep_file_names_a_scenario(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(
        f"scenario: {BASELINE}\nsweep:\n  replications: 3\n  axes:\n"
        "    - {path: actors.syria.patience, values: [0.8, 0.9]}\n"
    )
    spec = resolve_sweep(f)
    assert spec.replications == 3 and spec.n_points == 2


@pytest.mark.parametrize(
    ("vary", "needle"),
    [
        (["actors.russia.outside_opton=0.2,0.3"], "outside_opton"),
        (["actors.rusia.patience=0.2,0.3"], "no field 'rusia'"),
        (["actors.russia.patience=0.8:0.7:3"], "above high"),
        (["actors.russia.patience=0.5:1.5:3"], "less than or equal to 1"),
        (["actors.russia.patience=0.5:0.9:0"], "at least 1"),
        (["actors.russia.patience"], "expected PATH="),
        (["actors.russia.patience=a:b"], "not a number"),
        (["actors.russia.patience=0.5:0.9"], "needs a number of levels"),
    ],
)
def test_bad_vary_is_rejected(vary: list[str], needle: str) -> None:
    with pytest.raises(ScenarioError) as err:
        resolve_sweep(BASELINE, vary)
    text = str(err.value)
    assert needle in text
    assert text.startswith(str(BASELINE))


def test_out_of_range_value_points_at_the_scenario_line() -> None:
    # patience 1.5 is impossible: the error names the file and the line of russia's patience.
    lines = BASELINE.read_text().splitlines()
    in_russia = lines.index("  russia:")
    line = next(i for i, t in enumerate(lines) if i > in_russia and "patience:" in t) + 1
    with pytest.raises(ScenarioError) as err:
        resolve_sweep(BASELINE, ["actors.russia.patience=0.9,1.5"])
    assert err.value.line == line and err.value.path == "actors.russia.patience"


def test_bad_yaml_sweep_block_has_file_and_line(tmp_path: Path) -> None:
    original = BASELINE.read_text()
    text = re.sub(
        r"(?m)^      values: \[.*$", "      low: 0.9\n      high: 0.1\n      num: 3", original
    )
    assert text != original
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        resolve_sweep(f)
    line = text.splitlines().index("    - path: actors.russia.outside_option") + 1
    assert err.value.line == line and "above high" in str(err.value)
    f.write_text(
        text.replace("low: 0.9", "low: 0.1")
        .replace("high: 0.1", "high: 0.9")
        .replace("path: actors.russia.outside_option", "path: actors.russia.outside")
    )
    with pytest.raises(ScenarioError, match=r"bad.yaml:\d+: actors.russia.outside: unknown field"):
        resolve_sweep(f)


def test_set_on_a_swept_path_is_refused() -> None:
    with pytest.raises(ScenarioError, match="is swept"):
        resolve_sweep(BASELINE, overrides=["actors.russia.outside_option=0.9"])
    spec = resolve_sweep(BASELINE, overrides=["actors.syria.patience=0.9"])  # not swept: fine
    assert spec.scenario_at(0).actors["syria"].patience == 0.9
