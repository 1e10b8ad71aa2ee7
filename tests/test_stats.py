"""Statistics over stored runs, checked against published tables, hand formulas and simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.stats as stats_module
from sim.stats import (
    bootstrap_mean_interval,
    describe_difference,
    describe_mean,
    describe_proportion,
    mean_difference_interval,
    outcome_probability,
    proportion_difference_interval,
    summarise,
    wilson_interval,
)

Z95 = 1.959963984540054  # Φ⁻¹(0.975)


def _wilson_by_hand(s: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) written out: (2np̂ + z² ± z√(z² + 4np̂q̂)) / (2(n + z²))."""
    p = s / n
    root = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    return (2 * n * p + z * z - root) / (2 * (n + z * z)), (2 * n * p + z * z + root) / (
        2 * (n + z * z)
    )


# --- Wilson -----------------------------------------------------------------------------------

# Newcombe (1998a) Stat Med 17:857, Table I, method 3 (score interval without continuity correction).
NEWCOMBE_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("s", "n", "lo", "hi"), NEWCOMBE_TABLE_I)
def test_wilson_matches_newcombe_table_i_and_the_hand_formula(
    s: int, n: int, lo: float, hi: float
) -> None:
    got = wilson_interval(s, n)
    hand = _wilson_by_hand(s, n)
    assert hand == pytest.approx((lo, hi), abs=5e-5)  # the published values are what we think
    assert got == pytest.approx((lo, hi), abs=5e-5)
    assert got == pytest.approx(hand, abs=1e-12)


def test_wilson_zero_successes_has_closed_form_upper_bound() -> None:
    # With s = 0 the score interval is [0, z²/(n + z²)].
    for n in (1, 4, 50, 1000):
        lo, hi = wilson_interval(0, n)
        assert lo == 0.0
        assert hi == pytest.approx(Z95**2 / (n + Z95**2), rel=1e-12)
        lo, hi = wilson_interval(n, n)
        assert hi == 1.0
        assert lo == pytest.approx(n / (n + Z95**2), rel=1e-12)


def test_wilson_agrees_with_scipy_and_vectorises() -> None:
    from scipy.stats import binomtest

    s = np.array([0, 3, 17, 50, 99])
    n = np.array([10, 10, 40, 100, 99])
    lo, hi = wilson_interval(s, n, confidence=0.9)
    for i in range(len(s)):
        ci = binomtest(int(s[i]), int(n[i])).proportion_ci(confidence_level=0.9, method="wilson")
        assert (lo[i], hi[i]) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_wilson_with_no_runs_is_nan_and_bad_counts_are_refused() -> None:
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
    with pytest.raises(ValueError):
        wilson_interval(1, 4, confidence=1.0)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 100_000),
    frac=st.floats(0, 1),
    c1=st.floats(0.5, 0.99),
    c2=st.floats(0.5, 0.99),
)
def test_wilson_bounds_are_proportions_contain_the_estimate_and_widen(
    n: int, frac: float, c1: float, c2: float
) -> None:
    s = round(frac * n)
    lo1, hi1 = wilson_interval(s, n, c1)
    lo2, hi2 = wilson_interval(s, n, c2)
    assert 0.0 <= lo1 <= s / n <= hi1 <= 1.0
    if c1 <= c2:
        assert lo2 <= lo1 + 1e-12 and hi1 <= hi2 + 1e-12
    else:
        assert lo1 <= lo2 + 1e-12 and hi2 <= hi1 + 1e-12


# --- Newcombe difference ------------------------------------------------------------------------

# Newcombe (1998b) Stat Med 17:873, Table II, method 10 (hybrid score, no continuity correction).
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
]


