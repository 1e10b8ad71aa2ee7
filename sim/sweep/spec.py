"""Resolve a sweep specification from a scenario's `sweep:` block, a sweep file or `--vary` options,
and check every axis against the scenario so bad paths and values fail with `file:line` errors."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from sim.scenario.loading import (
    Document,
    ScenarioError,
    apply_override,
    apply_overrides,
    check_memory,
    read_document,
    shown,
    validate_document,
    warn_oddities,
)
from sim.scenario.models import Axis, Scenario, Sweep

DESIGNS = ("grid", "lhs", "sobol", "morris", "saltelli")
# Sizes beyond any sensible sweep, refused before anything is drawn or allocated: the design
# points are held in memory, and the store tracks every run's (point, replication).
MAX_POINTS = 1_000_000
MAX_RUNS = 100_000_000


@dataclass(frozen=True)
class SweepSpec:
    """Everything that determines a sweep's runs: the scenario document, axes, design, replications
    and root seed. Execution settings (executor, workers, chunk size) are deliberately not here."""

    file: str
    document: dict[str, Any]  # the scenario's plain data after --set overrides, without `sweep:`
    scenario: Scenario
    axes: tuple[Axis, ...]
    design: str = "grid"
    samples: int = 16
    replications: int = 100
    seed: int = 1
    integer_axes: tuple[bool, ...] = field(default=())
    search_bytes: int = 0  # the largest run's search memory over the axes' extremes (a check)

    @cached_property
    def points(self) -> Any:
        """The design points, an array of shape (n_points, n_axes) in the axes' own units."""
        from sim.sweep.design import make_design

        pts = make_design(list(self.axes), self.design, self.samples, self.seed)
        for j, is_int in enumerate(self.integer_axes):
            if is_int:
                pts[:, j] = pts[:, j].round()
        return pts

    @property
    def n_points(self) -> int:
        """Number of design points (1 when there are no axes: plain replications)."""
        return int(self.points.shape[0])

    @property
    def n_runs(self) -> int:
        """Total runs: design points times replications."""
        return self.n_points * self.replications

    @property
    def paths(self) -> list[str]:
        """The dotted path of every axis, in order."""
        return [a.path for a in self.axes]

    def params(self, point: int) -> dict[str, float | int | str]:
        """The parameter values of one design point, keyed by dotted path (ints for int fields,
        names for a categorical axis)."""
        row = self.points[point]
        return {a.path: self._value(a, j, row[j]) for j, a in enumerate(self.axes)}

    def _value(self, axis: Axis, j: int, x: float) -> float | int | str:
        if axis.categorical:
            return (axis.values or [])[int(x)]
        return int(x) if self.integer_axes[j] else float(x)

    def scenario_at(self, point: int) -> Scenario:
        """The validated scenario of one design point."""
        return build_scenario(self.file, self.document, self.params(point))

    def to_json(self) -> dict[str, Any]:
        """The specification as manifest data (axes, design, samples, replications, root seed)."""
        return {
            "axes": [a.model_dump(mode="json", exclude_none=True) for a in self.axes],
            "design": self.design,
            "samples": self.samples,
            "replications": self.replications,
            "seed": self.seed,
            "n_points": self.n_points,
            "n_runs": self.n_runs,
        }

    def fingerprint(self) -> str:
        """A digest of what determines the results, to refuse resuming a different sweep."""
        data = {"document": self.document, "sweep": self.to_json()}
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_scenario(file: str, document: dict[str, Any], params: dict[str, Any]) -> Scenario:
    """Validate `document` with `params` applied at their dotted paths (a ScenarioError if bad)."""
    doc = Document(file, copy.deepcopy(document), {})
    for path, value in params.items():
        apply_override(doc, path, value)
    return validate_document(doc)


