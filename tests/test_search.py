"""The proposers' package search beyond the exhaustive limit (sim/protocols/search.py), and what a
run builds and keeps (issue 10 §6, §7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import payoffs
from sim.protocols import search
from sim.protocols.alternating import BargainingModel
from sim.scenario import load_scenario
from sim.scenario.models import Scenario

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


@st.composite
def preferences(draw: st.DrawFn, linked: bool = True) -> dict:
    """Random preferences of 2–4 actors over 2–4 issues of 2–4 levels (one issue may be closed)."""
    n_a, n_k = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    axes = [np.linspace(0.0, 1.0, int(n)) for n in rng.integers(2, 5, n_k)]
    if draw(st.booleans()):
        axes[0] = np.array([rng.random()])  # a closed issue, off the grid
    gamma = np.zeros((n_a, n_k, n_k))
    if linked:
        gamma[0, 0, n_k - 1] = rng.uniform(-0.3, 0.3)
    return {
        "axes": axes,
        "ideal": rng.random((n_a, n_k)),
        "weight": payoffs.normalise_saliences(rng.random((n_a, n_k)) + 0.01),
        "rho": rng.choice([1.0, 2.0, 1.5], n_a),
        "gamma": gamma,
    }


def _all_packages(axes: list[np.ndarray]) -> np.ndarray:
    """Every level index combination (n, K), the first issue slowest."""
    grids = np.meshgrid(*[np.arange(len(a)) for a in axes], indexing="ij")
    return np.stack(grids, axis=-1).reshape(-1, len(axes))


@settings(max_examples=60, deadline=None)
@given(preferences())
def test_mesh_utilities_are_the_payoff_utilities_of_the_packages(p: dict) -> None:
    m = search.mesh(**p)
    idx = _all_packages(p["axes"])
    packages = m.values(idx)
    want = payoffs.utilities(packages, p["ideal"], p["weight"], p["rho"], p["gamma"])
    np.testing.assert_allclose(m.utilities(idx), want, atol=1e-12)
    # ... and a package's neighbours are worth what they are worth on their own
    x = idx[len(idx) // 2]
    moves = search._moves(m.counts, pairs=True)
    candidates = np.array([search._apply(x, move) for move in moves.rows])
    np.testing.assert_allclose(m.neighbours(x, moves).T, m.utilities(candidates), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(preferences(linked=False))
def test_without_linkage_the_best_package_is_the_best_on_the_grid(p: dict) -> None:
    m = search.mesh(**p)
    u = m.utilities(_all_packages(p["axes"]))
    for actor in range(len(p["ideal"])):
        best = search.best_package(m, actor)
        assert m.utilities(best[None])[0, actor] >= u[:, actor].max() - 1e-12


@settings(max_examples=80, deadline=None)
@given(preferences(), st.floats(0.0, 1.2), st.integers(0, 2**16))
def test_the_offer_meets_the_aspiration_and_is_no_less_acceptable_than_the_start(
    p: dict, aspiration: float, seed: int
) -> None:
    # Row 0 is the proposer; the others' disagreement payoffs are random.
    m = search.mesh(**p)
    d = np.random.default_rng(seed).random(len(p["ideal"]) - 1) * 0.8
    start = search.best_package(m, 0)
    found = search.trade_off_search(m, d, aspiration, start)
    u, u0 = m.utilities(found[None])[0], m.utilities(start[None])[0]
    assert u[0] >= min(aspiration, u0[0]) - 1e-12  # the rule's feasibility
    assert (u[1:] - d).min() >= (u0[1:] - d).min() - 1e-9  # never less acceptable than the start
    # and no package that differs from it on one issue is better by the rule
    cu = m.neighbours(found, search._moves(m.counts, pairs=False)).T
    worst = (cu[:, 1:] - d).min(axis=1)
    feasible = cu[:, 0] >= min(aspiration, u0[0]) - 1e-12
    assert not np.any(feasible & (worst > (u[1:] - d).min() + 1e-9))


def _large(**overrides: str) -> Scenario:
    """The baseline at grid 10 (100,000 packages): beyond the exhaustive limit."""
    return load_scenario(
        BASELINE, ["protocol.grid=10", *[f"{k}={v}" for k, v in overrides.items()]]
    )


def test_beyond_the_limit_proposals_stay_on_the_grid_and_runs_reproduce() -> None:
    spec = _large()
    assert len(spec.issues) and 10 ** len(spec.issues) > search.EXHAUSTIVE
    a = BargainingModel(spec, rng=3, trajectory=True)
    record = a.run()
    assert not a.exhaustive and "grid" not in a.base  # the full grid was never built
    for offer in record.trajectory:
        for value in offer.package.values():
            assert abs(value * 9 - round(value * 9)) < 1e-9
    again = BargainingModel(spec, rng=3, trajectory=True).run()
    assert again.to_dict() == record.to_dict()


def test_no_observer_tables_without_perception_noise_and_a_finished_run_frees_its_tables() -> None:
    calm = [f"actors.{a}.perception_noise=0" for a in ("syria", "russia", "turkey", "us")]
    spec = load_scenario(BASELINE, calm)
    m = BargainingModel(spec, rng=1, trajectory=False)
    for _ in range(3):
        m.step()
    assert "seen" not in m._full and "true" in m._full  # only the true table was built
    noisy = BargainingModel(load_scenario(BASELINE), rng=1, trajectory=False)
    noisy.step()
    assert "seen" in noisy._full
    noisy.run()
    assert not noisy._tables and not noisy._full


def test_an_observer_without_noise_sees_the_true_tables() -> None:
    spec = load_scenario(BASELINE, ["actors.syria.perception_noise=0"])
    m = BargainingModel(spec, rng=5, trajectory=False)
    syria = m.actor_keys.index("syria")
    np.testing.assert_array_equal(m._grid_table(syria), m._grid_table(None))
    seen = m._seen_full()[:, syria]  # what the batched per-observer table holds for it
    np.testing.assert_allclose(seen, m.true_utilities(), atol=1e-12)


def test_runs_share_state_tables_without_changing_any_record(monkeypatch) -> None:
    """What runs of a scenario share (the tables of each closed state after each sequence of
    events, with the concession players' demands and thresholds; settlements' sure utilities;
    outcomes' utilities) is a pure function of that state: a run's record is the same whichever
    runs came before it and however small the shared stores, which stay within their bounds."""
    from sim.protocols import alternating

    def records(seeds: list[int]) -> tuple[dict[int, dict], dict]:
        spec = load_scenario(BASELINE)  # a fresh scenario: nothing shared yet
        out = {s: BargainingModel(spec, rng=s, trajectory=True).run().to_dict() for s in seeds}
        return out, alternating.scenario_arrays(spec)

    seeds = list(range(24))
    alone = {s: records([s])[0][s] for s in seeds[:6]}  # each run the scenario's first
    forward, _ = records(seeds)
    assert any(r["events"] for r in forward.values())  # runs that share tables after an event
    monkeypatch.setattr(alternating, "_STATES", 2)
    monkeypatch.setattr(alternating, "_SETTLEMENTS", 3)
    monkeypatch.setattr(alternating, "_SEQUENCES", 1)
    backward, shared = records(seeds[::-1])
    assert all(forward[s] == alone[s] for s in alone)
    assert forward == backward
    assert 0 < len(shared["states"]) <= 2 and 0 < len(shared["settlements"]) <= 3
    assert 0 < len(shared["outcomes"]) <= 3 and len(shared["by_parameters"]) == 1


def test_after_an_event_the_observers_table_is_what_a_full_rebuild_gives() -> None:
    """An event recomputes only the observers' columns of the actors whose ideal points or
    saliences it changed (`BargainingModel.after_event`); the table must equal one built from
    scratch with the new parameters, and the other columns must not move."""
    data = yaml.safe_load(BASELINE.read_text())
    data["events"] = [
        {
            "name": "shock",
            "round": 2,
            "effects": [
                {
                    "actor": "russia",
                    "parameter": "salience",
                    "issue": "russian_basing",
                    "scale": 0.7,
                },
                {"actor": "turkey", "parameter": "ideal", "issue": "turkish_posture", "add": -0.3},
                {"actor": "us", "parameter": "outside_option", "set": 0.4},
            ],
        }
    ]
    m = BargainingModel(Scenario.model_validate(data), rng=3, trajectory=False)
    m.step()
    before = m._seen_full().copy()
    while m.round <= 2:
        m.step()
    assert m.events.order == [0]
    updated = m._seen_full().copy()
    del m._full["seen"]
    np.testing.assert_array_equal(updated, m._seen_full())
    changed = [m.actor_keys.index(a) for a in ("russia", "turkey")]
    kept = [i for i in range(len(m.actor_keys)) if i not in changed]
    np.testing.assert_array_equal(updated[:, :, kept], before[:, :, kept])
    assert all((updated[:, :, i] != before[:, :, i]).any() for i in changed)