@pytest.mark.parametrize(("s1", "n1", "s2", "n2", "lo", "hi"), NEWCOMBE_TABLE_II)
def test_difference_matches_newcombe_table_ii_method_10(
    s1: int, n1: int, s2: int, n2: int, lo: float, hi: float
) -> None:
    d, got_lo, got_hi = proportion_difference_interval(s1, n1, s2, n2)
    assert d == pytest.approx(s1 / n1 - s2 / n2, abs=1e-15)
    assert (got_lo, got_hi) == pytest.approx((lo, hi), abs=5e-5)
    # And the hybrid formula recomputed here from the hand-written Wilson bounds.
    p1, p2 = s1 / n1, s2 / n2
    (l1, u1), (l2, u2) = _wilson_by_hand(s1, n1), _wilson_by_hand(s2, n2)
    assert got_lo == pytest.approx(d - math.hypot(p1 - l1, u2 - p2), abs=1e-12)
    assert got_hi == pytest.approx(d + math.hypot(u1 - p1, p2 - l2), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    n1=st.integers(1, 500),
    n2=st.integers(1, 500),
    f1=st.floats(0, 1),
    f2=st.floats(0, 1),
)
def test_difference_interval_contains_estimate_and_widens(
    n1: int, n2: int, f1: float, f2: float
) -> None:
    s1, s2 = round(f1 * n1), round(f2 * n2)
    d, lo, hi = proportion_difference_interval(s1, n1, s2, n2, confidence=0.9)
    _, lo99, hi99 = proportion_difference_interval(s1, n1, s2, n2, confidence=0.99)
    assert -1.0 <= lo99 <= lo + 1e-12 <= d + 2e-12 <= hi + 3e-12 <= hi99 + 4e-12 <= 1.0 + 4e-12


# --- bootstrap ----------------------------------------------------------------------------------


