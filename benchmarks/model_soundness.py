"""Model soundness on the baseline: do partial deals trap the actors who accepted them, how often
are actors hurt by issues they cannot veto, and how far do outcomes lie from the Nash reference.

Prints, over the first N seeds of the baseline with exact answers (every actor's λ = ∞), with and
without perception noise and events:
  - acceptors: runs in which an actor whose acceptance (or proposal) closed an issue it vetoes
    ends with a payoff below the disagreement payoff max(U(reversion then), outside option) it had
    when it accepted;
  - actors hurt by issues they cannot veto: runs in which the agreed values of issues an actor
    has no veto on leave it worse off than their reversions would have;
and, over 200 runs of the unmodified baseline and of the Rubinstein scenario, how often US
presence settles before Russian basing and the mean and median distance to the Nash reference
(for the Rubinstein scenario also to the discounted game's equilibrium). Utilities are
taken with the preferences as they stood when the run ended (events may change them); the
acceptance rounds come from the run's trajectory.

    .venv/bin/python benchmarks/model_soundness.py
    .venv/bin/python benchmarks/model_soundness.py --seeds 50 --nash-runs 200
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import numpy as np

from sim.protocols.alternating import BargainingModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-9


def utility(m: BargainingModel, package: np.ndarray) -> np.ndarray:
    """Every actor's utility of one package, with the model's parameters as they stand now."""
    return m.utilities(package[None, :], m.ideal, m.salience)[0]


def audit(m: BargainingModel) -> dict[str, set[str]]:
    """Which actors, in one finished run, were trapped by an acceptance and which were hurt by
    issues they cannot veto."""
    record = m.record()
    keys, actors = m.issue_keys, m.actor_keys
    final = np.array([record.issues[k].value for k in keys])
    u_final = np.array([record.utilities[a] for a in actors])  # each actor's payoff
    found: dict[str, set[str]] = {"trapped": set(), "hurt": set()}
    for offer in record.trajectory:
        t = offer.round
        settled = [
            keys.index(k)
            for k in offer.closed
            if record.issues[k].agreed and record.issues[k].round == t
        ]
        if not settled:
            continue
        before = np.array(
            [
                record.issues[k].value
                if record.issues[k].round is not None and record.issues[k].round < t
                else m.reversion[i]
                for i, k in enumerate(keys)
            ]
        )
        u_rev = utility(m, before)
        yes = {offer.proposer} | {a for a, ans in offer.answers.items() if ans["accept"]}
        for i, a in enumerate(actors):
            if a not in yes or not any(m.veto[k, i] for k in settled):
                continue
            outside = -np.inf if np.isnan(m.outside[i]) else m.outside[i]
            if u_final[i] < max(outside, u_rev[i]) - TOL:
                found["trapped"].add(a)
    for i, a in enumerate(actors):
        theirs = [j for j, k in enumerate(keys) if record.issues[k].agreed and not m.veto[j, i]]
        if theirs:
            reverted = final.copy()
            reverted[theirs] = m.reversion[theirs]
            if utility(m, final)[i] < utility(m, reverted)[i] - TOL:
                found["hurt"].add(a)
    return found


def soundness(overrides: list[str], seeds: int, label: str) -> None:
    """Print how many of `seeds` runs trap an acceptor or hurt a non-veto actor."""
    spec = load_scenario(ROOT / "scenarios" / "baseline.yaml", overrides)
    runs: Counter[str] = Counter()
    actors: dict[str, Counter[str]] = {k: Counter() for k in ("trapped", "hurt")}
    for seed in range(seeds):
        m = BargainingModel(spec, rng=seed, trajectory=True)
        while m.running:
            m.step()
        found = audit(m)
        for kind, who in found.items():
            runs[kind] += bool(who)
            if kind in actors:
                actors[kind].update(who)
    print(f"{label} ({seeds} seeds):")
    print(
        f"  acceptors below their disagreement payoff at acceptance: {runs['trapped']} runs "
        f"{dict(actors['trapped'])}"
    )
    print(
        f"  actors hurt by agreed issues they cannot veto: {runs['hurt']} runs "
        f"{dict(actors['hurt'])}"
    )


def nash_distances(path: Path, runs: int) -> None:
    """Mean and median distance to the Nash reference (and, for two equilibrium players, to the
    discounted game's equilibrium) over `runs` seeds."""
    spec = load_scenario(path)
    records = [BargainingModel(spec, rng=s, trajectory=False).run() for s in range(runs)]
    if "us_presence" in spec.issues and "russian_basing" in spec.issues:
        first = [
            (r.issues["us_presence"].round or math.inf)
            < (r.issues["russian_basing"].round or math.inf)
            for r in records
        ]
        print(
            f"{path.name}: US presence settles before Russian basing in {sum(first)} of {runs} runs"
        )
    for name in ("nash_distance", "equilibrium_distance"):
        d = np.array([getattr(r, name, None) for r in records], dtype=float)
        if np.isnan(d).all():
            continue
        print(
            f"{path.name}: {name} over {runs} runs: mean {np.nanmean(d):.4f}, "
            f"median {np.nanmedian(d):.4f} ({int(np.isnan(d).sum())} runs without a reference)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="runs for the soundness counts")
    parser.add_argument("--nash-runs", type=int, default=200, help="runs for the Nash distances")
    args = parser.parse_args()
    spec = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    exact = [f"actors.{a}.rationality=.inf" for a in spec.actors]
    calm = [f"actors.{a}.perception_noise=0" for a in spec.actors] + ["events=[]"]
    soundness(exact, args.seeds, "baseline with λ = ∞")
    soundness(exact + calm, args.seeds, "baseline with λ = ∞, no perception noise, no events")
    nash_distances(ROOT / "scenarios" / "baseline.yaml", args.nash_runs)
    nash_distances(ROOT / "scenarios" / "rubinstein_two_party.yaml", args.nash_runs)


if __name__ == "__main__":
    main()
