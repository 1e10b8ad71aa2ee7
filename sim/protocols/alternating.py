"""Multilateral alternating offers over packages (MODEL.md §2a) as a Mesa model.

Each round one proposer is recognised (fixed rotation, or at random in proportion to capability as
in Baron–Ferejohn), proposes a package for every open issue, and every other veto player of an
open issue accepts or rejects it. The agents are thin: the maths is in `sim.payoffs` and
`sim.strategies`; all randomness comes from the model's generator `self.rng`.
"""

from __future__ import annotations

import bisect
import functools
import marshal
import math
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from sim import payoffs, strategies
from sim.events import EventBook
from sim.protocols import rules, search
from sim.protocols.agents import Answer, Negotiator
from sim.protocols.arrays import PARAMETERS, full_grid, grid_digits, scenario_arrays
from sim.protocols.references import distance, references
from sim.record import IssueOutcome, Offer, RunRecord
from sim.scenario.models import Scenario

# What the runs of a scenario share beyond its arrays, bounded so memory stays flat across runs:
# the tables of up to 128 closed states, within about 2 MB (a state's grid is at most a level's
# share of the full grid), the sure utilities of up to 1,024 settlements (each store keeps those
# used last), and the small tables of up to 16 sequences of fired events.
_STATES, _STATE_BYTES, _SETTLEMENTS, _SEQUENCES = 128, 2 * 2**20, 1024, 16


