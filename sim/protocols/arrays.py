"""A scenario's parameters as arrays, built once per scenario object and shared by its runs."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import payoffs
from sim.protocols.rules import asked, blockers, compile_rules, consent
from sim.scenario.models import Actor, Scenario

# The per-actor parameters that events can change.
PARAMETERS = ("ideal", "salience", "outside", "patience", "capability", "rationality")

_SCENARIOS: OrderedDict[int, tuple[Scenario, dict[str, Any]]] = OrderedDict()


def scenario_arrays(spec: Scenario) -> dict[str, Any]:
    """A scenario's parameters as arrays and (filled in lazily: `full_grid`, `grid_digits`) its
    package grid and seed-independent tables, built once per scenario object: a sweep runs each
    design point's scenario many times. Scenarios are treated as immutable once validated."""
    hit = _SCENARIOS.get(id(spec))
    if hit is not None and hit[0] is spec:
        _SCENARIOS.move_to_end(id(spec))
        return hit[1]
    issues, actors = list(spec.issues), list(spec.actors)
    specs = [spec.actors[a] for a in actors]

    def per_issue(field: str, default: float) -> np.ndarray:
        return np.array(
            [
                [
                    getattr(a.preferences[k], field) if k in a.preferences else default
                    for k in issues
                ]
                for a in specs
            ],
            dtype=float,
        )

    # Issues of named options: each actor's utility of each option (0 without a preference: its
    # salience there is 0 anyway). Their "ideal" is the point of the option it likes best.
    options: dict[int, np.ndarray] = {}
    ideal = per_issue("ideal", 0.5)
    for k, key in enumerate(issues):
        names = spec.issues[key].options
        if names is not None:
            table = np.array([_option_utilities(a, key, names) for a in specs])
            options[k] = table
            ideal[:, k] = table.argmax(axis=1) / (len(names) - 1)
    levels = [spec.issues[k].levels(spec.protocol.grid) for k in issues]

    rules = compile_rules(spec)
    gamma = np.zeros((len(actors), len(issues), len(issues)))
    for i, a in enumerate(specs):
        for link in a.linkage:
            gamma[i, issues.index(link.issues[0]), issues.index(link.issues[1])] += link.gamma
    arrays: dict[str, Any] = {
        "issues": issues,
        "actors": actors,
        "ideal": ideal,
        "salience": per_issue("salience", 0.0),
        "rho": np.array([a.rho for a in specs]),
        "gamma": gamma,
        "outside": np.array(
            [np.nan if a.outside_option is None else a.outside_option for a in specs]
        ),
        "patience": np.array([a.patience for a in specs]),
        "capability": np.array([a.capability for a in specs]),
        "rationality": np.array([a.rationality for a in specs]),
        "noise": np.array([a.perception_noise for a in specs]),
        "reversion": np.array([spec.issues[k].reversion_value for k in issues]),
        # Who can hold each issue at its reversion, who is asked, who bargains in the references.
        "rules": rules,
        "veto": np.array([blockers(r) for r in rules]),
        "asked": np.array([asked(r) for r in rules]),
        "consent": np.array([consent(r) for r in rules]),
        "options": options,
        "linked": bool(gamma.any()),  # some actor links issues
        "levels": levels,
        # Per actor, the issues it can hold at their reversion (`vetoes`) and those it is asked
        # on (`stakes`); per issue, who is asked (`asked_by`): read every round as sets.
        "vetoes": [
            frozenset(k for k, r in enumerate(rules) if blockers(r)[i]) for i in range(len(actors))
        ],
        "stakes": [
            frozenset(k for k, r in enumerate(rules) if asked(r)[i]) for i in range(len(actors))
        ],
        "asked_by": [tuple(np.flatnonzero(asked(r)).tolist()) for r in rules],
        "packages": math.prod(levels),  # on the full grid: an exact int however large
    }
    for value in [*arrays.values(), *options.values()]:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every run of this scenario
    _SCENARIOS[id(spec)] = (spec, arrays)
    if len(_SCENARIOS) > 64:
        _SCENARIOS.popitem(last=False)
    return arrays


def full_grid(arrays: dict[str, Any]) -> np.ndarray:
    """Every package of the scenario's grid (`payoffs.package_grid` with every issue open), built
    on first use: only an exhaustive search or a utility-space plot needs it."""
    if "grid" not in arrays:
        grid = payoffs.package_grid(arrays["levels"], np.full(len(arrays["issues"]), np.nan))
        grid.flags.writeable = False
        arrays["grid"] = grid
    return arrays["grid"]


