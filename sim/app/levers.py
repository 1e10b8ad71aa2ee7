"""The app's levers: inputs built from a scenario file, and the `--set` overrides they amount to.

A setting of the levers is a dict {lever path: value}. It becomes a list of `PATH=VALUE` strings,
exactly what `negsim run/validate --set` takes, so the app validates a setting with the same
loader and shows the same messages as `negsim validate`, and can print the equivalent command.
Pure logic: no Solara here.
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.scenario.loading import ScenarioError, load_scenario, read_document, validate_document
from sim.scenario.models import Scenario
from sim.scenario.words import field_words

# Each strategy's one parameter a lever moves (equilibrium has none).
STRATEGY_PARAMETER = {"concession": "e", "reciprocal": "beta"}
STRATEGY_LABEL = {
    "concession": f"{field_words('e')} (below 1: Boulware, holds out)",
    "reciprocal": f"{field_words('beta')} (share of concessions returned)",
}
STRATEGY_RANGE = {"concession": (0.1, 4.0, 0.1), "reciprocal": (0.0, 2.0, 0.1)}


@dataclass(frozen=True)
class Lever:
    """One input of the app: the scenario value at `path` and how to set it.

    kind: "number" (a slider), "integer" (a slider of whole numbers), "choice", "switch", "seed"
    (a whole number typed in), "strategy" (a choice whose parameter lever is `path + ".param"`)
    or "event" (a switch that keeps or drops events[i]). `none_label` names the value None of a
    number that may be absent (an outside option); `inf_label` the value ∞ (rationality λ).
    """

    path: str
    label: str
    group: str
    kind: str
    default: Any
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    choices: tuple[str, ...] = ()
    none_label: str = ""
    inf_label: str = ""
    term: str = ""  # the glossary entry that explains it

    @property
    def sweepable(self) -> bool:
        """Numbers a sweep can vary (`negsim sweep --vary PATH=LOW:HIGH:NUM`)."""
        return self.kind in ("number", "integer")


def _number(path, label, group, default, low, high, step, **extra) -> Lever:
    """A slider whose range always contains the file's value."""
    if isinstance(default, (int, float)) and math.isfinite(default):
        low, high = min(low, default), max(high, default)
    return Lever(path, label, group, extra.pop("kind", "number"), default, low, high, step, **extra)


@dataclass
class LeverBoard:
    """The levers of one scenario file, with the file's own values as defaults."""

    file: str
    spec: Scenario
    levers: list[Lever]
    events: list[dict[str, Any]] = field(default_factory=list)  # the file's events, as written
    strategies: dict[str, dict[str, Any]] = field(default_factory=dict)  # actor -> as written

    def lever(self, path: str) -> Lever:
        """The lever at `path`."""
        for lever in self.levers:
            if lever.path == path:
                return lever
        raise KeyError(path)

    def defaults(self) -> dict[str, Any]:
        """The setting that reproduces the file."""
        return {lever.path: lever.default for lever in self.levers}

    def overrides(self, values: dict[str, Any]) -> list[str]:
        """The `PATH=VALUE` strings (for `--set`) that turn the file into this setting; only
        values that differ from the file appear."""
        out: list[str] = []
        kept = []
        for lever in self.levers:
            value = values.get(lever.path, lever.default)
            if lever.kind == "event":
                if value:
                    kept.append(self.events[int(lever.path.split(".")[1])])
            elif lever.kind == "strategy":
                strategy = self._strategy(lever, value, values)
                if strategy is not None:
                    out.append(f"{lever.path}={_yaml(strategy)}")
            elif lever.path.endswith(".param"):
                continue  # folded into its strategy
            elif not _same(value, lever.default):
                out.append(f"{lever.path}={_yaml(value)}")
        if len(kept) != len(self.events):
            out.append(f"events={_yaml(kept)}")
        return out

    def _strategy(self, lever: Lever, kind: str, values: dict[str, Any]) -> dict | None:
        """The strategy mapping an actor's two strategy levers give, or None if unchanged."""
        actor = lever.path.split(".")[1]
        param = values.get(f"{lever.path}.param", self.lever(f"{lever.path}.param").default)
        written = self.strategies.get(actor, {"type": "concession"})
        name = STRATEGY_PARAMETER.get(kind)
        if kind == lever.default and (name is None or _same(param, _param_default(self, actor))):
            return None
        strategy = dict(written) if written.get("type", "concession") == kind else {"type": kind}
        strategy["type"] = kind
        if name is not None:
            strategy[name] = param
        return strategy

    def scenario(self, values: dict[str, Any]) -> Scenario:
        """The validated scenario of a setting; a ScenarioError (as `negsim validate --set`
        reports it) when the combination is invalid."""
        return load_scenario(self.file, self.overrides(values))

    def command(self, values: dict[str, Any], verb: str = "run") -> str:
        """The negsim command line that runs this setting."""
        args = ["negsim", verb, self.file]
        for text in self.overrides(values):
            args += ["--set", text]
        return shlex.join(args)


