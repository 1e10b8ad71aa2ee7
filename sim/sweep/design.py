"""Experimental designs: each returns the design points, an array of shape (n_points, n_axes).

Design sizes, for k axes and `samples` = N:
- grid: the full factorial, the product of the axes' level counts (a range gives NUM levels);
- lhs: N points, one per stratum of every axis (scipy.stats.qmc.LatinHypercube);
- sobol: the next power of two ≥ N points of a scrambled Sobol sequence (scipy.stats.qmc.Sobol);
- morris: N trajectories of k+1 points, (k+1)·N (SALib.sample.morris, 4 levels);
- saltelli: N' (k+2) points with N' the next power of two ≥ N (SALib.sample.sobol, first and
  total order only).
Continuous designs are drawn on the unit cube, then scaled to [low, high]; an axis given as a list
of values takes the value of the stratum the unit coordinate falls in.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from sim.scenario.models import Axis, Scenario
from sim.scenario.words import outcome_words, parameter_phrase


def axis_levels(axis: Axis) -> np.ndarray:
    """The levels of an axis on a grid: its listed values (their indices for a list of names), or
    NUM evenly spaced from low to high."""
    if axis.values is not None:
        return _listed(axis)
    if axis.num is None:
        raise ValueError(f"{axis.path}: a range on a grid needs a number of levels")
    return np.linspace(float(axis.low), float(axis.high), axis.num)  # type: ignore[arg-type]


def _listed(axis: Axis) -> np.ndarray:
    """An axis's listed values as design values: the numbers, or the names' indices."""
    values = axis.values or []
    return np.arange(len(values), dtype=float) if axis.categorical else np.asarray(values, float)


def grid(axes: Sequence[Axis]) -> np.ndarray:
    """Full factorial over the axes' levels, the first axis varying slowest."""
    levels = [axis_levels(a) for a in axes]
    if not levels:
        return np.zeros((1, 0))
    return np.array(list(itertools.product(*levels)), dtype=float).reshape(-1, len(axes))


def scale(unit: np.ndarray, axes: Sequence[Axis]) -> np.ndarray:
    """Map unit-cube points onto the axes: ranges linearly, value lists by equal strata."""
    out = np.empty_like(unit, dtype=float)
    for j, axis in enumerate(axes):
        u = unit[:, j]
        if axis.values is not None:
            values = _listed(axis)
            idx = np.minimum((u * len(values)).astype(int), len(values) - 1)
            out[:, j] = values[idx]
        else:
            low, high = float(axis.low), float(axis.high)  # type: ignore[arg-type]
            out[:, j] = low + u * (high - low)
    return out


def next_power_of_two(n: int) -> int:
    """The smallest power of two ≥ n (Sobol points keep their balance only in such blocks)."""
    return 1 << max(0, int(n - 1).bit_length())


def lhs(axes: Sequence[Axis], samples: int, seed: int) -> np.ndarray:
    """Latin hypercube of `samples` points."""
    from scipy.stats import qmc

    return scale(qmc.LatinHypercube(d=len(axes), rng=seed).random(samples), axes)


def sobol(axes: Sequence[Axis], samples: int, seed: int) -> np.ndarray:
    """Scrambled Sobol sequence, rounded up to a power of two points."""
    from scipy.stats import qmc

    m = next_power_of_two(samples).bit_length() - 1
    return scale(qmc.Sobol(d=len(axes), scramble=True, rng=seed).random_base2(m), axes)


def salib_problem(axes: Sequence[Axis]) -> dict:
    """The SALib problem on the unit cube (points are scaled onto the axes afterwards)."""
    return {
        "num_vars": len(axes),
        "names": [a.path for a in axes],
        "bounds": [[0.0, 1.0]] * len(axes),
    }


def morris(axes: Sequence[Axis], samples: int, seed: int, levels: int = 4) -> np.ndarray:
    """Morris elementary-effects design: `samples` trajectories of k+1 points each."""
    from SALib.sample import morris as sampler

    unit = sampler.sample(salib_problem(axes), samples, num_levels=levels, seed=seed)
    return scale(unit, axes)


