"""Analytic references checked against hand-derived textbook values (MODEL.md §2c)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import (
    baron_ferejohn_shares,
    finite_horizon_offers,
    finite_horizon_shares,
    kalai_smorodinsky,
    nash_solution,
    pareto_mask,
    rubinstein_shares,
    utilitarian,
    utility_distance,
)

GRID = np.linspace(0.0, 1.0, 3001)
STEP = GRID[1] - GRID[0]


def _brute_pareto(u: np.ndarray) -> np.ndarray:
    """Direct O(n²) definition: a row is dominated if another is >= everywhere and > somewhere."""
    ge = np.all(u[:, None, :] >= u[None, :, :], axis=2)
    gt = np.any(u[:, None, :] > u[None, :, :], axis=2)
    return ~np.any(ge & gt, axis=0)


# --- Pareto ---------------------------------------------------------------------------------


def test_pareto_hand_made_set_keeps_duplicates_and_drops_dominated() -> None:
    u = np.array(
        [
            [1.0, 0.0],  # frontier
            [0.0, 1.0],  # frontier
            [0.5, 0.5],  # frontier
            [0.5, 0.5],  # duplicate of a frontier point: neither copy dominates the other
            [0.4, 0.5],  # weakly dominated by (0.5, 0.5)
            [1.0, 0.0],  # duplicate
            [0.0, 0.0],  # dominated by everything
        ]
    )
    assert pareto_mask(u).tolist() == [True, True, True, True, False, True, False]


def test_pareto_edge_shapes() -> None:
    assert pareto_mask(np.empty((0, 3))).shape == (0,)
    assert pareto_mask(np.array([[0.3, 0.2]])).tolist() == [True]
    assert pareto_mask(np.array([[1.0], [3.0], [3.0], [2.0]])).tolist() == [
        False,
        True,
        True,
        False,
    ]
    with pytest.raises(ValueError):
        pareto_mask(np.array([[np.nan, 1.0]]))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda m: st.lists(
            st.lists(st.integers(-2, 3), min_size=m, max_size=m), min_size=1, max_size=600
        )
    )
)
def test_pareto_matches_definition(rows: list[list[int]]) -> None:
    u = np.array(rows, dtype=float)
    assert pareto_mask(u).tolist() == _brute_pareto(u).tolist()


def test_every_outcome_on_a_simplex_is_on_the_frontier() -> None:
    # Its speed is measured in benchmarks/search_scaling.py, not here.
    rng = np.random.default_rng(7)
    u = rng.dirichlet(np.ones(4), size=10_000)  # on a simplex: every row is on the frontier
    assert pareto_mask(u).all()


# --- Nash, Kalai–Smorodinsky, utilitarian ---------------------------------------------------


def _pie(u2=lambda x: 1.0 - x) -> np.ndarray:
    return np.column_stack([GRID, u2(GRID)])


def test_nash_splits_the_pie_in_half() -> None:
    assert GRID[nash_solution(_pie(), np.zeros(2))] == pytest.approx(0.5, abs=STEP)


def test_nash_moves_with_the_disagreement_point() -> None:
    # max (x − 0.2)(1 − x)  =>  x = 0.6
    assert GRID[nash_solution(_pie(), np.array([0.2, 0.0]))] == pytest.approx(0.6, abs=STEP)


def test_weighted_nash_follows_the_weights() -> None:
    # max 2 ln x + ln(1 − x)  =>  2/x = 1/(1 − x)  =>  x = 2/3
    idx = nash_solution(_pie(), np.zeros(2), weights=np.array([2.0, 1.0]))
    assert GRID[idx] == pytest.approx(2 / 3, abs=STEP)


def test_nash_with_concave_utility() -> None:
    # max x·sqrt(1 − x)  =>  1/x = 1/(2(1 − x))  =>  x = 2/3
    idx = nash_solution(_pie(lambda x: np.sqrt(1.0 - x)), np.zeros(2))
    assert GRID[idx] == pytest.approx(2 / 3, abs=STEP)


def test_nash_zero_gain_counts_as_zero_product_and_irrational_sets_give_none() -> None:
    u = np.array([[1.0, 0.0], [0.3, 0.3], [0.9, -0.1]])
    assert nash_solution(u, np.zeros(2)) == 1  # (1, 0) has product 0; (0.9, −0.1) is not rational
    assert nash_solution(u, np.array([2.0, 0.0])) is None


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 4))
def test_nash_and_ks_pick_pareto_optimal_rational_outcomes(seed: int, m: int) -> None:
    u = np.random.default_rng(seed).random((200, m))
    d = np.full(m, 0.2)
    frontier = pareto_mask(u)
    for idx in (nash_solution(u, d), kalai_smorodinsky(u, d)):
        if idx is not None:
            assert np.all(u[idx] >= d)
            assert frontier[idx]


def test_kalai_smorodinsky_differs_from_nash_on_asymmetric_set() -> None:
    # u1 = x, u2 = 1 − x², d = 0, ideal = (1, 1).
    # KS: x = 1 − x²  =>  x = (√5 − 1)/2 ≈ 0.618;  Nash: max x − x³  =>  x = 1/√3 ≈ 0.577.
    u = _pie(lambda x: 1.0 - x**2)
    ks, nash = kalai_smorodinsky(u, np.zeros(2)), nash_solution(u, np.zeros(2))
    assert GRID[ks] == pytest.approx((math.sqrt(5) - 1) / 2, abs=STEP)
    assert GRID[nash] == pytest.approx(1 / math.sqrt(3), abs=STEP)
    assert abs(GRID[ks] - GRID[nash]) > 0.03


def test_kalai_smorodinsky_ideal_is_taken_over_rational_outcomes() -> None:
    # u1 = 2x, u2 = 1 − x. With d = 0 the ideal is (2, 1) and equal relative gains x = 1 − x give
    # x = 1/2. With d = (0.5, 0) only x ≥ 1/4 is rational, so the ideal is (2, 0.75):
    # (2x − 0.5)/1.5 = (1 − x)/0.75  =>  x = 0.625 (an ideal of u2 = 1 would wrongly give 0.6).
    u = np.column_stack([2 * GRID, 1 - GRID])
    assert GRID[kalai_smorodinsky(u, np.zeros(2))] == pytest.approx(0.5, abs=STEP)
    assert GRID[kalai_smorodinsky(u, np.array([0.5, 0.0]))] == pytest.approx(0.625, abs=STEP)


def test_kalai_smorodinsky_ties_go_to_larger_total_gain() -> None:
    u = np.array([[0.5, 0.5], [0.5, 0.8], [1.0, 0.0], [0.0, 1.0]])
    assert kalai_smorodinsky(u, np.zeros(2)) == 1  # same worst ratio 0.5, larger sum
    assert kalai_smorodinsky(u, np.array([2.0, 2.0])) is None


def test_utilitarian_plain_weighted_and_ties() -> None:
    u = np.array([[0.2, 0.9], [0.6, 0.6], [1.0, 0.0]])
    assert utilitarian(u) == 1  # sums 1.1, 1.2, 1.0
    assert utilitarian(u, weights=np.array([3.0, 1.0])) == 2  # 1.5, 2.4, 3.0
    assert utilitarian(np.array([[1.0, 0.0], [0.0, 1.0]])) == 0


def test_utility_distance() -> None:
    assert utility_distance(np.array([0.0, 0.0]), np.array([3.0, 4.0])) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        utility_distance(np.zeros(2), np.zeros(3))


# --- Rubinstein and the finite horizon ------------------------------------------------------


def test_rubinstein_limit_cases() -> None:
    d = 1 - 1e-7
    x1, x2 = rubinstein_shares(d, d)
    assert x1 == pytest.approx(1 / (1 + d), abs=1e-9)  # (1 − δ)/(1 − δ²) = 1/(1 + δ)
    assert x1 == pytest.approx(0.5, abs=1e-6)
    assert x1 + x2 == pytest.approx(1.0)
    assert rubinstein_shares(0.9, 0.0) == (1.0, 0.0)  # an impatient responder takes nothing
    assert rubinstein_shares(0.9, 1e-9)[0] == pytest.approx(1.0, abs=1e-8)
    assert rubinstein_shares(0.0, 0.6)[0] == pytest.approx(0.4)  # impatient proposer: 1 − δ2
    with pytest.raises(ValueError):
        rubinstein_shares(1.0, 1.0)


def test_finite_horizon_short_games_by_hand() -> None:
    d1, d2, r = 0.9, 0.8, 0.3
    # T = 1: an ultimatum; rejecting gives player 2 its reversion share 1 − r one round later.
    assert finite_horizon_shares(d1, d2, 1, r)[0] == pytest.approx(1 - d2 * (1 - r))
    # T = 2: player 2 would offer δ1·r at round 1, so player 1 offers δ2(1 − δ1·r) at round 0.
    assert finite_horizon_shares(d1, d2, 2, r)[0] == pytest.approx(1 - d2 * (1 - d1 * r))
    # The textbook shrinking pie (nothing after the deadline): T = 1 gives the proposer all,
    # T = 2 gives 1 − δ2, T = 3 gives 1 − δ2(1 − δ1) (Ståhl 1972).
    assert finite_horizon_shares(d1, d2, 1, 0.0, 0.0) == (1.0, 0.0)
    assert finite_horizon_shares(d1, d2, 2, 0.0, 0.0)[0] == pytest.approx(1 - d2)
    assert finite_horizon_shares(d1, d2, 3, 0.0, 0.0)[0] == pytest.approx(1 - d2 * (1 - d1))
    # When the reversion already gives player 1 everything, so does the ultimatum.
    assert finite_horizon_shares(d1, d2, 1, 1.0)[0] == pytest.approx(1.0)


def test_finite_horizon_last_round_offers_discounted_reversion() -> None:
    d1, d2, r = 0.7, 0.95, 0.4
    offers = finite_horizon_offers(d1, d2, 5, r)  # round 4 is even: player 1 proposes last
    assert offers[4, 1] == pytest.approx(d2 * (1 - r))
    offers = finite_horizon_offers(d1, d2, 4, r)  # round 3 is odd: player 2 proposes last
    assert offers[3, 0] == pytest.approx(d1 * r)


@pytest.mark.parametrize(("d1", "d2", "r"), [(0.9, 0.8, 0.3), (0.99, 0.95, 1.0), (0.5, 0.97, 0.0)])
def test_finite_horizon_converges_to_rubinstein(d1: float, d2: float, r: float) -> None:
    x_star = rubinstein_shares(d1, d2)[0]
    err = np.array([finite_horizon_shares(d1, d2, t, r)[0] - x_star for t in range(1, 400)])
    # Two more rounds multiply the gap by δ1·δ2: x_t − x* = δ1δ2 (x_{t+2} − x*).
    np.testing.assert_allclose(err[2:], d1 * d2 * err[:-2], atol=1e-12)
    assert np.all(np.abs(err[2:]) <= np.abs(err[:-2]) + 1e-15)
    assert abs(finite_horizon_shares(d1, d2, 3000, r)[0] - x_star) < 1e-6


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(1, 60),
    st.floats(0, 1),
)
def test_finite_horizon_shares_are_a_split(d1: float, d2: float, horizon: int, r: float) -> None:
    s1, s2 = finite_horizon_shares(d1, d2, horizon, r)
    assert 0.0 <= s1 <= 1.0 and 0.0 <= s2 <= 1.0
    assert s1 + s2 == pytest.approx(1.0)


# --- Baron–Ferejohn -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 5, 7])
@pytest.mark.parametrize("delta", [0.5, 0.9, 1.0])
def test_baron_ferejohn_symmetric_majority(n: int, delta: float) -> None:
    q = n // 2 + 1
    bf = baron_ferejohn_shares([1 / n] * n, delta, q)
    np.testing.assert_allclose(bf.values, 1 / n)
    np.testing.assert_allclose(bf.proposer_keeps, 1 - delta * (q - 1) / n)
    np.testing.assert_allclose(bf.partner_share, delta / n)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6), st.floats(0.0, 0.99))
def test_baron_ferejohn_unanimity(weights: list[float], delta: float) -> None:
    p = np.array(weights) / sum(weights)
    bf = baron_ferejohn_shares(p, delta, len(p))
    np.testing.assert_allclose(bf.values, p, atol=1e-9)
    np.testing.assert_allclose(bf.proposer_keeps, 1 - delta * (1 - p), atol=1e-9)


def test_baron_ferejohn_asymmetric_case_by_hand() -> None:
    # p = (1/2, 1/4, 1/4), δ = 0.9, q = 2. Players 1 and 2 are cheaper than 0, so they buy each
    # other and 0 is never bought: w = p·(1 − δw) + (1/2·1/2 + 1/4)·δw  =>  w = 0.25/(1 − 0.25δ),
    # and v0 = 1/2·(1 − δw) = 1 − 2w.
    delta = 0.9
    w = 0.25 / (1 - 0.25 * delta)
    bf = baron_ferejohn_shares([0.5, 0.25, 0.25], delta, 2)
    np.testing.assert_allclose(bf.values, [1 - 2 * w, w, w])
    assert bf.values[0] == pytest.approx(0.5 * (1 - delta * w))
    np.testing.assert_allclose(bf.coalition_probs[0], [0.0, 0.5, 0.5])


def test_baron_ferejohn_degenerate_and_invalid_inputs() -> None:
    bf = baron_ferejohn_shares([0.6, 0.4], 0.8, 1)  # dictator-proposer: keeps everything
    np.testing.assert_allclose(bf.values, [0.6, 0.4])
    np.testing.assert_allclose(bf.proposer_keeps, 1.0)
    with pytest.raises(ValueError):
        baron_ferejohn_shares([0.6, 0.6], 0.8, 2)
    with pytest.raises(ValueError):
        baron_ferejohn_shares([0.5, 0.5], 0.8, 3)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=2, max_size=7).filter(lambda ws: sum(ws) > 0),
    st.floats(0.0, 1.0),
    st.data(),
)
def test_baron_ferejohn_is_a_stationary_equilibrium(
    weights: list[int], delta: float, data: st.DataObject
) -> None:
    p = np.array(weights, dtype=float) / sum(weights)  # integers make ties in p common
    n = p.size
    q = data.draw(st.integers(1, n))
    bf = baron_ferejohn_shares(p, delta, q)
    v, pi = bf.values, bf.coalition_probs
    assert v.sum() == pytest.approx(1.0)
    assert np.all(v >= -1e-12)
    assert np.all(np.diag(pi) == 0) and np.all((pi >= -1e-9) & (pi <= 1 + 1e-9))
    np.testing.assert_allclose(pi.sum(axis=1), q - 1, atol=1e-8)
    for k in range(n):
        others = np.sort(np.delete(v, k))
        if q > 1:  # only the cheapest votes are bought, and the proposer pays exactly δ·v_j
            marginal = others[q - 2]
            assert np.all(v[pi[k] > 1e-9] <= marginal + 1e-9)
        assert bf.proposer_keeps[k] == pytest.approx(1 - delta * others[: q - 1].sum(), abs=1e-9)
    # Bellman equation: recognised → keep; otherwise bought with probability Σ_k p_k π_kj.
    np.testing.assert_allclose(v, p * bf.proposer_keeps + delta * v * (p @ pi), atol=1e-8)
    np.testing.assert_allclose(bf.partner_share, delta * v)
