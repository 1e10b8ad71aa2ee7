"""Analytic references for a negotiation: bargaining solutions and equilibrium shares (pure numpy)."""

from sim.analysis.shares import (
    BFShares,
    baron_ferejohn_shares,
    finite_horizon_offers,
    finite_horizon_shares,
    rubinstein_shares,
)
from sim.analysis.solutions import (
    kalai_smorodinsky,
    nash_solution,
    pareto_mask,
    utilitarian,
    utility_distance,
)

__all__ = [
    "BFShares",
    "baron_ferejohn_shares",
    "finite_horizon_offers",
    "finite_horizon_shares",
    "kalai_smorodinsky",
    "nash_solution",
    "pareto_mask",
    "rubinstein_shares",
    "utilitarian",
    "utility_distance",
]