def saltelli(axes: Sequence[Axis], samples: int, seed: int) -> np.ndarray:
    """Saltelli's scheme for Sobol indices (first and total order): N'(k+2) points."""
    from SALib.sample import sobol as sampler

    n = next_power_of_two(samples)
    unit = sampler.sample(salib_problem(axes), n, calc_second_order=False, seed=seed)
    return scale(unit, axes)


def make_design(axes: Sequence[Axis], design: str, samples: int, seed: int) -> np.ndarray:
    """The points of `design` over `axes`, shape (n_points, n_axes), reproducible from `seed`."""
    if design == "grid":
        return grid(axes)
    makers = {"lhs": lhs, "sobol": sobol, "morris": morris, "saltelli": saltelli}
    if design not in makers:
        raise ValueError(f"unknown design {design!r}; expected grid or one of {sorted(makers)}")
    return makers[design](axes, samples, seed)


def design_size(n_axes: int, design: str, samples: int, grid_levels: Sequence[int] = ()) -> int:
    """The number of points a design yields, without drawing it (see the module docstring)."""
    if design == "grid":
        return math.prod(grid_levels)  # Python ints: a product of huge counts must not wrap
    if design == "lhs":
        return samples
    if design == "sobol":
        return next_power_of_two(samples)
    if design == "morris":
        return (n_axes + 1) * samples
    if design == "saltelli":
        return next_power_of_two(samples) * (n_axes + 2)
    raise ValueError(f"unknown design {design!r}")


def analyse(
    axes: Sequence[Axis], design: str, points: np.ndarray, y: np.ndarray, seed: int
) -> dict:
    """SALib indices of one outcome `y` (a value per design point): Sobol S1/ST with confidence
    for a saltelli design, Morris mu*/sigma for a morris design (inputs rescaled to [0, 1])."""
    problem = salib_problem(axes)
    if design == "saltelli":
        from SALib.analyze import sobol as analyser

        res = analyser.analyze(problem, y, calc_second_order=False, seed=seed)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    elif design == "morris":
        from SALib.analyze import morris as analyser

        low = np.array([a.low for a in axes], dtype=float)
        high = np.array([a.high for a in axes], dtype=float)
        span = np.where(high > low, high - low, 1.0)
        res = analyser.analyze(problem, (points - low) / span, y, seed=seed)
        keys = ("mu_star", "mu_star_conf", "sigma")
    else:
        raise ValueError(f"sensitivity indices need a saltelli or morris design, not {design!r}")
    return {k: np.asarray(res[k], dtype=float) for k in keys}


# Widest 95% interval accepted without a warning: ±0.10 for a Sobol index (a share of variance),
# ±10% of the outcome's largest μ* for Morris (μ* has the outcome's units).
WIDE = 0.10


NOISY = 0.10  # largest share of the point means' variance that replication noise may make up


def noise_share(means: np.ndarray, variances: np.ndarray, runs: np.ndarray) -> float:
    """The share of the variance of the design points' means that is replication noise: the
    mean of var/runs over points (the squared standard error of each point's mean) over the
    variance of the means. Noise in the means is credited to every parameter alike, which
    raises every total-order index and can push Sobol indices past 1."""
    total = np.nanvar(means)
    usable = (runs > 1) & np.isfinite(variances)  # one run says nothing about noise
    if not total > 0 or not usable.any():
        return 0.0
    noise = np.mean(variances[usable] / runs[usable])
    return float(min(1.0, noise / total))