def _coverage(draw, true_mean: float, datasets: int, seed: int) -> float:
    """Share of simulated datasets whose 95% percentile-bootstrap interval covers the true mean."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(datasets):
        lo, hi = bootstrap_mean_interval(draw(rng), n_boot=1000, rng=rng)
        hits += lo <= true_mean <= hi
    return hits / datasets


def test_bootstrap_coverage_normal_data() -> None:
    cover = _coverage(lambda r: r.normal(3.0, 2.0, 40), 3.0, datasets=300, seed=11)
    assert 0.90 <= cover <= 0.99


def test_bootstrap_coverage_skewed_exponential_data() -> None:
    # The percentile interval under-covers a little for skewed data at moderate n (≈0.93 at n=60).
    cover = _coverage(lambda r: r.exponential(1.0, 60), 1.0, datasets=300, seed=12)
    assert 0.90 <= cover <= 0.99


def test_bootstrap_matches_normal_theory_for_large_samples() -> None:
    # For n = 2000 the bootstrap mean is nearly normal with sd s/√n (Efron & Tibshirani 1993 §13.3).
    x = np.random.default_rng(5).normal(0.0, 1.0, 2000)
    se = x.std(ddof=0) / math.sqrt(x.size)
    lo, hi = bootstrap_mean_interval(x, n_boot=4000, rng=1)
    assert lo == pytest.approx(x.mean() - Z95 * se, abs=0.15 * se)
    assert hi == pytest.approx(x.mean() + Z95 * se, abs=0.15 * se)


def test_bootstrap_is_reproducible_and_chunking_keeps_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = np.random.default_rng(3).exponential(2.0, 500)
    assert bootstrap_mean_interval(x, rng=7) == bootstrap_mean_interval(x, rng=7)
    assert bootstrap_mean_interval(x) == bootstrap_mean_interval(x)  # None is a fixed seed
    whole = bootstrap_mean_interval(x, n_boot=4000, rng=7)
    monkeypatch.setattr(stats_module, "_BOOT_CHUNK", 1700)  # batches of 3 resamples of 500
    chunked = bootstrap_mean_interval(x, n_boot=4000, rng=8)
    se = x.std() / math.sqrt(x.size)
    assert chunked == pytest.approx(whole, abs=0.1 * se)


def test_small_samples_get_the_bca_interval_written_out_by_hand() -> None:
    # Efron & Tibshirani (1993) eq. 14.9-14.15 on the same bootstrap distribution: bias
    # correction z0 from the share of resampled means below the mean, acceleration a from the
    # jackknife, and the adjusted percentiles Φ(z0 + (z0 + z)/(1 − a(z0 + z))).
    from scipy.stats import bootstrap, norm

    x = np.random.default_rng(8).exponential(1.0, 30)  # skewed, so BCa and percentile differ
    boot = bootstrap((x,), np.mean, n_resamples=2000, method="percentile",
                     rng=np.random.default_rng(4)).bootstrap_distribution  # fmt: skip
    z0 = norm.ppf(np.mean(boot < x.mean()))
    jack = (x.sum() - x) / (x.size - 1)
    d = jack.mean() - jack
    a = (d**3).sum() / (6 * ((d**2).sum()) ** 1.5)
    levels = [norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in (-Z95, Z95)]
    hand = tuple(np.percentile(boot, [100 * q for q in levels]))
    got = bootstrap_mean_interval(x, n_boot=2000, rng=np.random.default_rng(4))
    assert got == pytest.approx(hand, rel=1e-9)
    percentile = tuple(np.percentile(boot, [2.5, 97.5]))
    assert got[1] > percentile[1]  # right skew moves the interval up


def test_large_samples_use_the_percentile_interval() -> None:
    from scipy.stats import bootstrap

    x = np.random.default_rng(9).exponential(1.0, stats_module.BCA_MAX + 1)
    boot = bootstrap((x,), np.mean, n_resamples=500, method="percentile",
                     rng=np.random.default_rng(5)).bootstrap_distribution  # fmt: skip
    got = bootstrap_mean_interval(x, n_boot=500, rng=np.random.default_rng(5))
    assert got == pytest.approx(tuple(np.percentile(boot, [2.5, 97.5])), rel=1e-9)


def test_constant_data_give_a_point_interval() -> None:
    assert bootstrap_mean_interval([0.5] * 12) == (0.5, 0.5)
    assert mean_difference_interval([1.0] * 5, [0.25] * 7) == (0.75, 0.75, 0.75)


def test_bootstrap_refuses_empty_or_nan_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        bootstrap_mean_interval([])
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_mean_interval([1.0, math.nan])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_bootstrap_interval_lies_within_the_data_and_widens(values: list[float], seed: int) -> None:
    lo90, hi90 = bootstrap_mean_interval(values, confidence=0.9, n_boot=300, rng=seed)
    lo99, hi99 = bootstrap_mean_interval(values, confidence=0.99, n_boot=300, rng=seed)
    tol = 1e-9 * (1 + max(abs(v) for v in values))
    assert min(values) - tol <= lo99 <= lo90 + tol and lo90 <= hi90 + tol
    assert hi90 <= hi99 + tol and hi99 <= max(values) + tol


def test_mean_difference_interval_covers_the_true_difference() -> None:
    rng = np.random.default_rng(21)
    hits = 0
    for _ in range(200):
        a, b = rng.normal(1.0, 1.0, 40), rng.exponential(0.5, 50)  # true difference 0.5
        d, lo, hi = mean_difference_interval(a, b, n_boot=1000, rng=rng)
        assert d == pytest.approx(a.mean() - b.mean())
        assert lo <= d <= hi
        hits += lo <= 0.5 <= hi
    assert 0.90 <= hits / 200 <= 0.99


# --- summarise and outcome_probability ----------------------------------------------------------


def _runs() -> pd.DataFrame:
    """Three design points: 5 ok + 1 failed, 4 ok + 2 failed, and 1 failed only; rows interleaved."""
    p0 = {
        "agreed": [True, True, True, False, False],
        "issue.basing.value": [0.0, 0.25, 0.5, 0.75, 1.0],
        "issue.basing.agreed": [True, True, True, True, False],
        "issue.extradition.value": [0.2] * 5,
        "issue.extradition.agreed": [True, True, True, False, False],
        "utility.russia": [1.0, 2.0, 3.0, 4.0, 5.0],
        "utility.syria": [0.0, 0.0, 0.0, 0.0, 1.0],
        "utility_discounted.russia": [0.5, 1.0, 1.5, 2.0, 2.5],
        "utility_discounted.syria": [0.0] * 5,
        "rounds_used": [1, 2, 3, 10, 10],
        "nash_distance": [0.1, math.nan, 0.3, math.nan, math.nan],
    }
    p1 = {
        "agreed": [False] * 4,
        "issue.basing.value": [0.9, 0.8, 0.7, 0.6],
        "issue.basing.agreed": [False] * 4,
        "issue.extradition.value": [0.0, 0.0, 1.0, 1.0],
        "issue.extradition.agreed": [True, False, False, False],
        "utility.russia": [0.0] * 4,
        "utility.syria": [-1.0, 1.0, -1.0, 1.0],
        "utility_discounted.russia": [0.0] * 4,
        "utility_discounted.syria": [0.0] * 4,
        "rounds_used": [20] * 4,
        "nash_distance": [math.nan] * 4,
    }
    garbage = {k: (True if k.endswith("agreed") else 99.0) for k in p0}
    rows = []
    for point, x, block in ((0, 0.1, p0), (1, 0.9, p1)):
        for rep in range(len(block["agreed"])):
            row = {k: v[rep] for k, v in block.items()}
            rows.append({"point": point, "param.x": x, "rep": rep, "status": "ok", **row})
    failed = {"status": "failed", "error": "boom", "rep": 9, **garbage}
    rows.insert(1, {"point": 1, "param.x": 0.9, **failed})
    rows.insert(3, {"point": 0, "param.x": 0.1, **failed})
    rows.append({"point": 1, "param.x": 0.9, **failed})
    rows.append({"point": 2, "param.x": 0.5, **failed})
    df = pd.DataFrame(rows)
    df.insert(0, "scenario", "baseline")
    df["seed"] = range(len(df))
    df["round"] = -1
    df["breakdown"] = ""
    df["proposer"] = ""
    df["events"] = "[]"
    df["error"] = df["error"].fillna("")
    return df


def test_summarise_hand_made_runs_with_failures() -> None:
    out = summarise(_runs()).set_index("point")
    assert list(out.index) == [0, 1, 2]
    assert list(out["param.x"]) == [0.1, 0.9, 0.5]
    assert list(out["n"]) == [6, 6, 1]
    assert list(out["n_failed"]) == [1, 2, 1]
    assert list(out["n_ok"]) == [5, 4, 0]

    r = out.loc[0]
    assert r["p_agreed"] == pytest.approx(3 / 5)
    assert (r["p_agreed_lo"], r["p_agreed_hi"]) == pytest.approx(_wilson_by_hand(3, 5))
    assert r["p_agreed.basing"] == pytest.approx(4 / 5)
    assert (r["p_agreed_lo.basing"], r["p_agreed_hi.basing"]) == pytest.approx(
        _wilson_by_hand(4, 5)
    )
    assert r["p_agreed.extradition"] == pytest.approx(3 / 5)
    # Five equally spaced values 0..1: linear quantile q equals q itself.
    assert r["issue.basing.value.mean"] == pytest.approx(0.5)
    for q, label in ((0.05, "q5"), (0.25, "q25"), (0.5, "q50"), (0.75, "q75"), (0.95, "q95")):
        assert r[f"issue.basing.value.{label}"] == pytest.approx(q)
        assert r[f"issue.extradition.value.{label}"] == pytest.approx(0.2)
    assert r["utility.russia.mean"] == pytest.approx(3.0)
    assert r["utility.russia.q5"] == pytest.approx(1.2)  # 1 + 0.05·4
    assert r["utility.syria.q95"] == pytest.approx(0.8)  # position 3.8: 0.8 of the way 0 → 1
    assert r["utility_discounted.russia.mean"] == pytest.approx(1.5)
    assert r["rounds_used.mean"] == pytest.approx(26 / 5)
    assert r["nash_distance.mean"] == pytest.approx(0.2)  # NaN are runs without a Nash point

    r = out.loc[1]
    assert r["p_agreed"] == 0.0
    assert r["p_agreed_lo"] == 0.0
    assert r["p_agreed_hi"] == pytest.approx(Z95**2 / (4 + Z95**2))
    assert r["p_agreed.extradition"] == pytest.approx(1 / 4)
    assert r["issue.basing.value.mean"] == pytest.approx(0.75)
    assert r["issue.basing.value.q50"] == pytest.approx(0.75)
    assert r["issue.extradition.value.q25"] == pytest.approx(0.0)
    assert r["utility.syria.mean"] == pytest.approx(0.0)
    assert r["rounds_used.mean"] == pytest.approx(20.0)
    assert math.isnan(r["nash_distance.mean"])

    r = out.loc[2]
    for col in ("p_agreed", "p_agreed_lo", "issue.basing.value.mean", "utility.russia.q50"):
        assert math.isnan(r[col]), col


def test_summarise_keeps_scenarios_apart_and_names_custom_quantiles() -> None:
    a = _runs()
    b = _runs().assign(scenario="hardline", **{"issue.basing.value": 0.0})
    out = summarise(pd.concat([a, b], ignore_index=True), quantiles=(0.025, 0.5))
    assert len(out) == 6
    assert {"issue.basing.value.q2_5", "issue.basing.value.q50"} <= set(out.columns)
    hard = out[(out["scenario"] == "hardline") & (out["point"] == 0)].iloc[0]
    base = out[(out["scenario"] == "baseline") & (out["point"] == 0)].iloc[0]
    assert hard["issue.basing.value.mean"] == 0.0
    assert base["issue.basing.value.mean"] == pytest.approx(0.5)


def test_outcome_probability_counts_completed_runs_only() -> None:
    runs = _runs()
    point0 = runs[runs["point"] == 0]
    p, lo, hi = outcome_probability(point0, "basing", at_least=0.5)
    assert p == pytest.approx(3 / 5)  # 0.5, 0.75, 1.0; the failed row's 99 is left out
    assert (lo, hi) == pytest.approx(_wilson_by_hand(3, 5))
    p, _, _ = outcome_probability(point0, "issue.basing.value", at_least=0.25, at_most=0.75)
    assert p == pytest.approx(3 / 5)
    p, _, _ = outcome_probability(runs, "basing", at_least=0.7)
    assert p == pytest.approx(5 / 9)  # 0.75, 1.0 at point 0; 0.9, 0.8, 0.7 at point 1
    with pytest.raises(KeyError, match="basing"):
        outcome_probability(runs, "tartus", at_least=0.5)


# --- plain language -----------------------------------------------------------------------------


def test_describe_proportion_and_difference() -> None:
    assert describe_proportion(0.617, 0.589, 0.648) == "62% (95% CI 59–65%)"
    assert describe_proportion(0.5, 0.4, 0.6, confidence=0.9, digits=1) == (
        "50.0% (90% CI 40.0–60.0%)"
    )
    assert describe_proportion(math.nan, math.nan, math.nan) == "no completed runs"
    # 80 of 4,000 (Wilson 1.6–2.5%) would print "2% (95% CI 2–2%)": a decimal more, not a point.
    assert describe_proportion(80 / 4000, *wilson_interval(80, 4000)) == "2.0% (95% CI 1.6–2.5%)"
    assert describe_proportion(0.0, 0.0, 0.0) == "0% (95% CI 0–0%)"  # a true point stays one
    # A mean whose interval prints as one number at two decimals gets a third.
    assert describe_mean(0.632, 0.621, 0.644) == "0.63 (95% CI 0.62–0.64)"
    assert describe_mean(0.8521, 0.8484, 0.8549) == "0.852 (95% CI 0.848–0.855)"
    assert describe_mean(0.5, 0.5, 0.5) == "0.50 (95% CI 0.50–0.50)"
    assert describe_difference(0.62, 0.41, 0.21, 0.18, 0.24) == (
        "0.62 vs 0.41, difference 0.21 [0.18, 0.24]"
    )
    d, lo, hi = proportion_difference_interval(56, 70, 48, 80)
    assert describe_difference(56 / 70, 48 / 80, d, lo, hi) == (
        "0.80 vs 0.60, difference 0.20 [0.05, 0.33]"
    )
    # Rounded a and b must subtract to the rounded difference: 0.6154 − 0.5644 read as
    # "0.62 vs 0.56, difference 0.05" until a and b took a decimal more.
    assert describe_difference(0.6154, 0.5644, 0.051, 0.01, 0.09) == (
        "0.615 vs 0.564, difference 0.05 [0.01, 0.09]"
    )


def test_numbers_never_print_negative_zero_and_digits_follow_the_interval() -> None:
    assert stats_module.number(-0.001, 2) == "0.00" and stats_module.number(-0.006, 2) == "-0.01"
    assert stats_module.difference_digits(0.24, 0.29) == 2
    assert stats_module.difference_digits(0.001, 0.007) == 3
    assert stats_module.difference_digits(-0.0002, 0.0001) == 4
    assert stats_module.difference_digits(0.5, 0.5) == 2  # no width: the default


def test_significance_is_judged_at_the_printed_precision() -> None:
    significant = stats_module.significant
    assert significant(0.005, 0.001, 0.009, digits=3)  # '0.005 [0.001, 0.009]'
    assert not significant(0.005, 0.001, 0.009, digits=2)  # '0.01 [0.00, 0.01]'
    assert significant(-0.2, -0.3, -0.1, digits=2)
    assert not significant(0.0, 0.01, 0.02, digits=2)  # exactly zero is never a difference
    assert describe_difference(1.0, 1.0, 0.0, -0.031, 0.044) == (
        "1.00 vs 1.00, no difference [-0.03, 0.04]"
    )
    assert describe_difference(0.004, 0.0, 0.004, 0.001, 0.007) == (
        "0.004 vs 0.000, difference 0.004 [0.001, 0.007]"
    )
    assert "-0.00" not in describe_difference(0.5, 0.5001, -0.0001, -0.02, 0.02)