def resolve_sweep(
    path: str | Path,
    vary: Sequence[str] = (),
    design: str | None = None,
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] = (),
) -> SweepSpec:
    """Read a scenario (or a sweep file naming one), apply `--set` overrides, take the sweep from
    the file unless `--vary` axes are given (they replace the file's axes), and check it."""
    doc = read_document(path)
    sweep_doc = doc
    if "scenario" in doc.data and isinstance(doc.data.get("scenario"), str):
        extra = sorted(set(doc.data) - {"scenario", "sweep"})
        if extra:
            raise ScenarioError(
                doc.file,
                doc.line_of((extra[0],)),
                extra[0],
                "unknown field in a sweep file; expected scenario and sweep",
            )
        target = Path(doc.data["scenario"])
        if not target.is_absolute():
            target = Path(path).parent / target
        doc = read_document(target)
    apply_overrides(doc, overrides)
    block = _sweep_block(sweep_doc)
    base_data = {k: v for k, v in doc.data.items() if k != "sweep"}
    scenario = validate_document(replace(doc, data=copy.deepcopy(base_data)))
    memory = check_memory(doc, scenario)
    warn_oddities(doc, scenario)
    axes = [parse_vary(doc.file, text) for text in vary] if vary else list(block.axes)
    swept = {axis.path for axis in axes}
    for text in overrides:
        path = text.split("=", 1)[0].strip()
        if path in swept:
            raise ScenarioError(
                *doc.where(path.split(".")),
                path,
                "is swept, so --set would be overwritten at every design point; "
                "give its values with --vary instead",
            )
    spec = SweepSpec(
        file=doc.file,
        document=base_data,
        scenario=scenario,
        axes=tuple(axes),
        design=design or block.design,
        samples=block.samples if samples is None else samples,
        replications=block.replications if replications is None else replications,
        seed=block.seed if seed is None else seed,
    )
    where = "--vary" if vary else f"{sweep_doc.file}"
    _check_settings(spec, where)
    checks = [
        _check_axis(doc, sweep_doc, axis, i, spec.design, bool(vary)) for i, axis in enumerate(axes)
    ]
    _check_size(spec, sweep_doc, bool(vary))
    integer = tuple(is_int for is_int, _ in checks)
    memory = max([memory, *(m for _, m in checks)])
    return SweepSpec(**{**spec.__dict__, "integer_axes": integer, "search_bytes": memory})


