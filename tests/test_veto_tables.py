"""Bargaining references that respect the veto structure, searched over the continuous space;
and the references a run records (one basis of preferences for all of them)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import payoffs
from sim.analysis import nash_solution
from sim.analysis.veto_tables import TOL, TableGame, tables, zoom_argmax
from sim.runner import run_once
from sim.scenario import Scenario


def three_party() -> TableGame:
    """Issue p is vetoed by A and B, issue q by A and C; C also cares about p, where it has no
    veto. All linear, both reversions 0. A: ideals (1, 1), equal saliences. B: p only, ideal
    0.5. C: p ideal 0 with salience 3, q ideal 1 with salience 1."""
    ideal = np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 1.0]])
    weight = payoffs.normalise_saliences(np.array([[1.0, 1.0], [1.0, 0.0], [3.0, 1.0]]))
    veto = np.array([[True, True, False], [True, False, True]])
    prefs = (ideal, weight, np.ones(3), np.zeros((3, 2, 2)), {})
    return TableGame(prefs, veto, np.zeros(2), np.full(3, np.nan))


def test_tables_group_issues_by_their_veto_players() -> None:
    veto = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 0]], dtype=bool)
    assert tables(veto) == [([0, 2], [0, 1]), ([1], [0, 2])]


def test_zoom_search_finds_a_kinked_maximum_and_enumerates_options() -> None:
    # max of -|x - 0.3| - |y - 0.71| on the unit square, with a kink at the optimum.
    best = zoom_argmax(lambda a: -(np.abs(a[0][:, None] - 0.3) + np.abs(a[1] - 0.71)).ravel(),
                       [None, None])  # fmt: skip
    assert best == pytest.approx([0.3, 0.71], abs=1e-4)
    # One issue of four named options (points 0, 1/3, 2/3, 1): the third scores best.
    best = zoom_argmax(lambda a: -np.abs(a[0] - 0.6), [4])
    assert best == pytest.approx([2 / 3])
    assert zoom_argmax(lambda a: np.full(len(a[0]), -np.inf), [None]) is None


def test_nash_respects_who_can_veto_what() -> None:
    # Table p (A, B): gains 0.5p for A and 0.5 - |p - 0.5| for B; the product 0.5p(0.5 - |p - .5|)
    # rises to p = 0.5 (B's ideal) and falls after it. Table q (A, C): both gain 0.5q, so q = 1.
    game = three_party()
    assert game.solve("nash") == pytest.approx([0.5, 1.0], abs=1e-4)
    # Letting C bargain over p too (every actor over every issue) drags p down: C's gain at q = 1
    # is 0.25 - 0.75p, and (0.5p + 0.5)·p·(0.25 - 0.75p) peaks where 1 - 4p - 9p² = 0.
    p, q = np.meshgrid(np.linspace(0, 1, 2001), [1.0], indexing="ij")
    packages = np.stack([p.ravel(), q.ravel()], axis=1)
    u = payoffs.utilities(packages, game.ideal, game.weight, game.rho)
    everyone = packages[nash_solution(u, game.disagreement())]
    assert everyone[0] == pytest.approx((-4 + np.sqrt(52)) / 18, abs=1e-3)


def test_kalai_smorodinsky_per_table_by_hand() -> None:
    # Table p: A's best gain 0.5 (p = 1), B's 0.5 (p = 0.5); min(p, 1 - 2|p - 0.5|) peaks where
    # p = 2 - 2p, p = 2/3. Table q: both best at q = 1.
    assert three_party().solve("ks") == pytest.approx([2 / 3, 1.0], abs=1e-4)


def test_a_table_without_gains_stays_at_its_reversion() -> None:
    # A linear pie whose reversion splits it: every move helps one side and hurts the other.
    ideal, weight = np.array([[1.0], [0.0]]), np.ones((2, 1))
    prefs = (ideal, weight, np.ones(2), np.zeros((2, 1, 1)), {})
    game = TableGame(prefs, np.ones((1, 2), dtype=bool), np.array([0.3]), np.full(2, np.nan))
    assert game.solve("nash") == pytest.approx([0.3])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ideal=st.lists(st.floats(0, 1), min_size=4, max_size=4),
    salience=st.lists(st.floats(0.1, 1), min_size=4, max_size=4),
    rho=st.sampled_from([1.0, 2.0]),
    reversion=st.lists(st.floats(0, 1), min_size=2, max_size=2),
)
def test_with_one_table_the_search_is_never_worse_than_a_fine_grid(
    ideal, salience, rho, reversion
) -> None:
    """Two actors vetoing two issues: one table, so the reference is Nash's own solution, and
    its Nash product is at least the best on a 101 × 101 grid, up to the search's resolution
    (TOL on each issue moves a utility, and so the product, by at most about 2·TOL)."""
    ideal_a = np.array(ideal).reshape(2, 2)
    weight = payoffs.normalise_saliences(np.array(salience).reshape(2, 2))
    rhos = np.full(2, rho)
    prefs = (ideal_a, weight, rhos, np.zeros((2, 2, 2)), {})
    game = TableGame(prefs, np.ones((2, 2), dtype=bool), np.array(reversion), np.full(2, np.nan))
    d = game.disagreement()
    grid = payoffs.package_grid(101, np.full(2, np.nan))
    u = payoffs.utilities(grid, ideal_a, weight, rhos)
    gains = np.clip(u - d, 0, None).prod(axis=1)
    found = np.clip(game.utility(game.solve("nash")) - d, 0, None).prod()
    assert found >= gains.max() - 2 * TOL


def event_scenario() -> dict:
    """Two actors, two issues; a scheduled event at round 0 moves y's ideal on `a`."""
    return {
        "name": "shift",
        "issues": {
            "a": {"label": "A", "reversion": 0.0, "veto": ["x", "y"]},
            "b": {"label": "B", "reversion": 0.0, "veto": ["x", "y"]},
        },
        "actors": {
            "x": {"name": "X", "preferences": {"a": {"ideal": 1.0, "salience": 1.0},
                                                "b": {"ideal": 1.0, "salience": 1.0}}},
            "y": {"name": "Y", "preferences": {"a": {"ideal": 0.0, "salience": 1.0},
                                                "b": {"ideal": 1.0, "salience": 1.0}}},
        },
        "protocol": {"deadline": 6, "grid": 5},
        "events": [{"name": "y moves", "round": 0,
                    "effects": [{"actor": "y", "parameter": "ideal", "issue": "a", "set": 1.0}]}],
    }  # fmt: skip


