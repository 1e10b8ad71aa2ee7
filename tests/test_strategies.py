"""Strategies: concession curves, offer choice, acceptance, and the equilibrium limit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import strategies


def test_concession_runs_from_u_max_to_u_res() -> None:
    for e in (0.2, 1.0, 5.0):
        assert strategies.concession_aspiration(0.0, 0.9, 0.3, e) == pytest.approx(0.9)
        assert strategies.concession_aspiration(1.0, 0.9, 0.3, e) == pytest.approx(0.3)


def test_boulware_holds_out_and_conceder_gives_ground() -> None:
    boulware = strategies.concession_aspiration(0.5, 1.0, 0.0, 0.5)  # 1 - 0.5**2 = 0.75
    linear = strategies.concession_aspiration(0.5, 1.0, 0.0, 1.0)  # 0.5
    conceder = strategies.concession_aspiration(0.5, 1.0, 0.0, 2.0)  # 1 - sqrt(.5)
    assert boulware == pytest.approx(0.75)
    assert linear == pytest.approx(0.5)
    assert conceder == pytest.approx(1 - math.sqrt(0.5))


def test_reciprocal_returns_beta_times_the_concession_and_never_goes_below_reservation() -> None:
    assert strategies.reciprocal_aspiration(0.8, 0.2, 0.1, 0.5, 0.0) == pytest.approx(0.75)
    assert strategies.reciprocal_aspiration(0.8, 0.2, -0.3, 1.0, 0.0) == pytest.approx(0.8)
    assert strategies.reciprocal_aspiration(0.25, 0.2, 0.5, 1.0, 0.0) == pytest.approx(0.2)


def test_choose_offer_picks_the_most_acceptable_package_above_aspiration() -> None:
    own = np.array([0.9, 0.7, 0.6, 0.4])
    worst = np.array([[-0.3, 0.1], [0.05, 0.2], [0.1, 0.3], [0.5, 0.5]]).min(axis=1)
    assert strategies.choose_offer(own, 0.65, worst) == 1  # package 3 is too cheap, 2 too
    assert strategies.choose_offer(own, 0.5, worst) == 2
    assert strategies.choose_offer(own, 0.95, worst) == 0  # nothing reaches it: own best


def test_deterministic_acceptance_at_infinite_rationality() -> None:
    assert strategies.accept_probability(0.5, 0.5, math.inf) == 1.0
    assert strategies.accept_probability(0.49, 0.5, math.inf) == 0.0
    assert strategies.accept_probability(0.5, 0.5, 10.0) == pytest.approx(0.5)
    assert strategies.accept_probability(0.6, 0.5, 10.0) == pytest.approx(1 / (1 + math.exp(-1)))


def test_one_issue_offer_gives_the_responder_exactly_what_it_needs() -> None:
    # responder ideal 0, linear: needs 0.3 -> x = 0.7; quadratic: 1 - x^2 = 0.3 -> x = sqrt(0.7)
    assert strategies.one_issue_offer(1.0, 0.0, 1.0, 0.3) == pytest.approx(0.7)
    assert strategies.one_issue_offer(1.0, 0.0, 2.0, 0.3) == pytest.approx(math.sqrt(0.7))
    assert strategies.one_issue_offer(0.2, 0.0, 1.0, 0.3) == pytest.approx(0.2)  # ideal suffices


def _first_share(d1: float, d2: float, horizon: int) -> float:
    offers, _ = strategies.equilibrium_path((1.0, 0.0), (1.0, 1.0), (d1, d2), (0.5, 0.5), horizon)
    return offers[0]


def test_equilibrium_last_round_proposer_offers_only_the_discounted_reversion() -> None:
    # T = 1: the responder's alternative is the reversion 0.5 one round later -> needs δ2 * 0.5.
    assert _first_share(0.9, 0.8, 1) == pytest.approx(1 - 0.8 * 0.5)


@pytest.mark.parametrize(("d1", "d2"), [(0.9, 0.9), (0.95, 0.8), (0.6, 0.99)])
def test_equilibrium_first_offer_approaches_rubinstein_as_horizon_grows(
    d1: float, d2: float
) -> None:
    rubinstein = (1 - d2) / (1 - d1 * d2)
    errors = [abs(_first_share(d1, d2, t) - rubinstein) for t in (10, 40, 160, 640)]
    assert errors[-1] < 1e-6
    assert all(later <= earlier + 1e-12 for earlier, later in itertools.pairwise(errors))


@given(st.floats(0.05, 0.999), st.floats(0.05, 0.999), st.integers(1, 60))
def test_equilibrium_shares_are_a_split_of_the_pie(d1: float, d2: float, horizon: int) -> None:
    offers, values = strategies.equilibrium_path(
        (1.0, 0.0), (1.0, 1.0), (d1, d2), (0.5, 0.5), horizon
    )
    assert 0.0 <= offers[0] <= 1.0
    assert values[0][0] + values[0][1] == pytest.approx(1.0)


def test_a_shading_proposer_concedes_its_margin_by_hand() -> None:
    # Two-sided noise of s.d. 0.03 and 0.04: margin 2·√(0.03² + 0.04²) = 0.1.
    assert strategies.safety_margin((0.03, 0.04)) == pytest.approx(0.1)
    assert strategies.safety_margin((0.0, 0.0)) == 0.0
    # One round, linear pie (ideals 1 and 0), reversion worth 0.5 to the responder: the exact
    # offer leaves it δ·0.5 = 0.45, x = 0.55; the margin moves x by 0.1 toward the responder.
    exact, _ = strategies.equilibrium_path((1.0, 0.0), (1.0, 1.0), (0.9, 0.9), (0.5, 0.5), 1)
    shaded, values = strategies.equilibrium_path(
        (1.0, 0.0), (1.0, 1.0), (0.9, 0.9), (0.5, 0.5), 1, margin=0.1
    )
    assert exact[0] == pytest.approx(0.55) and shaded[0] == pytest.approx(0.45)
    assert values[0] == pytest.approx((0.45, 0.55))
    # Never past the responder's ideal.
    assert strategies.one_issue_offer(1.0, 0.0, 1.0, 0.95, margin=0.5) == pytest.approx(0.0)
