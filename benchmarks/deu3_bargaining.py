"""The DEU III test of the bargaining model: 353 EU decisions, forecast as one-issue negotiations.

Each DEU III issue with a recorded outcome becomes a one-issue negsim scenario: the Commission,
the Parliament and the member states that took a position, with their ideal points (position /
100) and capability; the reversion point `rp` (0 where the data leave it blank: 206 of the 250
recorded reversion points are 0); the Council's rule from `counvte` (QMV with the period's vote
weights, or unanimity of the states that took a position); the Parliament's consent required
under co-decision (`proc` COD; under consultation it has no say and is left out); the Commission
as agenda setter (it proposes first, and is never asked). Each scenario runs `--replications`
times with the model's noise (perception errors, noisy answers, capability recognition).

Forecasts, all scored on the same issues: the bargaining model's median (point) and its simulated
outcomes (distribution: CRPS, 50% and 90% central intervals); the compromise model
(capability × salience weighted mean), the weighted median and the expected-utility lens (as in
`deu3_forecast.py`). Differences against the compromise model get paired bootstrap 95% intervals,
resampling proposals (issues of one proposal are not independent). The model's free parameters are
tuned on a fixed half of the proposals and every figure is reported on the other half.

Usage: .venv/bin/python benchmarks/deu3_bargaining.py [--data PATH] [--replications N]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from deu3_forecast import DEFAULT_DATA, MISSING_SALIENCE, Issue, forecasters, load_issues  # noqa: E402

from sim.protocols.alternating import BargainingModel  # noqa: E402
from sim.scenario.models import Scenario  # noqa: E402
from sim.sweep.seeds import run_seed  # noqa: E402

SPLIT_SEED = 20260212  # fixes which proposals are tuned on and which are tested
ROOT_SEED = 1  # fixes every simulated run
MISSING_REVERSION = 0.0  # blank `rp`: the end of the scale where most recorded reversions lie
NEW_STATES = {"cy", "cz", "ee", "hu", "lv", "lt", "mt", "pl", "si", "sk", "bu", "ro", "cr"}
# Council votes: the Treaty of Amsterdam for the fifteen (87 in all, 62 carry); the Treaty of
# Nice from November 2004 (with Croatia's 7 from 2013). The Nice rule also needs a majority of
# the member states; its 62% population clause is left out (no population in the data).
VOTES_EU15 = {"de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5}
VOTES_EU15 |= {"pt": 5, "at": 4, "se": 4, "dk": 3, "ie": 3, "fi": 3, "lu": 2}
VOTES_NICE = {"de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13}
VOTES_NICE |= {"be": 12, "cz": 12, "el": 12, "hu": 12, "pt": 12, "at": 10, "bu": 10, "se": 10}
VOTES_NICE |= {"dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7, "cr": 7, "cy": 4, "ee": 4, "lv": 4}
VOTES_NICE |= {"lu": 4, "si": 4, "mt": 3}
THRESHOLD = {15: 62 / 87, 25: 232 / 321, 27: 255 / 345, 28: 260 / 352}


@dataclass(frozen=True)
class Setting:
    """The bargaining model's free parameters, shared by every actor. `capability` says how the
    data's capability is read: "gdp" (the data's GDP row), "gdp*salience" (as the compromise
    model weights), or "votes*salience" (Council votes; the Commission and Parliament at the
    largest state's). `silent` says how member states that took no position vote under QMV:
    "yes" (indifferent, they go along: the states with a position need the threshold less the
    silent states' votes) or "absent" (the threshold applies to the states with a position)."""

    rationality: float = 25.0
    patience: float = 0.95
    capability: str = "votes*salience"
    silent: str = "yes"
    deadline: int = 10
    noise: float = 0.05


def council(issue: Issue, silent: str = "yes") -> tuple[dict[str, float], float, float]:
    """The votes of the member states with a position, and the share of their votes and of
    their number a qualified majority needs, for the period the positions place the issue in
    (any post-2004 member taking a position means the Nice rules). With `silent` "yes", the
    states without a position count as voting yes, so those with one need less."""
    states = [a for a in issue.actors if a not in ("com", "ep")]
    if not NEW_STATES & set(states):
        period, threshold, members = VOTES_EU15, THRESHOLD[15], 0.0
    else:
        size = 28 if "cr" in states else 27 if {"bu", "ro"} & set(states) else 25
        left_out = {15: set(), 25: {"bu", "ro", "cr"}, 27: {"cr"}, 28: set()}[size]
        period = {a: v for a, v in VOTES_NICE.items() if a not in left_out}
        threshold, members = THRESHOLD[size], 0.5
    votes = {a: float(period[a]) for a in states}
    if silent == "absent":
        return votes, threshold, members
    held, count = sum(votes.values()), len(votes)
    need = threshold * sum(period.values()) - (sum(period.values()) - held)
    need_count = members * len(period) - (len(period) - count)
    return votes, min(1.0, max(need / held, 1e-6)), min(1.0, max(need_count / count, 0.0))


def scenario(issue: Issue, setting: Setting) -> Scenario:
    """One DEU issue as a one-issue negsim scenario (see the module docstring)."""
    votes, threshold, members = council(issue, setting.silent)
    states = list(votes)
    actors = [
        a for a in issue.actors if a != "ep" or issue.procedure == "COD"
    ]  # the Parliament has no say under consultation
    salience = {a: s / 100.0 for a, s in zip(issue.actors, issue.salience, strict=True)}
    top = max(votes.values())

    def capability(a: str, gdp: float) -> float:
        base = gdp if setting.capability.startswith("gdp") else votes.get(a, top)
        weight = salience[a] if setting.capability.endswith("salience") else 1.0
        return max(base * weight, 1e-3)  # capability must be positive

    doc_actors = {
        a: {
            "name": a,
            "capability": capability(a, float(gdp)),
            "patience": setting.patience,
            "rationality": setting.rationality,
            "perception_noise": setting.noise,
            "preferences": {"x": {"ideal": float(x) / 100.0, "salience": 1.0}},
        }
        for a, gdp, x in zip(issue.actors, issue.capability, issue.position, strict=True)
        if a in actors
    }
    if issue.voting.startswith("QMV"):
        rule = {
            "type": "qualified_majority",
            "voters": {a: float(v) for a, v in votes.items()},
            "threshold": threshold,
            "members": members,
        }
        veto = ["ep"] if "ep" in actors else []
    else:
        rule, veto = {"type": "unanimity"}, states + (["ep"] if "ep" in actors else [])
    reversion = MISSING_REVERSION if issue.reversion is None else issue.reversion / 100.0
    doc = {
        "name": "deu3",
        "issues": {"x": {"label": issue.key, "reversion": reversion, "veto": veto, "rule": rule}},
        "actors": doc_actors,
        "protocol": {
            "deadline": setting.deadline,
            "recognition": "capability",
            "agenda_setter": "com" if "com" in actors else None,
            "grid": 21,
        },
    }
    return Scenario.model_validate(doc)


def simulate(issue: Issue, index: int, setting: Setting, replications: int) -> np.ndarray:
    """The simulated outcomes (on 0–100) of `replications` runs; run r of issue `index` is
    seeded by (ROOT_SEED, index, r), so results do not depend on workers or order."""
    spec = scenario(issue, setting)
    out = np.empty(replications)
    for r in range(replications):
        model = BargainingModel(spec, rng=run_seed(ROOT_SEED, index, r), trajectory=False)
        while model.running:
            model.step()
        out[r] = 100.0 * model.closed[0]
    return out


def _simulate(job: tuple[Issue, int, Setting, int]) -> np.ndarray:
    return simulate(*job)


def ensembles(
    issues: Sequence[Issue], indices: Sequence[int], setting: Setting, reps: int, workers: int
) -> list[np.ndarray]:
    """Simulated outcomes of every issue (issue i seeded by its index in the whole data set)."""
    jobs = [(issue, i, setting, reps) for issue, i in zip(issues, indices, strict=True)]
    if workers <= 1:
        return [_simulate(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_simulate, jobs, chunksize=4))


# --- scores -------------------------------------------------------------------------------------
def crps(ensemble: np.ndarray, y: float) -> float:
    """Continuous ranked probability score of an ensemble forecast (the empirical distribution of
    its members): E|X − y| − ½ E|X − X'| (Gneiting & Raftery 2007). A point forecast's CRPS is
    its absolute error."""
    x = np.sort(np.asarray(ensemble, dtype=float))
    n = len(x)
    spread = 2.0 * np.sum(x * (2 * np.arange(1, n + 1) - n - 1)) / n**2  # E|X − X'|
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def covered(ensemble: np.ndarray, y: float, level: float) -> bool:
    """Whether y lies in the ensemble's central `level` interval (ends included)."""
    lo, hi = np.quantile(ensemble, [(1 - level) / 2, (1 + level) / 2])
    return bool(lo - 1e-9 <= y <= hi + 1e-9)


SCORES = ("MAE", "median AE", "CRPS", "cover 50%", "cover 90%")


def scores(ensembles: Sequence[np.ndarray], outcome: np.ndarray) -> dict[str, np.ndarray]:
    """Per-issue scores of a forecaster given as ensembles (a point forecast: one member)."""
    point = np.array([np.median(e) for e in ensembles])
    error = np.abs(point - outcome)
    return {
        "MAE": error,
        "median AE": error,
        "CRPS": np.array([crps(e, y) for e, y in zip(ensembles, outcome, strict=True)]),
        "cover 50%": np.array(
            [covered(e, y, 0.5) for e, y in zip(ensembles, outcome, strict=True)]
        ),
        "cover 90%": np.array(
            [covered(e, y, 0.9) for e, y in zip(ensembles, outcome, strict=True)]
        ),
    }


def summary(name: str, per_issue: np.ndarray) -> float:
    """How a score's per-issue values are summarised: the median for "median AE", else the
    mean (a share for the coverages)."""
    return float(np.median(per_issue) if name == "median AE" else np.mean(per_issue))


def bootstrap(
    per_issue: dict[str, np.ndarray],
    base: dict[str, np.ndarray] | None,
    clusters: np.ndarray,
    draws: int = 2000,
    seed: int = 7,
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of each summary (or, with `base`, of its difference from the
    base forecaster's), resampling clusters (proposals) with replacement, the same draws for
    every forecaster (paired)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(clusters == c) for c in np.unique(clusters)]
    picks = [np.concatenate([groups[g] for g in rng.integers(len(groups), size=len(groups))])
             for _ in range(draws)]  # fmt: skip
    out = {}
    for name, values in per_issue.items():
        stats = []
        for rows in picks:
            stat = summary(name, values[rows])
            if base is not None:
                stat -= summary(name, base[name][rows])
            stats.append(stat)
        out[name] = (float(np.quantile(stats, 0.025)), float(np.quantile(stats, 0.975)))
    return out


def split(issues: Sequence[Issue], seed: int = SPLIT_SEED) -> np.ndarray:
    """True for issues in the tuning half: half the proposals, drawn with a fixed seed."""
    proposals = sorted({issue.proposal for issue in issues})
    tune = set(np.random.default_rng(seed).permutation(proposals)[: len(proposals) // 2])
    return np.array([issue.proposal in tune for issue in issues])


def baselines(issues: Sequence[Issue], eu_rounds: int = 8) -> dict[str, list[np.ndarray]]:
    """The compromise model, the weighted median and the expected-utility lens, as one-member
    ensembles (point forecasts)."""
    named = forecasters(eu_rounds)
    pick = {
        "compromise (weighted mean)": named["weighted mean"],
        "weighted median": named["weighted median"],
        "EU lens (scholz/scholz)": named["EU scholz/scholz"],
    }
    return {
        name: [np.array([f(issue, issue.position)]) for issue in issues] for name, f in pick.items()
    }


GRID = {
    "rationality": [2.0, 5.0, 25.0],
    "patience": [0.8, 0.95],
    "silent": ["yes", "absent"],
}


def tune(
    issues: Sequence[Issue], indices: Sequence[int], reps: int, workers: int
) -> tuple[Setting, list[tuple[Setting, float, float]]]:
    """The setting with the lowest mean CRPS on the tuning half (every combination of GRID),
    and each setting's (mean CRPS, MAE) there."""
    outcome = np.array([issue.outcome for issue in issues])
    tried = []
    for values in itertools.product(*GRID.values()):
        setting = Setting(**dict(zip(GRID, values, strict=True)))
        s = scores(ensembles(issues, indices, setting, reps, workers), outcome)
        tried.append((setting, float(s["CRPS"].mean()), float(s["MAE"].mean())))
    return min(tried, key=lambda t: t[1])[0], tried


def table(
    forecasts: dict[str, list[np.ndarray]], issues: Sequence[Issue], draws: int = 2000
) -> list[str]:
    """The score table: each forecaster's summaries with 95% intervals, and its difference from
    the compromise model with a paired 95% interval."""
    outcome = np.array([issue.outcome for issue in issues])
    clusters = np.array([issue.proposal for issue in issues])
    per = {name: scores(e, outcome) for name, e in forecasts.items()}
    base = per["compromise (weighted mean)"]
    lines = [f"{'forecaster':<30}" + "".join(f"{s:>24}" for s in SCORES)]
    for name, values in per.items():
        ci = bootstrap(values, None, clusters, draws)
        cells = [
            f"{summary(s, values[s]):.2f} [{ci[s][0]:.2f}, {ci[s][1]:.2f}]"
            if not s.startswith("cover")
            else f"{summary(s, values[s]):.0%} [{ci[s][0]:.0%}, {ci[s][1]:.0%}]"
            for s in SCORES
        ]
        lines.append(f"{name:<30}" + "".join(f"{c:>24}" for c in cells))
    lines.append("difference from the compromise model (paired bootstrap over proposals, 95%):")
    for name, values in per.items():
        if values is base:
            continue
        ci = bootstrap(values, base, clusters, draws)
        cells = [
            f"{summary(s, values[s]) - summary(s, base[s]):+.2f} [{ci[s][0]:+.2f}, {ci[s][1]:+.2f}]"
            for s in SCORES[:3]
        ]
        lines.append(f"{name:<30}" + "".join(f"{c:>24}" for c in cells))
    return lines


def extremes(forecast: list[np.ndarray], issues: Sequence[Issue]) -> list[str]:
    """What the model gets right and wrong at the ends of the scale: the errors of its median on
    issues whose outcome is exactly 0 or 100, against the others."""
    outcome = np.array([issue.outcome for issue in issues])
    point = np.array([np.median(e) for e in forecast])
    end = (outcome == 0) | (outcome == 100)
    at_end = np.array([np.mean((e == 0) | (e == 100)) for e in forecast])
    return [
        f"outcomes exactly 0 or 100: {end.sum()} of {len(issues)} ({end.mean():.0%}); "
        f"the model's MAE there {np.abs(point - outcome)[end].mean():.2f}, elsewhere "
        f"{np.abs(point - outcome)[~end].mean():.2f}",
        f"share of simulated outcomes at 0 or 100: {at_end[end].mean():.0%} on those issues, "
        f"{at_end[~end].mean():.0%} on the others; reversion kept (outcome = reversion) in "
        f"{np.mean([np.mean(e == 100 * _reversion(i)) for e, i in zip(forecast, issues, strict=True)]):.0%}"
        " of runs",
    ]


def _reversion(issue: Issue) -> float:
    return MISSING_REVERSION if issue.reversion is None else issue.reversion / 100.0


def main(argv: list[str] | None = None) -> None:
    """Tune on one half of the proposals, report every forecaster on the other."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="deu3.csv (tab-separated)")
    parser.add_argument("--replications", type=int, default=30, help="runs per issue (test half)")
    parser.add_argument("--tune-replications", type=int, default=4, help="runs per issue, tuning")
    parser.add_argument("--workers", type=int, default=2, help="processes")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    issues, filled = load_issues(args.data)
    half = split(issues)
    train = [i for i, t in enumerate(half) if t]
    test = [i for i, t in enumerate(half) if not t]
    n_prop = len({issues[i].proposal for i in test})
    print(f"DEU III: {len(issues)} issues with a recorded outcome ({args.data})")
    print(
        f"split by proposal (seed {SPLIT_SEED}): tuning {len(train)} issues, test {len(test)} "
        f"issues of {n_prop} proposals"
    )
    print(
        f"blank saliences taken as {MISSING_SALIENCE:g}: {filled}; blank reversion points taken "
        f"as {100 * MISSING_REVERSION:g}: {sum(i.reversion is None for i in issues)}"
    )
    best, tried = tune([issues[i] for i in train], train, args.tune_replications, args.workers)
    print(f"tuning ({args.tune_replications} runs per issue, lowest mean CRPS on the tuning half):")
    for setting, c, m in sorted(tried, key=lambda t: t[1]):
        mark = " <- chosen" if setting == best else ""
        print(
            f"  λ={setting.rationality:g} δ={setting.patience:g} silent states {setting.silent}:"
            f" CRPS {c:.2f}, MAE {m:.2f}{mark}"
        )
    chosen = [issues[i] for i in test]
    model = ensembles(chosen, test, best, args.replications, args.workers)
    forecasts = {"bargaining model": model, **baselines(chosen)}
    print(f"test half ({len(test)} issues, {args.replications} runs per issue for the model):")
    for line in table(forecasts, chosen):
        print(line)
    for line in extremes(model, chosen):
        print(line)
    print(f"[{time.perf_counter() - start:.0f} s]")


if __name__ == "__main__":
    main()