def _sweep_block(doc: Document) -> Sweep:
    """The file's `sweep:` block validated, with errors located in the file (defaults if absent)."""
    from pydantic import ValidationError

    raw = doc.data.get("sweep")
    if raw is None:
        return Sweep(replications=100)
    try:
        return Sweep.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ("sweep", *err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if "input" in err and not isinstance(err["input"], (dict, list)):
            message = f"{message} (got {shown(err['input'])})"
        return _raise(ScenarioError(doc.file, doc.line_of(loc), ".".join(map(str, loc)), message))


def _raise(exc: Exception) -> Any:
    raise exc


def parse_vary(file: str, text: str) -> Axis:
    """Parse `PATH=LOW:HIGH:NUM`, `PATH=LOW:HIGH` or `PATH=v1,v2,...` into an axis."""
    from pydantic import ValidationError

    def bad(message: str) -> ScenarioError:
        return ScenarioError(file, None, f"--vary {text}", message)

    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise bad(
            "expected PATH=LOW:HIGH:NUM or PATH=v1,v2,..., e.g. actors.russia.patience=0.8:0.99:5"
        )
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) not in (2, 3):
                raise bad("a range is LOW:HIGH or LOW:HIGH:NUM")
            low, high = _number(parts[0]), _number(parts[1])
            if len(parts) == 3 and not parts[2].strip().isdigit():
                raise bad(f"NUM must be a whole number of values (got {parts[2]!r})")
            num = int(parts[2]) if len(parts) == 3 else None
            if num is not None and num < 1:
                raise bad(f"NUM must be at least 1 (got {num})")
            return Axis(path=path, low=low, high=high, num=num)
        names = [v.strip() for v in spec.split(",")]
        try:
            values: list[float | str] = [_number(v) for v in names]
        except ValueError:  # a list of names: a categorical axis
            values = list(names)
        return Axis(path=path, values=values)
    except ValidationError as exc:
        raise bad(exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")) from None
    except ValueError as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise bad(f"not a number: {exc}") from None


def _number(text: str) -> float:
    """A number as YAML spells it too (`.inf`, `-.inf`, `.nan`), so that a non-finite value is
    refused for what it is rather than as unreadable."""
    special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
    return special.get(text.strip().lower()) or float(text)


def _check_settings(spec: SweepSpec, where: str) -> None:
    """Reject designs and sizes that cannot be built."""
    if spec.design not in DESIGNS:
        raise ScenarioError(
            spec.file,
            None,
            "design",
            f"unknown design {spec.design!r}; expected one of {list(DESIGNS)}",
        )
    for name, value in (("samples", spec.samples), ("replications", spec.replications)):
        if value < 1:
            raise ScenarioError(spec.file, None, name, f"must be at least 1 (got {value})")
    if spec.design != "grid" and not spec.axes:
        raise ScenarioError(
            spec.file, None, "sweep.axes", f"the {spec.design} design needs at least one axis"
        )
    paths = [a.path for a in spec.axes]
    for p in paths:
        if paths.count(p) > 1:
            raise ScenarioError(spec.file, None, p, f"{where}: the path is swept twice")


def _check_size(spec: SweepSpec, sweep_doc: Document, from_cli: bool) -> None:
    """Refuse designs of more than MAX_POINTS points or sweeps of more than MAX_RUNS runs, counted
    without drawing the design (a range of a billion levels must not be allocated to be refused)."""
    from sim.sweep.design import design_size

    levels = [len(a.values) if a.values is not None else a.num or 2 for a in spec.axes]
    points = design_size(len(spec.axes), spec.design, spec.samples, levels)
    if points > MAX_POINTS:
        if spec.design == "grid":
            widest = max(range(len(levels)), key=levels.__getitem__)
            loc: tuple[str | int, ...] = ("sweep", "axes", widest)
            shape = " × ".join(f"{n:,}" for n in levels)
        else:
            loc, shape = ("sweep", "samples"), f"{spec.design}, {spec.samples:,} samples"
        raise ScenarioError(
            sweep_doc.file,
            None if from_cli else sweep_doc.line_of(loc),
            "--vary" if from_cli else ".".join(map(str, loc)),
            f"{points:,} design points ({shape}); a sweep has at most {MAX_POINTS:,}: "
            "use fewer levels or samples",
        )
    if points * spec.replications > MAX_RUNS:
        raise ScenarioError(
            sweep_doc.file,
            sweep_doc.line_of(("sweep", "replications")),
            "replications",
            f"{points:,} points × {spec.replications:,} replications = "
            f"{points * spec.replications:,} runs; a sweep has at most {MAX_RUNS:,} runs: use "
            "fewer replications, or split the design across several results folders",
        )


def _check_axis(
    doc: Document, sweep_doc: Document, axis: Axis, index: int, design: str, from_cli: bool
) -> tuple[bool, int]:
    """Apply the axis's extreme and listed values to the scenario and validate; return whether the
    field holds integers (its design values are then rounded) and the largest search memory."""
    loc = ("sweep", "axes", index)
    axis_line = None if from_cli else sweep_doc.line_of(loc)
    if axis.values is None and design == "grid" and axis.num is None:
        raise ScenarioError(
            sweep_doc.file,
            axis_line,
            f"sweep.axes.{index}" if not from_cli else f"--vary {axis.path}",
            "a range on a grid design needs a number of levels (LOW:HIGH:NUM, or num:)",
        )
    if axis.values is not None and not axis.values:
        raise ScenarioError(sweep_doc.file, axis_line, f"sweep.axes.{index}.values", "no values")
    if axis.categorical and design not in ("grid", "lhs", "sobol"):
        raise ScenarioError(
            sweep_doc.file,
            axis_line,
            f"sweep.axes.{index}" if not from_cli else f"--vary {axis.path}",
            f"a list of names has no order to differentiate along; the {design} design needs "
            "numeric axes (use grid, lhs or sobol)",
        )
    probes = list(axis.values) if axis.values is not None else [axis.low, axis.high]
    current: Any = None
    memory = 0
    for value in probes:
        trial = replace(doc, data=copy.deepcopy(doc.data))
        trial.data.pop("sweep", None)
        apply_override(trial, axis.path, value)
        try:
            scenario = validate_document(trial)
            memory = max(memory, check_memory(trial, scenario))
        except ScenarioError as exc:
            raise ScenarioError(
                exc.file,
                exc.line,
                exc.path,
                f"{exc.message} (swept value {_show(value)} of {axis.path})",
            ) from None
        current = _value_at(scenario, axis.path)
    if axis.categorical:
        if not isinstance(current, str):
            raise ScenarioError(
                doc.file,
                doc.line_of(tuple(axis.path.split("."))),
                axis.path,
                f"a list of names sweeps only a named value (this field holds "
                f"{type(current).__name__})",
            )
        return False, memory
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise ScenarioError(
            doc.file,
            doc.line_of(tuple(axis.path.split("."))),
            axis.path,
            f"only numeric fields can be swept (this one holds {type(current).__name__})",
        )
    return isinstance(current, int), memory


def _show(value: Any) -> str:
    """A swept value as written: numbers compactly, names quoted."""
    return repr(value) if isinstance(value, str) else f"{value:g}"


def _value_at(scenario: Scenario, path: str) -> Any:
    """The validated value at a dotted path (models by attribute, dicts by key, lists by index)."""
    node: Any = scenario
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part, node.get(_num(part)))
        elif isinstance(node, list):
            node = node[int(part)]
        else:
            node = getattr(node, part)
    return node


def _num(part: str) -> Any:
    try:
        return float(part)
    except ValueError:
        return part
