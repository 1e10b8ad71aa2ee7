"""Payoff maths against hand-computed values."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim import payoffs


def test_utility_by_hand_linear_and_quadratic_with_linkage() -> None:
    # Two issues, two actors. Actor 0: ideal (1, 0), saliences (3, 1) -> weights (.75, .25), ρ = 1,
    # linkage γ(0,1) = 0.2. Actor 1: ideal (0.5, 0.5), weights (.5, .5), ρ = 2.
    package = np.array([[0.6, 0.2]])
    ideal = np.array([[1.0, 0.0], [0.5, 0.5]])
    weight = payoffs.normalise_saliences(np.array([[3.0, 1.0], [2.0, 2.0]]))
    gamma = np.zeros((2, 2, 2))
    gamma[0, 0, 1] = 0.2
    u = payoffs.utilities(package, ideal, weight, np.array([1.0, 2.0]), gamma)
    # actor 0: .75*(1-.4) + .25*(1-.2) + .2*.6*.2 = .45 + .2 + .024
    # actor 1: .5*(1-.1**2) + .5*(1-.3**2) = .495 + .455
    np.testing.assert_allclose(u[0], [0.674, 0.95], atol=1e-12)


def test_saliences_normalise_per_actor_and_zero_rows_stay_zero() -> None:
    w = payoffs.normalise_saliences(np.array([[2.0, 2.0, 4.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(w, [[0.25, 0.25, 0.5], [0, 0, 0]])


def test_disagreement_is_the_higher_of_reversion_and_outside_option() -> None:
    d = payoffs.disagreement_payoffs(np.array([0.3, 0.6, 0.2]), np.array([0.5, 0.4, np.nan]))
    np.testing.assert_allclose(d, [0.5, 0.6, 0.2])


def test_discounting() -> None:
    np.testing.assert_allclose(
        payoffs.discounted(np.array([1.0, 0.5]), np.array([0.9, 0.5]), 2), [0.81, 0.125]
    )


def test_package_grid_varies_open_issues_only() -> None:
    grid = payoffs.package_grid(3, np.array([np.nan, 0.7, np.nan]))
    assert grid.shape == (9, 3)
    assert np.all(grid[:, 1] == 0.7)
    assert {tuple(r) for r in grid[:, [0, 2]]} == {(a, b) for a in (0, 0.5, 1) for b in (0, 0.5, 1)}


@given(
    ideal=arrays(float, (3, 4), elements=st.floats(0, 1)),
    salience=arrays(float, (3, 4), elements=st.floats(0.01, 10)),
    rho=arrays(float, 3, elements=st.sampled_from([1.0, 2.0, 0.5, 3.0])),
    packages=arrays(float, (20, 4), elements=st.floats(0, 1)),
)
def test_without_linkage_the_ideal_package_is_worth_one_and_nothing_more(
    ideal: np.ndarray, salience: np.ndarray, rho: np.ndarray, packages: np.ndarray
) -> None:
    weight = payoffs.normalise_saliences(salience)
    at_ideal = payoffs.utilities(ideal, ideal, weight, rho)  # row i is actor i's ideal package
    np.testing.assert_allclose(np.diag(at_ideal), 1.0, atol=1e-12)
    u = payoffs.utilities(packages, ideal, weight, rho)
    assert np.all(u <= 1.0 + 1e-12) and np.all(u >= -1e-12)


@given(
    ideal=arrays(float, (3, 4), elements=st.floats(0, 1)),
    salience=arrays(float, (3, 4), elements=st.floats(0.01, 10)),
    rho=arrays(float, 3, elements=st.sampled_from([1.0, 2.0, 0.7])),
    gamma=arrays(float, (3, 4, 4), elements=st.floats(-1, 1)),
    levels=st.integers(2, 5),
)
def test_grid_utilities_equal_the_direct_computation(ideal, salience, rho, gamma, levels) -> None:
    weight = payoffs.normalise_saliences(salience)
    grid = payoffs.package_grid(levels, np.full(4, np.nan))
    direct = payoffs.utilities(grid, ideal, weight, rho, gamma)
    np.testing.assert_allclose(
        payoffs.grid_utilities(levels, ideal, weight, rho, gamma), direct, atol=1e-12
    )