def grid_digits(arrays: dict[str, Any]) -> np.ndarray:
    """The full grid's packages as level indices (n, K), in the grid's row order: matching
    closed values by integers is exact and several times faster than comparing floats."""
    if "digits" not in arrays:
        axes = [np.arange(n, dtype=np.int16) for n in arrays["levels"]]
        digits = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))
        digits.flags.writeable = False
        arrays["digits"] = digits
    return arrays["digits"]


def _option_utilities(actor: Actor, issue: str, names: list[str]) -> list[float]:
    """An actor's utility of each option of an issue (0 where it states no preference)."""
    pref = actor.preferences.get(issue)
    if pref is None or pref.utilities is None:
        return [0.0] * len(names)
    return [pref.utilities[o] for o in names]


def parameters_after(spec: Scenario, fired: Sequence[int]) -> dict[str, np.ndarray]:
    """Copies of the per-actor parameters (`PARAMETERS`) after the effects of events `fired`
    (indices into `spec.events`, in firing order), as a run that saw them holds them."""
    from sim.events import apply_effects

    base = scenario_arrays(spec)
    params = {name: base[name].copy() for name in PARAMETERS}
    for e in fired:
        apply_effects(spec.events[e].effects, params, base["actors"], base["issues"])
    return params


def search_memory(spec: Scenario) -> int:
    """Bytes an alternating-offers run holds at its peak for the proposers' package search; the
    one place to update when the search changes (`sim.protocols.search`).

    Up to `search.EXHAUSTIVE` packages, the exhaustive search: the full grid, every actor's
    utility of each package, and, when some actor's perception is noisy, every observer's
    perceived utility of each for every actor (actors² per package); fitted to peaks measured
    for 4–40 actors and 3–6 issues (within 12%; refitted when the tables stopped being built
    through a transposed temporary, which halved the observers' share). Beyond,
    the trade-off search: one climbing step evaluates every change of one or two issues
    (`moves`), each package's per-issue values for every actor with their temporaries, and its
    start points need a few per-issue tables (a bound by construction, not a fit)."""
    from sim.protocols.search import EXHAUSTIVE

    if spec.protocol.type != "alternating_offers":
        return 0
    levels = [spec.issues[k].levels(spec.protocol.grid) for k in spec.issues]
    n_issues, n_actors = len(levels), len(spec.actors)
    packages = math.prod(levels)  # an exact int however large
    majority = any(spec.rule_of(k).type == "qualified_majority" for k in spec.issues)
    if packages <= EXHAUSTIVE or majority:  # BargainingModel.exhaustive
        noisy = any(a.perception_noise > 0 for a in spec.actors.values())
        seen = n_actors**2 if noisy else 0
        return 8 * packages * (24 * n_issues + 20 * n_actors + 10 * seen) // 10
    moves = sum(levels) + sum(a * b for i, a in enumerate(levels) for b in levels[i + 1 :])
    per_move = 2 * n_actors * n_issues + 4 * n_issues + 4 * n_actors
    return 8 * (moves * per_move + (4 * n_actors + 128) * n_issues * max(levels))


def memory_limit() -> int:
    """The memory this process may use: physical memory, or a smaller cgroup limit."""
    import os

    limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        text = open("/sys/fs/cgroup/memory.max").read().strip()  # noqa: SIM115
    except OSError:
        return limit
    return min(limit, int(text)) if text.isdigit() else limit


def memory_problem(spec: Scenario, processes: int = 1) -> str | None:
    """Why `processes` runs of `spec` at once would not fit in memory (with the estimate and
    the largest grid that would fit), or None when they fit."""
    need, limit = search_memory(spec) * processes, memory_limit()
    if need <= limit:
        return None
    each = f" for each of {processes} workers" if processes > 1 else ""
    what = (
        f"a run's package search needs about {_gb(need // processes)}{each} "
        f"({spec.protocol.grid}^{len(spec.issues)} packages, {len(spec.actors)} actors) and "
        f"this machine has {_gb(limit)}"
    )
    grid = spec.protocol.grid
    while grid > 2:
        grid -= 1
        smaller = spec.model_copy(
            update={"protocol": spec.protocol.model_copy(update={"grid": grid})}
        )
        if search_memory(smaller) * processes <= limit:
            return (
                f"{what}: lower protocol.grid to {grid} (about {_gb(search_memory(smaller))}), or use fewer issues or actors"
                + (", or fewer --workers" if processes > 1 else "")
            )
    return f"{what}: use fewer issues or actors" + (" or fewer --workers" if processes > 1 else "")


def _gb(n: int) -> str:
    return f"{n / 1e9:,.1f} GB"
