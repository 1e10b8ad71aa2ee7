"""Summaries and intervals over stored runs: Wilson, Newcombe and bootstrap intervals, per-point tables.

The intervals come from statsmodels (Wilson, Newcombe) and scipy.stats.bootstrap; this module
chooses among them and handles the edge cases. Pure numpy/pandas/scipy/statsmodels (no Mesa, no
plotting). The results-store row contract is the one
written by `sim.record.RunRecord.row()` plus the sweep's `point`, `rep`, `status`, `error` and
`param.*` columns.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# Largest number of resampled values held in memory at once by the bootstrap (~32 MB of float64).
_BOOT_CHUNK = 1 << 22
# Largest sample for BCa: its jackknife costs n² operations, and beyond a thousand values the
# percentile interval of a mean agrees with BCa to within the resampling error.
BCA_MAX = 1000


def _alpha(confidence: float) -> float:
    """1 − confidence, refusing levels outside (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return 1.0 - confidence


def wilson_interval(
    successes: float | np.ndarray, n: float | np.ndarray, confidence: float = 0.95
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval for a binomial proportion (Newcombe 1998a, method 3), by
    statsmodels' `proportion_confint(method="wilson")`.

    Accepts scalars or broadcastable arrays; returns floats for scalars. Bounds are pinned to 0
    and 1 at p̂ = 0 and 1 and clipped to [0, 1] against rounding; n = 0 gives NaN bounds (no
    runs, no information to summarise).
    """
    from statsmodels.stats.proportion import proportion_confint

    s = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(m < 0) or np.any(s < 0) or np.any(s > m):
        raise ValueError("wilson_interval needs 0 <= successes <= n")
    alpha = _alpha(confidence)
    s, m = np.broadcast_arrays(s, m)
    safe = np.where(m > 0, m, 1.0)  # statsmodels divides by n; n = 0 is masked below
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = proportion_confint(s, safe, alpha=alpha, method="wilson")
    lo = np.where(s == 0, 0.0, np.clip(lo, 0.0, 1.0))
    hi = np.where(s == m, 1.0, np.clip(hi, 0.0, 1.0))
    lo, hi = np.where(m > 0, lo, np.nan), np.where(m > 0, hi, np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def proportion_difference_interval(
    s1: float, n1: float, s2: float, n2: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """p1 − p2 with Newcombe's (1998b) hybrid score interval (method 10), by statsmodels'
    `confint_proportions_2indep(method="newcomb")`.

    Returns (difference, lo, hi); L = d − √((p1−l1)² + (u2−p2)²), U = d + √((u1−p1)² + (p2−l2)²)
    with (l, u) the Wilson bounds of each proportion.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    if n1 <= 0 or n2 <= 0:
        raise ValueError("proportion_difference_interval needs n1 > 0 and n2 > 0")
    lo, hi = confint_proportions_2indep(
        s1, n1, s2, n2, method="newcomb", compare="diff", alpha=_alpha(confidence)
    )
    d = s1 / n1 - s2 / n2
    return float(d), float(max(lo, -1.0)), float(min(hi, 1.0))


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A generator from a seed; None means the fixed seed 0, so reports are reproducible."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(0 if rng is None else rng)


def _finite_array(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    """Values as a 1-D float array, refusing empty or non-finite input with an actionable message."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise ValueError(f"{name} is empty: nothing to bootstrap")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinite values; drop them first (e.g. .dropna())")
    return x


def _bootstrap(samples: tuple[np.ndarray, ...], statistic, confidence: float, n_boot: int, rng):
    """scipy.stats.bootstrap of independent samples: BCa up to BCA_MAX values per sample, the
    percentile interval beyond (and wherever BCa is undefined), in memory-bounded batches."""
    from scipy.stats import bootstrap

    alpha = _alpha(confidence)
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    largest = max(x.size for x in samples)
    if all(np.ptp(x) == 0 for x in samples):  # nothing varies: the statistic is what it is
        value = float(statistic(*samples, axis=-1))
        return value, value
    batch = max(1, _BOOT_CHUNK // largest)
    gen = _generator(rng)
    kwargs = dict(confidence_level=1 - alpha, n_resamples=n_boot, vectorized=True, rng=gen,
                  batch=batch, paired=False)  # fmt: skip
    method = "BCa" if largest <= BCA_MAX and n_boot > 1 else "percentile"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns when BCa is undefined; we fall back below
        ci = bootstrap(samples, statistic, method=method, **kwargs).confidence_interval
        if method == "BCa" and not (np.isfinite(ci.low) and np.isfinite(ci.high)):
            ci = bootstrap(samples, statistic, method="percentile", **kwargs).confidence_interval
    return float(ci.low), float(ci.high)


def bootstrap_mean_interval(
    values: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    n_boot: int = 2000,
    rng: np.random.Generator | int | None = None,
) -> tuple[float, float]:
    """Bootstrap interval for a mean by scipy.stats.bootstrap: BCa (Efron & Tibshirani 1993,
    ch. 14) up to BCA_MAX values, where its skewness correction matters; percentile beyond.

    Seeded (None → seed 0) so the same data give the same interval.
    """
    x = _finite_array(values, "values")
    return _bootstrap((x,), np.mean, confidence, n_boot, rng)


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def mean_difference_interval(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    n_boot: int = 2000,
    rng: np.random.Generator | int | None = None,
) -> tuple[float, float, float]:
    """mean(a) − mean(b) with a bootstrap interval resampling each group independently
    (Efron & Tibshirani 1993, §16.2; BCa or percentile as in `bootstrap_mean_interval`).

    Returns (difference, lo, hi).
    """
    xa = _finite_array(a, "a")
    xb = _finite_array(b, "b")
    lo, hi = _bootstrap((xa, xb), _mean_difference, confidence, n_boot, rng)
    return float(xa.mean() - xb.mean()), lo, hi


def _names(columns: pd.Index, prefix: str, suffix: str = "") -> list[str]:
    """The <name> parts of columns spelled prefix<name>suffix, in column order."""
    out = []
    for c in columns:
        if c.startswith(prefix) and c.endswith(suffix) and len(c) > len(prefix) + len(suffix):
            out.append(c[len(prefix) : len(c) - len(suffix)])
    return out


def _qlabel(q: float) -> str:
    """Column label of a quantile: 0.05 → 'q5', 0.5 → 'q50', 0.025 → 'q2_5'."""
    return "q" + f"{round(q * 100, 6):g}".replace(".", "_")


def _ok_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """The rows that completed (status "ok"); a frame without `status` counts as all ok."""
    if "status" not in runs.columns:
        return runs
    return runs[runs["status"] == "ok"]


def _rate(flags: pd.Series, suffix: str, confidence: float) -> dict[str, float]:
    """Share of true flags with Wilson bounds, as the p_agreed<suffix> summary columns."""
    n = len(flags)
    k = int(flags.astype(bool).sum())
    lo, hi = wilson_interval(k, n, confidence)
    return {
        f"p_agreed{suffix}": k / n if n else math.nan,
        f"p_agreed_lo{suffix}": lo,
        f"p_agreed_hi{suffix}": hi,
    }


def summarise(
    runs: pd.DataFrame,
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per design point: run counts, agreement rates with Wilson (1927) bounds, outcome moments.

    Groups by `scenario` (when present) and `point`; failed rows count in `n_failed` only.
    Columns, flat:
      scenario, point, param.<path>     the design point (parameters taken from its first row)
      n, n_failed, n_ok                 runs stored, failed, and used for every statistic below
      p_agreed, p_agreed_lo, p_agreed_hi            share of full agreements, Wilson bounds
      p_agreed.<issue>, p_agreed_lo.<issue>, p_agreed_hi.<issue>   share with that issue agreed
      issue.<k>.value.mean, issue.<k>.value.<q>     mean and quantiles (q5, q25, q50, …)
      p_option.<issue>.<option>         on an issue of named options (rows with issue.<k>.option),
                                        the share of runs ending at each option, instead of
                                        the mean and quantiles, which options do not have
      utility.<a>.mean, utility.<a>.<q>             each actor's undiscounted utility
      utility_discounted.<a>.mean                   each actor's discounted utility
      rounds_used.mean, nash_distance.mean          the latter ignores NaN (no Nash point)
      equilibrium_distance.mean         for two equilibrium players: distance to the discounted
                                        game's subgame-perfect agreement
    Quantiles use numpy's default linear interpolation; a point with n_ok = 0 gets NaN statistics.
    """
    import pandas as pd

    if "point" not in runs.columns:
        raise ValueError("summarise needs a 'point' column (the design-point index)")
    keys = [k for k in ("scenario", "point") if k in runs.columns]
    cols = runs.columns
    params = [c for c in cols if c.startswith("param.")]
    issues = _names(cols, "issue.", ".value")
    issue_flags = [k for k in issues if f"issue.{k}.agreed" in cols]
    named = [k for k in issues if f"issue.{k}.option" in cols]
    options = {k: sorted(runs[f"issue.{k}.option"].dropna().unique()) for k in named}
    actors = _names(cols, "utility.")
    disc = _names(cols, "utility_discounted.")
    qs = [float(q) for q in quantiles]
    labels = [_qlabel(q) for q in qs]

    rows = []
    for key, group in runs.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        ok = _ok_rows(group)
        n_ok = len(ok)
        row: dict[str, object] = dict(zip(keys, key, strict=True))
        row.update({p: group[p].iloc[0] for p in params})
        row.update(n=len(group), n_failed=len(group) - n_ok, n_ok=n_ok)

        if "agreed" in cols:
            row.update(_rate(ok["agreed"], "", confidence))
        for k in issue_flags:
            row.update(_rate(ok[f"issue.{k}.agreed"], f".{k}", confidence))
        for k in named:
            ends = ok[f"issue.{k}.option"]
            for option in options[k]:
                row[f"p_option.{k}.{option}"] = (ends == option).mean() if n_ok else math.nan
        plain = [k for k in issues if k not in named]
        for col in [f"issue.{k}.value" for k in plain] + [f"utility.{a}" for a in actors]:
            x = ok[col].to_numpy(dtype=float)
            x = x[~np.isnan(x)]
            row[f"{col}.mean"] = x.mean() if x.size else math.nan
            qv = np.quantile(x, qs) if x.size else [math.nan] * len(qs)
            row.update({f"{col}.{lab}": float(v) for lab, v in zip(labels, qv, strict=True)})
        for a in disc:
            row[f"utility_discounted.{a}.mean"] = ok[f"utility_discounted.{a}"].mean()
        for col in ("rounds_used", "nash_distance", "equilibrium_distance"):
            if col in cols:
                row[f"{col}.mean"] = ok[col].astype(float).mean() if n_ok else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def outcome_probability(
    runs: pd.DataFrame,
    issue: str,
    at_least: float,
    at_most: float = math.inf,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Share of completed runs whose issue value lies in [at_least, at_most], with Wilson bounds.

    E.g. P(Russian basing ≥ 0.5). `issue` is the issue key or the full `issue.<k>.value` column;
    failed rows and NaN values are left out of the denominator. Returns (p, lo, hi).
    """
    col = issue if issue in runs.columns else f"issue.{issue}.value"
    if col not in runs.columns:
        known = ", ".join(_names(runs.columns, "issue.", ".value")) or "none"
        raise KeyError(f"no issue {issue!r} in these runs (issues: {known})")
    x = _ok_rows(runs)[col].to_numpy(dtype=float)
    x = x[~np.isnan(x)]
    k = int(np.count_nonzero((x >= at_least) & (x <= at_most)))
    lo, hi = wilson_interval(k, x.size, confidence)
    return (k / x.size if x.size else math.nan), lo, hi


def _pct(x: float, digits: int) -> str:
    """A share as a percentage string without the sign, e.g. 0.617 → '62'."""
    return f"{100.0 * x:.{digits}f}"


def describe_proportion(
    p: float, lo: float, hi: float, confidence: float = 0.95, digits: int = 0
) -> str:
    """Plain language for a share and its interval, e.g. '62% (95% CI 59–65%)'; with a decimal
    more where the interval would otherwise print as one number ('1.6% (95% CI 1.2–2.1%)')."""
    if any(math.isnan(v) for v in (p, lo, hi)):
        return "no completed runs"
    while hi > lo and _pct(lo, digits) == _pct(hi, digits) and digits < 3:
        digits += 1
    level = f"{100.0 * confidence:g}"
    return f"{_pct(p, digits)}% ({level}% CI {_pct(lo, digits)}–{_pct(hi, digits)}%)"


def describe_mean(m: float, lo: float, hi: float, digits: int = 2) -> str:
    """A mean and its 95% interval, '0.63 (95% CI 0.62–0.64)'; with a decimal more where the
    interval would otherwise print as one number ('0.852 (95% CI 0.848–0.856)')."""
    while hi > lo and f"{lo:.{digits}f}" == f"{hi:.{digits}f}" and digits < 4:
        digits += 1
    return f"{m:.{digits}f} (95% CI {lo:.{digits}f}–{hi:.{digits}f})"


def number(x: float, digits: int) -> str:
    """x with `digits` decimals, never '-0.00': a value that rounds to zero prints unsigned."""
    text = f"{x:.{digits}f}"
    return text.removeprefix("-") if float(text) == 0 else text


def difference_digits(lo: float, hi: float, least: int = 2, most: int = 6) -> int:
    """Decimals that show an interval's width: 2 for [0.24, 0.29], 3 for [0.001, 0.007]."""
    width = hi - lo
    if not width > 0 or not math.isfinite(width):
        return least
    return min(most, max(least, math.ceil(-math.log10(width))))


def significant(difference: float, lo: float, hi: float, digits: int) -> bool:
    """A difference is clear when it is not exactly zero and its interval, rounded to the printed
    digits, excludes zero: '0.00 [0.00, 0.01]' is not, '0.004 [0.001, 0.007]' is."""
    if difference == 0:
        return False
    return float(number(lo, digits)) > 0 or float(number(hi, digits)) < 0


def describe_difference(
    a: float, b: float, difference: float, lo: float, hi: float, digits: int | None = None
) -> str:
    """Plain language for a comparison, e.g. '0.62 vs 0.41, difference 0.21 [0.18, 0.24]'.

    Digits default to what the interval's width needs (`difference_digits`); a difference of
    exactly zero reads 'no difference'; nothing prints as '-0.00'.
    """
    d = difference_digits(lo, hi) if digits is None else digits
    interval = f"[{number(lo, d)}, {number(hi, d)}]"
    if difference == 0:
        return f"{number(a, d)} vs {number(b, d)}, no difference {interval}"
    # One more decimal for a and b when their rounded values would not subtract to the rounded
    # difference (0.615 vs 0.564 reads '0.62 vs 0.56, difference 0.05' at two).
    shown = float(number(float(number(a, d)) - float(number(b, d)), d))
    e = d if shown == float(number(difference, d)) else d + 1
    return f"{number(a, e)} vs {number(b, e)}, difference {number(difference, d)} {interval}"