def index_warnings(
    table,
    design: str,
    samples: int,
    noise: dict[str, float] | None = None,
    reps: int = 1,
    spec: Scenario | None = None,
) -> list[str]:
    """Plain warnings about a table of indices (one row per outcome and parameter, as
    `negsim sensitivity` writes it), each saying what to do instead:
    - a Sobol index outside [0, 1] beyond its interval ('OUTCOME: ...', one line per outcome);
    - 95% intervals wider than WIDE, with the --samples that would narrow them to WIDE
      (intervals shrink as 1/√samples);
    - point means that are more than NOISY replication noise, with the --reps that would bring
      the share down to NOISY (it falls about as 1/reps), or, past one half, the plain statement
      that the outcome hardly depends on the swept parameters.
    Given the scenario, outcomes and parameters are named in its words (`sim.scenario.words`),
    as the charts label them; each line about one outcome starts with its name and a colon."""

    def param(p: str) -> str:
        return parameter_phrase(p, spec) if spec is not None else p

    def named(o: str) -> str:
        return outcome_words(o, spec) if spec is not None else o

    out = []
    worst, where = 0.0, ""  # widest interval as a multiple of what is accepted, and its index
    for column, group in table.groupby("outcome", sort=False):
        outcome = named(str(column))
        if design == "saltelli":
            problems = []
            for key in ("S1", "ST"):
                for r in group.itertuples():
                    v, c = getattr(r, key), getattr(r, f"{key}_conf")
                    if v - c > 1 or v + c < 0:
                        problems.append(f"{key} of {param(r.parameter)} is {v:.2f} ± {c:.2f}")
                    if c / WIDE > worst:
                        worst, where = (
                            c / WIDE,
                            f"±{c:.2f}, {key} of {param(r.parameter)} for {outcome}",
                        )
            if problems:
                out.append(f"{outcome}: " + "; ".join(problems) + ", outside [0, 1] beyond the "
                           "interval: these estimates are not yet usable.")  # fmt: skip
        else:
            scale = group["mu_star"].max()
            for r in group.itertuples():
                if scale > 0 and r.mu_star_conf / (WIDE * scale) > worst:
                    worst = r.mu_star_conf / (WIDE * scale)
                    where = (
                        f"±{r.mu_star_conf:.3g} on μ* of {param(r.parameter)} for {outcome} "
                        f"(its largest μ* is {scale:.3g})"
                    )
    if worst > 1:
        need = math.ceil(samples * worst**2 - 1e-9)  # no extra sample for rounding error
        if design == "saltelli":
            need = next_power_of_two(need)
        limit = f"±{WIDE:.2f}" if design == "saltelli" else f"{WIDE:.0%} of the largest μ*"
        widest = (
            "widest 95% interval" if design == "saltelli" else "widest 95% interval for its size"
        )
        out.append(
            f"The {widest} is {where}: with --samples {samples} these indices cannot be trusted "
            f"to rank the parameters. Use --samples {need} or more to bring every interval within "
            f"{limit} (intervals shrink as 1/√samples)."
        )
    noise = noise or {}
    noisy = {k: v for k, v in noise.items() if NOISY < v <= 0.5}
    if noisy:
        share = max(noisy.values())
        need = math.ceil(reps * share * (1 - NOISY) / (NOISY * (1 - share)) - 1e-9)
        names = ", ".join(f"{named(k)} ({v:.0%})" for k, v in noisy.items())
        out.append(
            f"Replication noise makes up more than {NOISY:.0%} of the variance of the design "
            f"points' means for {names}; it is credited to every parameter and inflates "
            f"{'μ* and σ' if design == 'morris' else 'the total-order indices'}. "
            f"Use --reps {need} or more."
        )
    flat = {k: v for k, v in noise.items() if v > 0.5}
    if flat:
        names = ", ".join(f"{named(k)} ({v:.0%})" for k, v in flat.items())
        these, depend, their = (
            ("this outcome", "depends", "its")
            if len(flat) == 1
            else ("these outcomes", "depend", "their")
        )
        out.append(
            f"Mostly replication noise (share of the variance of the design points' means): "
            f"{names}. Either {these} barely {depend} on the swept parameters or --reps "
            f"{reps} is far too few; {their} indices measure noise, not influence."
        )
    return out