def _param_default(board: LeverBoard, actor: str) -> Any:
    return board.lever(f"actors.{actor}.strategy.param").default


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _yaml(value: Any) -> str:
    """A value as the YAML text `--set` reads back to the same value (JSON is YAML, except
    for infinity)."""
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if isinstance(value, float):
        return repr(round(value, 10))
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _event_label(event: Any) -> str:
    when = f"round {event.round + 1}" if event.round is not None else f"{event.hazard:.0%} a round"
    return f"{event.name} ({when})"


def board_for(path: str | Path) -> LeverBoard:
    """Read a scenario file and build its levers (a ScenarioError if the file is invalid)."""
    doc = read_document(path)
    spec = validate_document(doc)
    raw_actors = doc.data.get("actors", {})
    levers: list[Lever] = []
    p = spec.protocol
    group = "The negotiation"
    levers.append(
        _number(
            "protocol.deadline",
            field_words("deadline"),
            group,
            p.deadline,
            1,
            40,
            1,
            kind="integer",
            term="deadline",
        )
    )
    levers.append(
        Lever(
            "protocol.recognition",
            field_words("recognition"),
            group,
            "choice",
            p.recognition,
            choices=("rotation", "capability"),
            term="recognition",
        )
    )
    levers.append(
        Lever(
            "protocol.partial",
            field_words("partial"),
            group,
            "switch",
            p.partial,
            term="partial agreement",
        )
    )
    levers.append(
        Lever(
            "run.seed",
            field_words("seed"),
            group,
            "seed",
            spec.run.seed,
            0,
            999_999,
            1,
            term="seed",
        )
    )
    for i, event in enumerate(spec.events):
        levers.append(
            Lever(f"events.{i}", _event_label(event), "Events", "event", True, term="event")
        )
    for key, actor in spec.actors.items():
        who = actor.name
        base = f"actors.{key}"
        levers += [
            _number(
                f"{base}.outside_option",
                field_words("outside_option"),
                who,
                actor.outside_option,
                0.0,
                1.0,
                0.05,
                none_label="no outside option",
                term="outside option",
            ),
            _number(
                f"{base}.patience",
                field_words("patience"),
                who,
                actor.patience,
                0.5,
                1.0,
                0.01,
                term="δ",
            ),
            Lever(
                f"{base}.strategy",
                "strategy",
                who,
                "strategy",
                actor.strategy.type,
                choices=("concession", "reciprocal", "equilibrium"),
                term="strategy",
            ),
        ]
        kind = actor.strategy.type
        name = STRATEGY_PARAMETER.get(kind)
        low, high, step = STRATEGY_RANGE.get(kind, (0.1, 4.0, 0.1))
        levers += [
            _number(
                f"{base}.strategy.param",
                STRATEGY_LABEL.get(kind, "strategy parameter"),
                who,
                getattr(actor.strategy, name) if name else 1.0,
                low,
                high,
                step,
                term="strategy",
            ),
            _number(
                f"{base}.capability",
                field_words("capability"),
                who,
                actor.capability,
                0.1,
                3.0,
                0.1,
                term="capability",
            ),
            _number(
                f"{base}.rationality",
                field_words("rationality"),
                who,
                actor.rationality,
                1.0,
                100.0,
                1.0,
                inf_label="exact answers (λ = ∞)",
                term="λ",
            ),
            _number(
                f"{base}.perception_noise",
                field_words("perception_noise"),
                who,
                actor.perception_noise,
                0.0,
                0.5,
                0.01,
                term="perception noise",
            ),
        ]
    strategies = {
        key: dict(raw.get("strategy") or {"type": "concession"})
        for key, raw in raw_actors.items()
        if isinstance(raw, dict)
    }
    return LeverBoard(str(path), spec, levers, list(doc.data.get("events") or []), strategies)


def problems(exc: ScenarioError, spec: Scenario | None = None) -> list[str]:
    """The lines `negsim validate` prints for an invalid setting; given the scenario, a problem
    in a lever's own value (which the CLI names by its `--set PATH=VALUE`) is named by the lever's
    words instead: "error: Russia's strategy: the equilibrium strategy needs …"."""
    from sim.scenario.words import parameter_phrase

    out = []
    for problem in [exc, *exc.others]:
        if spec is not None and problem.path and problem.file.startswith("--set "):
            out.append(f"error: {parameter_phrase(problem.path, spec)}: {problem.message}")
        else:
            out.append(f"error: {problem}")
    return out