def test_references_and_payoffs_share_the_preferences_the_run_ended_with() -> None:
    from sim.analysis.utility_space import utility_space

    spec = Scenario.model_validate(event_scenario())
    record = run_once(spec, 1, trajectory=True)
    refs = record.references
    assert refs["basis"] == "final" and refs["events"] == ["y moves"]
    # After the event both want a = b = 1: Nash gives each its ideal, utility 1.
    assert refs["nash"]["package"] == pytest.approx({"a": 1.0, "b": 1.0}, abs=1e-4)
    assert refs["nash"]["utilities"] == pytest.approx({"x": 1.0, "y": 1.0}, abs=1e-4)
    assert refs["disagreement"] == pytest.approx({"x": 0.0, "y": 0.0})
    # The outcome is valued on the same preferences, and the distance is between the two.
    assert record.agreed and record.utilities == pytest.approx({"x": 1.0, "y": 1.0})
    assert record.nash_distance == pytest.approx(0.0, abs=1e-3)
    space = utility_space(spec, record)
    assert space.basis == "final"
    assert space.points[:, 1] == pytest.approx(space.points[:, 0])  # x and y now agree
    calm = event_scenario()
    calm["events"] = []
    refs = run_once(Scenario.model_validate(calm), 1).references
    assert refs["basis"] == "initial" and refs["events"] == []
    # Before it, d = (0, 0.5); at b = 1 the gains are 0.5(a + 1) and 0.5(1 − a): a = 0.
    assert refs["nash"]["package"] == pytest.approx({"a": 0.0, "b": 1.0}, abs=1e-4)