class BargainingModel(mesa.Model):
    """Multilateral alternating offers over packages, with events, reversion and partial deals."""

    def __init__(self, spec: Scenario, rng: Any = None, trajectory: bool = True) -> None:
        super().__init__(rng=rng)
        self.spec, self.keep_trajectory = spec, trajectory
        self.base = scenario_arrays(spec)
        self.issue_keys, self.actor_keys = self.base["issues"], self.base["actors"]
        n_a, n_k = len(self.actor_keys), len(self.issue_keys)
        # The parameters events may change: the scenario's own (read-only) arrays until an event
        # fires, then this run's copies (`own_parameters`); the scenario stays untouched.
        for name in PARAMETERS:
            setattr(self, name, self.base[name])
        self.rho, self.gamma = self.base["rho"], self.base["gamma"]
        self.options, self.levels = self.base["options"], self.base["levels"]
        self.reversion, self.veto = self.base["reversion"], self.base["veto"]
        self.vetoes, self.stakes = self.base["vetoes"], self.base["stakes"]
        self.rules, self.asked = self.base["rules"], self.base["asked"]
        self.majority = any(r.majority for r in self.rules)
        # Enumerate every package when there are few enough, or when a coalition must be scored
        # (the trade-off search scores unanimity only); otherwise search (`search`).
        self.exhaustive = self.base["packages"] <= search.EXHAUSTIVE or self.majority
        self.deadline = spec.protocol.deadline
        # Perception noise, drawn once per run: observer o sees target j's ideal points with
        # additive Gaussian error and saliences with multiplicative log-normal error.
        noise = self.base["noise"][:, None, None]
        self.ideal_error = self.rng.normal(0.0, 1.0, (n_a, n_a, n_k)) * noise
        self.salience_error = np.exp(self.rng.normal(0.0, 1.0, (n_a, n_a, n_k)) * noise)
        itself = np.arange(n_a)
        self.ideal_error[itself, itself], self.salience_error[itself, itself] = 0.0, 1.0
        # On issues of named options, additive error of the same s.d. on each option's utility
        # (drawn after the others, so scenarios without options keep their random streams).
        self.option_error = {}
        for k, table in self.options.items():
            error = self.rng.normal(0.0, 1.0, (n_a, n_a, table.shape[1])) * noise
            error[np.arange(n_a), np.arange(n_a)] = 0.0
            self.option_error[k] = error
        order = spec.protocol.order or self.actor_keys
        self.rotation = [self.actor_keys.index(a) for a in order]
        self.negotiators = [
            Negotiator(self, key, i, spec.actors[key]) for i, key in enumerate(self.actor_keys)
        ]
        self.events = EventBook(spec, self)
        self.closed = np.full(n_k, np.nan)
        self.closed_round: dict[str, int] = {}
        self.coalitions: dict[str, list[str]] = {}  # who accepted each agreed issue
        self.agreed_issues: set[str] = set()
        self.round = 0
        self.breakdown = ""
        self.last_proposer = ""
        self.trajectory: list[Offer] = []
        self._tables: dict[Any, Any] = {}  # depends on what is closed and on parameters
        self._full: dict[Any, Any] = {}  # depend on parameters and this run's perceptions only
        self._by_parameters = self._shared()

    @property
    def full_grid(self) -> np.ndarray:
        """Every package of the scenario's grid (built on first use, shared by its runs)."""
        return full_grid(self.base)

    @property
    def initial_tables(self) -> np.ndarray:
        """Every actor's utility of every package of the full grid, before any event: (n, A)."""
        if "tables" not in self.base:
            weight = payoffs.normalise_saliences(self.base["salience"])
            self.base["tables"] = payoffs.grid_utilities(
                self.levels,
                self.base["ideal"],
                weight,
                self.rho,
                self.gamma,
                self.full_grid,
                self.options,
            )
        return self.base["tables"]

    @property
    def initial_disagreement(self) -> np.ndarray:
        """Every actor's disagreement payoff before anything closes or fires."""
        return np.array(list(references(self.spec)["disagreement"].values()))

    def own_parameters(self) -> None:
        """Give this run its own copies of the parameters events may change (once)."""
        for name in PARAMETERS:
            if getattr(self, name) is self.base[name]:
                setattr(self, name, self.base[name].copy())

    def _shared(self) -> dict[Any, Any]:
        """Tables that depend on the parameters events may change and on nothing else (saliences
        normalised, scalars, the judges' preferences), kept with the scenario's arrays: runs
        that saw the same events in the same order hold the same parameters (effects are
        deterministic), so they share them (bounded: `_SEQUENCES`)."""
        store = self.base.setdefault("by_parameters", {})
        return _recall(store, tuple(self.events.order), _SEQUENCES, dict)

    # --- payoff tables (cached until an issue closes or an event fires) -----------------------
    def invalidate(self, parameters: bool = False) -> None:
        """Forget cached tables after an issue closed (or, with `parameters`, every table of the
        run: it has finished, or an event changed its parameters, `after_event`)."""
        self._tables.clear()
        if parameters:
            self._full.clear()

    def after_event(self, preferences: set[int]) -> None:
        """Forget the tables an event's effects make stale. Of the observers' table only the
        columns of the actors whose ideal points or saliences changed (`preferences`) are
        recomputed, when it is next read; nothing else in it depends on them."""
        seen = self._full.get("seen")
        self.invalidate(parameters=True)
        self._by_parameters = self._shared()
        if seen is not None:
            self._full["stale"] = (seen, sorted(preferences))

    def state_tables(self) -> dict[Any, Any]:
        """Tables that depend only on what is closed, at which values, and on the parameters
        events may change (the current grid's rows, the true utilities over it, each actor's best
        utility, who walks out, and what strategies keep there, `Negotiator.demand`): kept with
        the scenario's arrays, so runs that reach the same state after the same events share them
        (bounded: `_STATES`, `_STATE_BYTES`)."""
        if "state" not in self._tables:
            full = self.base["packages"] * (len(self.actor_keys) + 1) * 8  # rows, true table
            limit = min(_STATES, max(1, _STATE_BYTES // (full // min(self.levels))))
            key = (tuple(self.events.order), self.closed.tobytes())
            states = self.base.setdefault("states", {})
            self._tables["state"] = _recall(states, key, limit, dict)
        return self._tables["state"]

    def _rows(self) -> np.ndarray | slice | None:
        """Rows of the full grid that make up the current grid, when every closed value is a
        grid level (then tables are sliced, not recomputed; all of them, as a slice, while
        nothing is closed); None otherwise."""
        state = self.state_tables()
        if "rows" not in state:
            closed = ~np.isnan(self.closed)
            steps = [self.closed[k] * (self.levels[k] - 1) for k in np.flatnonzero(closed)]
            on_grid = all(abs(x - round(x)) < 1e-9 for x in steps)
            rows: np.ndarray | slice | None = None
            if not steps:
                rows = slice(None)
            elif on_grid:
                digits = grid_digits(self.base)
                wanted = np.rint(np.array(steps)).astype(digits.dtype)
                rows = np.flatnonzero((digits[:, closed] == wanted).all(axis=1))
            state["rows"] = rows
        return state["rows"]

    @property
    def grid(self) -> np.ndarray:
        """Candidate packages: a grid over the open issues, closed issues at their values."""
        if "grid" not in self._tables:
            rows = self._rows()
            self._tables["grid"] = (
                payoffs.package_grid(self.levels, self.closed)
                if rows is None
                else self.full_grid[rows]
            )
        return self._tables["grid"]

    def _seen_full(self) -> np.ndarray:
        """Every observer's perceived utility of every full-grid package to every actor, in one
        batched computation: (n, observers, actors). An actor sees itself truly, so the
        diagonal is the true table."""
        if "seen" not in self._full:
            n_a, n_k = self.ideal.shape
            ideal, weight, options = self._perceived_all()
            rho, gamma, link = self.base.get("seen_link") or self._seen_link()
            seen, actors = self._full.pop("stale", (None, list(range(n_a))))
            if seen is None or actors:
                if seen is not None:  # after an event: only the columns of the actors it changed
                    columns = (np.arange(n_a)[:, None] * n_a + actors).ravel()
                    ideal, weight = ideal[:, actors], weight[:, actors]
                    options = {k: t[:, actors] for k, t in options.items()}
                    rho, gamma = rho[columns], gamma[columns]
                    link = link if np.isscalar(link) else link[:, columns]
                table = payoffs.grid_utilities(
                    self.levels,
                    ideal.reshape(-1, n_k),
                    weight.reshape(-1, n_k),
                    rho,
                    gamma,
                    self.full_grid,
                    {k: t.reshape(len(rho), -1) for k, t in options.items()},
                    link,
                ).reshape(len(self.full_grid), n_a, len(actors))
                if seen is None:
                    seen = table
                else:
                    seen[:, :, actors] = table
            self._full["seen"] = seen
        return self._full["seen"]

    def _seen_link(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | float]:
        """ρ and γ for every observer's view of every actor, and the linkage terms of the
        observers' table (`payoffs.mesh_linkage`): nobody misperceives γ, so runs of the scenario
        share them, kept with its arrays while they are small (up to 4 MB)."""
        n_a = len(self.actor_keys)
        rho, gamma = np.tile(self.rho, n_a), np.tile(self.gamma, (n_a, 1, 1))
        axes = [payoffs.grid_levels(n) for n in self.levels]
        link = payoffs.mesh_linkage(axes, gamma, self.full_grid)
        if np.size(link) * 8 <= 4 * 2**20:
            if not np.isscalar(link):
                link.flags.writeable = False
            self.base["seen_link"] = (rho, gamma, link)
        return rho, gamma, link

    def _perceived_all(self) -> tuple[np.ndarray, np.ndarray, payoffs.Options]:
        """Every observer's view of every actor (until an event changes a parameter): ideal
        points and normalised saliences (observers, actors, K) and option utilities (observers,
        actors, options)."""
        if "perceived_all" not in self._full:
            self._full["perceived_all"] = (
                np.clip(self.ideal[None] + self.ideal_error, 0.0, 1.0),
                payoffs.normalise_saliences(self.salience[None] * self.salience_error),
                {
                    k: np.clip(table[None] + self.option_error[k], 0.0, 1.0)
                    for k, table in self.options.items()
                },
            )
        return self._full["perceived_all"]

    def _true_full(self) -> np.ndarray:
        """Every actor's true utility of every full-grid package: (n, A). Without perception
        noise no observer's table is built: before any event it is the scenario's shared table."""
        if "true" not in self._full:
            if self.base["noise"].any():
                seen = self._seen_full()
                diagonal = np.arange(seen.shape[1])
                self._full["true"] = seen[:, diagonal, diagonal]
            elif not self.events.order:
                self._full["true"] = self.initial_tables
            else:
                self._full["true"] = payoffs.grid_utilities(
                    self.levels,
                    self.ideal,
                    self._weight(),
                    self.rho,
                    self.gamma,
                    self.full_grid,
                    self.options,
                )
        return self._full["true"]

    def _grid_table(self, observer: int | None) -> np.ndarray:
        """Utilities (n, A) over the current grid as `observer` sees them (None, or an observer
        without perception noise: the truth), sliced from the full-grid table where possible."""
        if observer is not None and self.base["noise"][observer] == 0.0:
            observer = None
        rows = self._rows()
        if rows is None:
            if observer is None:
                return self.utilities(self.grid, self.ideal, self.salience)
            return self.utilities(self.grid, *self.perceived(observer))
        if observer is None:
            return self._true_full()[rows]
        return self._seen_full()[rows, observer]

    def utilities(
        self,
        packages: np.ndarray,
        ideal: np.ndarray,
        salience: np.ndarray,
        options: payoffs.Options | None = None,
    ) -> np.ndarray:
        """Utilities (n, A) of packages for the given (true or perceived) preferences; option
        tables default to the true ones."""
        if salience is self.salience:  # the true saliences: normalised once per parameter set
            weight = self._weight()
        else:
            weight = payoffs.normalise_saliences(salience)
        tables = self.options if options is None else options
        return payoffs.utilities(packages, ideal, weight, self.rho, self.gamma, tables)

    def scalars(self) -> dict[str, list[float]]:
        """The per-actor parameters answers read every round, as Python floats (until an event
        changes one): `outside` (NaN without an outside option), `patience`, `rationality`."""
        store = self._by_parameters
        if "scalars" not in store:
            store["scalars"] = {
                name: getattr(self, name).tolist()
                for name in ("outside", "patience", "rationality")
            }
        return store["scalars"]

    def _weight(self) -> np.ndarray:
        """The true saliences, normalised (until an event changes a parameter)."""
        store = self._by_parameters
        if "weight" not in store:
            store["weight"] = payoffs.normalise_saliences(self.salience)
        return store["weight"]

    def true_utilities(self) -> np.ndarray:
        """Every actor's true utility of every grid package: (n, A)."""
        state = self.state_tables()
        if "true" not in state:
            state["true"] = self._grid_table(None)
        return state["true"]

    def utility_of(self, package: np.ndarray, i: int) -> float:
        """Actor i's true utility of one package (every actor's at once, kept until an issue
        closes or an event fires: a proposal off the table's rows is read for each judge)."""
        key = ("utility", package.tobytes())
        if key not in self._tables:
            u = self.utilities(package[None, :], self.ideal, self.salience)[0]
            self._tables[key] = u.tolist()
        return self._tables[key][i]

    def best_utility(self, i: int) -> float:
        """The most actor i can get from any package, given what is already closed (beyond the
        exhaustive search, its best package as `search.best_package` finds it)."""
        state = self.state_tables()
        if "best" not in state:
            if self.exhaustive:
                state["best"] = self.true_utilities().max(axis=0).tolist()
            else:
                mesh = self._mesh(None)
                best = np.array([search.best_package(mesh, i) for i in range(len(self.ideal))])
                state["best"] = np.diagonal(mesh.utilities(best)).tolist()
        return state["best"][i]

    def reversion_package(self) -> np.ndarray:
        """What holds if nothing more is agreed: closed issues as closed, open ones reverted."""
        return np.where(np.isnan(self.closed), self.reversion, self.closed)

    def _reversion_utilities(self) -> dict[str, Any]:
        """The reversion package's utility to every actor, true (`true`, a list) and as every
        observer perceives it (`seen`, observers × actors), and the disagreement payoffs from
        them (`d`, a list; `seen_d`), in one batched computation until an issue closes or an
        event fires. An actor sees itself truly, so the true utilities are the diagonal; linkage
        is the same for every observer, so it is computed once."""
        if "rev" not in self._tables:
            n_a, n_k = self.ideal.shape
            rev = self.reversion_package()[None, :]
            noisy = bool(self.base["noise"].any())
            if noisy:  # every observer's view of every actor: (observers, actors)
                ideal, weight, options = self._perceived_all()
                if "seen_rho" not in self.base:  # nothing changes ρ
                    self.base["seen_rho"] = np.tile(self.rho, n_a)
                u = payoffs.utilities(
                    rev,
                    ideal.reshape(-1, n_k),
                    weight.reshape(-1, n_k),
                    self.base["seen_rho"],
                    None,
                    {k: t.reshape(n_a * n_a, -1) for k, t in options.items()},
                ).reshape(n_a, n_a)
            else:
                u = payoffs.utilities(rev, self.ideal, self._weight(), self.rho, None, self.options)
            if self.base["linked"]:
                u += payoffs.linkage(rev, self.gamma)
            true = np.diagonal(u) if noisy else u[0]
            seen = u if noisy else np.broadcast_to(u[0], (n_a, n_a))
            self._tables["rev"] = {
                "true": true.tolist(),
                "d": payoffs.disagreement_payoffs(true, self.outside).tolist(),
                "seen_d": payoffs.disagreement_payoffs(seen, self.outside[None]),
            }
        return self._tables["rev"]

    def reversion_utility(self, i: int) -> float:
        """Actor i's utility of the reversion package."""
        return self._reversion_utilities()["true"][i]

    def disagreement(self, i: int) -> float:
        """Actor i's disagreement payoff: max of reversion utility and outside option."""
        return self._reversion_utilities()["d"][i]

    def perceived(self, observer: int) -> tuple[np.ndarray, np.ndarray, payoffs.Options]:
        """Ideal points, saliences and option utilities of every actor as `observer` sees them
        (until an event changes a parameter)."""
        key = ("perceived", observer)
        if key not in self._full:
            ideal = np.clip(self.ideal + self.ideal_error[observer], 0.0, 1.0)
            options = {
                k: np.clip(table + self.option_error[k][observer], 0.0, 1.0)
                for k, table in self.options.items()
            }
            self._full[key] = (ideal, self.salience * self.salience_error[observer], options)
        return self._full[key]

    def offer_tables(self, proposer: int) -> tuple[np.ndarray, np.ndarray]:
        """The proposer's own utility of each grid package and, as it perceives them, the margin
        over its disagreement payoff of the worst-off other open-issue veto player (zeros when
        there is none)."""
        key = ("offer", proposer)
        if key not in self._tables:
            seen = self._grid_table(proposer)
            seen_d = self._seen_disagreement(proposer)
            others = self.responders(proposer)
            own = np.ascontiguousarray(self.true_utilities()[:, proposer])  # read every round
            if self.majority:  # the margin of the coalition each open issue needs
                full = np.full(seen.shape, -np.inf)
                full[:, others], full[:, proposer] = seen[:, others] - seen_d[others], np.inf
                worst = np.min(
                    [rules.coalition_margin(self.rules[k], full) for k in self.open_issues()],
                    axis=0,
                )
            elif others:  # column by column: a minimum over a short inner axis is slow
                worst = functools.reduce(np.minimum, [seen[:, j] - seen_d[j] for j in others])
            else:
                worst = np.zeros_like(own)
            self._tables[key] = (own, worst)
        return self._tables[key]

    def offer(self, proposer: int, aspiration: float) -> tuple[np.ndarray, int | None]:
        """The package `proposer` offers for an aspiration, and its grid row when every package
        is enumerated (`strategies.choose_offer`); beyond `search.EXHAUSTIVE` packages, what
        `search.trade_off_search` finds from the proposer's best package."""
        if self.exhaustive:
            own, worst = self.offer_tables(proposer)
            choice = strategies.choose_offer(own, aspiration, worst)
            rows = self._rows()  # the package read from the full grid: no per-state copy of it
            if rows is None:
                return self.grid[choice], choice
            return self.full_grid[choice if isinstance(rows, slice) else rows[choice]], choice
        mesh, seen_d = self._offer_mesh(proposer)
        key = ("start", proposer)
        if key not in self._tables:
            self._tables[key] = search.best_package(mesh, 0)
        found = search.trade_off_search(mesh, seen_d, aspiration, self._tables[key])
        return mesh.values(found[None])[0], None

    def _axes(self) -> list[np.ndarray]:
        """Each issue's candidate values: its grid levels while open, its value once closed."""
        return [
            payoffs.grid_levels(n) if np.isnan(x) else np.array([x])
            for n, x in zip(self.levels, self.closed, strict=True)
        ]

    def _mesh(self, observer: int | None, actors: list[int] | None = None) -> search.Mesh:
        """The search mesh of the current grid for `actors` (default all) as `observer` sees
        them (None: the truth)."""
        key = ("mesh", observer, None if actors is None else tuple(actors))
        if key not in self._tables:
            if observer is None:
                ideal, weight, options = self.ideal, self._weight(), self.options
            else:
                ideal, salience, options = self.perceived(observer)
                weight = payoffs.normalise_saliences(salience)
            rows = slice(None) if actors is None else actors
            self._tables[key] = search.mesh(
                self._axes(),
                ideal[rows],
                weight[rows],
                self.rho[rows],
                self.gamma[rows],
                {k: t[rows] for k, t in options.items()},
            )
        return self._tables[key]

    def _offer_mesh(self, proposer: int) -> tuple[search.Mesh, np.ndarray]:
        """The proposer's search mesh (itself first, then the other open-issue veto players as
        it perceives them) and those players' disagreement payoffs as it perceives them."""
        others = self.responders(proposer)
        return self._mesh(proposer, [proposer, *others]), self._seen_disagreement(proposer)[others]

    def _seen_disagreement(self, observer: int) -> np.ndarray:
        """Every actor's disagreement payoff as `observer` perceives it."""
        return self._reversion_utilities()["seen_d"][observer]

    # --- equilibrium strategy (two actors, one issue) -----------------------------------------
    def _equilibrium(self, i: int) -> tuple[list[float], list[tuple[float, float]]]:
        key = ("eq", i)
        if key not in self._tables:
            ideal = self.perceived(i)[0]
            noise = self.base["noise"]
            path = strategies.equilibrium_path(
                (float(ideal[0, 0]), float(ideal[1, 0])),
                (float(self.rho[0]), float(self.rho[1])),
                (float(self.patience[0]), float(self.patience[1])),
                (self.disagreement(0), self.disagreement(1)),
                self.deadline,
                first=self.rotation[0],
                margin=strategies.safety_margin((float(noise[0]), float(noise[1]))),
            )
            self._tables[key] = path
        return self._tables[key]

    def equilibrium_offer(self, i: int, t: int) -> np.ndarray:
        """The subgame-perfect offer at round t, as actor i computes it."""
        offers, _ = self._equilibrium(i)
        return np.array([offers[t]])

    def equilibrium_value(self, i: int, t: int) -> float:
        """Actor i's equilibrium value of reaching round t (for its acceptance threshold)."""
        _, values = self._equilibrium(i)
        return values[min(t, self.deadline)][i]

    # --- the protocol -------------------------------------------------------------------------
    def relative_time(self, t: int) -> float:
        """τ = t / (T − 1): 0 at the first round, 1 at the last."""
        return 1.0 if self.deadline <= 1 else t / (self.deadline - 1)

    def open_issues(self) -> list[int]:
        """Indices of the issues still open."""
        if "open" not in self._tables:
            self._tables["open"] = np.isnan(self.closed).nonzero()[0].tolist()
        return self._tables["open"]

    def responders(self, proposer: int) -> list[int]:
        """The actors asked on any open issue (its veto players or voters), other than the
        proposer."""
        if "asked" not in self._tables:
            asked_by = self.base["asked_by"]
            self._tables["asked"] = sorted({j for k in self.open_issues() for j in asked_by[k]})
        return [j for j in self._tables["asked"] if j != proposer]

    def recognise(self) -> int:
        """The proposer of this round: the agenda setter first, if there is one; then fixed
        rotation, or ∝ capability (Baron–Ferejohn)."""
        setter = self.spec.protocol.agenda_setter
        if setter is not None and self.round == 0:
            return self.actor_keys.index(setter)
        if self.spec.protocol.recognition == "capability":
            # What Generator.choice(p=...) does, without its per-call checks: one uniform draw
            # against the cumulative distribution.
            store = self._by_parameters
            if "cdf" not in store:
                cdf = np.cumsum(self.capability)
                cdf /= cdf[-1]
                store["cdf"] = cdf.tolist()
            return bisect.bisect_right(store["cdf"], self.rng.random())
        return self.rotation[self.round % len(self.rotation)]

    def close(self, k: int, value: float, agreed: bool) -> None:
        """Fix issue k at a value, agreed or reverted."""
        self.closed[k] = value
        self.closed_round[self.issue_keys[k]] = self.round
        if agreed:
            self.agreed_issues.add(self.issue_keys[k])
        self.invalidate()

    def step(self) -> None:
        """One round, through Mesa's scheduler (the app steps the model round by round)."""
        self.play_round()

    def play_round(self) -> None:
        """One round: events, a proposal, the answers, and what closes."""
        fired = self.events.fire(self.round)
        if not self.open_issues():
            self.running = False
            return
        proposer, open_ = self.recognise(), self.open_issues()
        package, row = self.negotiators[proposer].propose(self.round)
        answers, own, closed_now = self._settle(proposer, package, row)
        if self.keep_trajectory:
            self.trajectory.append(
                Offer(
                    round=self.round,
                    proposer=self.actor_keys[proposer],
                    package={self.issue_keys[k]: float(package[k]) for k in open_},
                    answers={self.actor_keys[j]: self._answer_data(a) for j, a in answers.items()},
                    closed=closed_now,
                    events=fired,
                    proposer_answer=None if own.accept else self._answer_data(own),
                )
            )
        self.round += 1
        if self.round >= self.deadline or not self.open_issues():
            self._finish()

    def _answer_data(self, a: Answer) -> dict[str, Any]:
        """An answer as trajectory data."""
        return {
            "accept": a.accept,
            "utility": a.utility,
            "threshold": a.threshold,
            "walkout": a.walkout,
            "p": a.p,
            "settlement": [self.issue_keys[k] for k in a.settlement],
            "sure": a.sure,
            "floor": a.floor,
        }

    def settlement_utilities(
        self, package: np.ndarray, settled: list[int], judges: list[int]
    ) -> np.ndarray:
        """What each judge is sure to get if exactly the issues `settled` close at `package`'s
        values: closed issues as they are, the open issues it vetoes at their reversion (its veto
        can hold them there), and the open issues it cannot veto at the worst value for it."""
        rest = [k for k in self.open_issues() if k not in settled]  # open, and staying open
        values = self.closed.copy()
        values[settled] = package[settled]
        values[rest] = self.reversion[rest]
        free = np.zeros(values.shape, dtype=bool)
        free[rest] = True
        judged = self._judged(tuple(judges))
        return payoffs.guaranteed_utilities(
            values, free[None] & judged["cannot_veto"], **judged["as"]
        )

    def _judged(self, judges: tuple[int, ...]) -> dict[str, Any]:
        """The judges' preferences as `payoffs.guaranteed_utilities` takes them, and the issues
        each cannot veto (until an event changes a parameter)."""
        store = self._by_parameters
        key = ("judged", judges)
        if key not in store:
            if "worst" not in store:
                store["worst"] = payoffs.worst_values(self.ideal, self.rho, self.options)
            rows = list(judges)
            gamma = self.gamma[rows]
            store[key] = {
                "cannot_veto": ~self.veto[:, rows].T,
                "as": {
                    "ideal": self.ideal[rows],
                    "weight": self._weight()[rows],
                    "rho": self.rho[rows],
                    "gamma": gamma if gamma.any() else None,
                    "options": {k: t[rows] for k, t in self.options.items()},
                    "worst": store["worst"][rows],
                },
            }
        return store[key]

    def _sure(self, package: np.ndarray, settled: list[int], judges: list[int]) -> dict[int, float]:
        """`settlement_utilities` by judge. Runs meet the same settlements again and again: kept
        with the scenario's arrays, by the events fired before (bounded: `_SETTLEMENTS`)."""
        kept = self.base.setdefault("settlements", {})
        key = (
            tuple(self.events.order),
            self.closed.tobytes(),
            package.tobytes(),
            tuple(settled),
            tuple(judges),
        )

        def sure() -> dict[int, float]:
            values = self.settlement_utilities(package, settled, judges)
            return {j: float(v) for j, v in zip(judges, values, strict=True)}

        return _recall(kept, key, _SETTLEMENTS, sure)

    def _settle(
        self, proposer: int, package: np.ndarray, row: int | None
    ) -> tuple[dict[int, Answer], Answer, list[str]]:
        """Answers to the proposal and what closes. Walk-outs revert every issue the walker
        vetoes. Then everyone asked on an open issue judges the proposal and the settlement it
        would actually get: first everything open; while some issue is not carried by its rule
        (`rules.carries`: unanimity of its veto players, or a qualified majority with them), it
        drops out (with `partial`; without it nothing closes) and the acceptors asked on what is
        left judge that smaller settlement (a rejection stands: a rejector could block nothing
        that is left). The proposer judges exactly; the others as their λ says. The reciprocal
        strategy observes the proposal once, when it is first judged."""
        t, closed = self.round, []
        answers: dict[int, Answer] = {}
        responders = self.responders(proposer)
        table = None if row is None else self.true_utilities()[row].tolist()
        offer = {
            j: self.utility_of(package, j) if table is None else table[j]
            for j in [*responders, proposer]
        }
        for j in responders:
            if j in self._walkers():  # looked up each time: a walk-out changes the state
                answers[j] = Answer(False, self.best_utility(j), float(self.outside[j]), True)
                for k in self.open_issues():
                    if self.veto[k, j]:
                        self.close(k, self.reversion[k], agreed=False)
                        closed.append(self.issue_keys[k])
                self.breakdown = self.breakdown or f"walkout:{self.actor_keys[j]}"
        open_, holds, stake = self._holdings()
        settled = set(open_)
        judges = [j for j in responders if j not in answers]
        if stake[proposer]:
            judges.append(proposer)
        own = Answer(True, math.nan, math.nan)
        sure = dict(offer)  # when everything open settles, the settlement is the proposal ...
        if closed and settled and judges:  # ... unless a walk-out reverted some of it
            sure.update(self._sure(package, sorted(settled), judges))
        first = True
        n_a = len(self.actor_keys)
        accept = [False] * n_a
        while settled and judges:
            accept = [False] * n_a
            settlement = sorted(settled)
            for j in judges:
                n = self.negotiators[j]
                if first and j != proposer:
                    n.observe(offer[j])
                answer = n.judge(
                    offer[j], sure[j], t, holds[j] <= settled, j == proposer, settlement
                )
                if j == proposer:
                    own = answer
                else:
                    answers[j] = answer
                accept[j] = answer.accept
            failed = {k for k in settled if not rules.carries(self.rules[k], accept)}
            if not failed:
                break
            if not self.spec.protocol.partial:
                settled = set()
                break
            settled -= failed
            judges = [j for j in judges if accept[j] and stake[j] & settled]
            first = False
            if settled and judges:
                sure.update(self._sure(package, sorted(settled), judges))
        settled = {k for k in settled if rules.carries(self.rules[k], accept)}  # (walk-outs)
        for k in sorted(settled):
            self.close(k, float(package[k]), agreed=True)
            closed.append(self.issue_keys[k])
            self.coalitions[self.issue_keys[k]] = [
                self.actor_keys[j] for j in self.base["asked_by"][k] if accept[j]
            ]
        if settled:
            self.last_proposer = self.actor_keys[proposer]
        return answers, own, closed

    def _walkers(self) -> list[int]:
        """The actors who would walk out now (`Negotiator.walks_out`)."""
        state = self.state_tables()
        if "walkers" not in state:
            state["walkers"] = [n.index for n in self.negotiators if n.walks_out()]
        return state["walkers"]

    def _holdings(self) -> tuple[set[int], list[frozenset[int]], list[frozenset[int]]]:
        """The open issues, and by actor the open issues it vetoes and those it is asked on."""
        if "holdings" not in self._tables:
            open_ = set(self.open_issues())
            self._tables["holdings"] = (
                open_,
                [v & open_ for v in self.vetoes],
                [v & open_ for v in self.stakes],
            )
        return self._tables["holdings"]

    def _finish(self) -> None:
        """At the deadline every open issue takes its reversion point."""
        open_ = self.open_issues()
        for k in open_:
            self.close(k, self.reversion[k], agreed=False)
        if open_ and not self.breakdown:
            self.breakdown = "deadline"
        self.running = False

    def run(self) -> RunRecord:
        """Play to the deadline (or until every issue is closed) and return the run record."""
        # Round after round directly: nothing else is on Mesa's event list, and its per-step
        # scheduling (an event popped and rescheduled each round) cost about 7% of a run.
        while self.running:
            self.play_round()
        record = self.record()
        # Free the run's tables now: Mesa's model, agents and event list refer to one another,
        # so the model itself waits for the garbage collector, but its big arrays need not.
        self.invalidate(parameters=True)
        return record

    def _outcome_utilities(self) -> np.ndarray:
        """Every actor's true utility of the package as it stands: kept with the scenario's
        arrays, by the events fired before (runs end at the same outcomes again and again;
        bounded: `_SETTLEMENTS`)."""
        key = (tuple(self.events.order), self.closed.tobytes())
        outcomes = self.base.setdefault("outcomes", {})

        def utilities() -> np.ndarray:
            u = self.utilities(self.closed[None, :], self.ideal, self.salience)[0]
            u.flags.writeable = False  # shared by the scenario's runs
            return u

        return _recall(outcomes, key, _SETTLEMENTS, utilities)  # type: ignore[no-any-return]

    def _references(self) -> dict[str, Any]:
        """A copy of the run's references (`references`: each record owns its own, the cached
        ones are shared by every run of the scenario), loaded from their `marshal` bytes (exact
        floats, same order), kept by the events fired: several times faster than copying."""
        store = self._by_parameters
        if "references" not in store:
            store["references"] = marshal.dumps(references(self.spec, self.events.order))
        return marshal.loads(store["references"])  # type: ignore[no-any-return]

    def record(self, seed: int = 0) -> RunRecord:
        """The run record of MODEL.md §5. Each actor's payoff is its utility of the outcome or,
        when the run ends without full agreement, its outside option where that is higher."""
        outcome = self.closed.copy()
        u = self._outcome_utilities()
        settled = max(self.closed_round.values(), default=0)
        settle_t = self.deadline if self.breakdown == "deadline" else settled
        delta = self.patience
        agreed = len(self.agreed_issues) == len(self.issue_keys)
        took = ~np.isnan(self.outside) & (self.outside > u) & (not agreed)
        pay = np.where(took, self.outside, u)
        utilities = {a: float(pay[i]) for i, a in enumerate(self.actor_keys)}
        refs = self._references()
        return RunRecord(
            scenario=self.spec.name,
            seed=seed,
            protocol="alternating_offers",
            agreed=agreed,
            round=max((self.closed_round[k] for k in self.agreed_issues), default=None),
            rounds_used=self.round,
            breakdown="" if agreed else (self.breakdown or "deadline"),
            proposer=self.last_proposer,
            issues={
                k: IssueOutcome(
                    value=float(outcome[i]),
                    agreed=k in self.agreed_issues,
                    label=self.spec.issues[k].label_of(float(outcome[i])),
                    round=self.closed_round.get(k),
                    option=self.spec.issues[k].option_at(float(outcome[i])),
                    coalition=self.coalitions.get(k, []),
                )
                for i, k in enumerate(self.issue_keys)
            },
            utilities=utilities,
            utilities_discounted=dict(
                zip(self.actor_keys, payoffs.discounted(pay, delta, settle_t).tolist(), strict=True)
            ),
            events=self.events.fired,
            nash_distance=distance(utilities, refs["nash"]),
            nash_package=refs["nash"]["package"],
            trajectory=self.trajectory,
            took_outside={a: bool(took[i]) for i, a in enumerate(self.actor_keys)},
            references=refs,
            equilibrium_distance=distance(utilities, refs["equilibrium"]),
        )


def _recall(store: dict[Any, Any], key: Any, limit: int, make: Callable[[], Any]) -> Any:
    """`store[key]`, made on a miss; the store keeps the `limit` entries used last (a dict keeps
    insertion order: a hit moves its entry to the end, a miss evicts the first)."""
    if key in store:
        store[key] = value = store.pop(key)
        return value
    while store and len(store) >= limit:
        del store[next(iter(store))]
    store[key] = value = make()
    return value
