"""Load scenario YAML with line numbers, apply dotted-path overrides, and report errors as file:line."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.models import Scenario

Loc = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A problem in a scenario the user can act on: file, line, field path and what was expected."""

    def __init__(self, file: str, line: int | None, path: str, message: str) -> None:
        self.file, self.line, self.path, self.message = file, line, path, message
        self.others: list[ScenarioError] = []  # further problems found in the same pass
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")

    def problems(self) -> list[str]:
        """Every problem found in the pass, one line each, in file order (what `validate`
        prints, and what the app shows)."""
        return [str(problem) for problem in [self, *self.others]]


@dataclass(frozen=True)
class Document:
    """Plain data parsed from YAML, with the 1-based line of every key and item."""

    file: str
    data: Any
    lines: dict[Loc, int]

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """Line of the deepest part of `loc` that exists in the file (tags in loc are skipped)."""
        best, prefix = self.lines.get((), None), ()
        for part in loc:
            for key in (part, _as_number(part)):
                if (*prefix, key) in self.lines:
                    prefix = (*prefix, key)
                    best = self.lines[prefix]
                    break
        return best


def _as_number(part: str | int) -> str | int | float:
    if isinstance(part, str):
        try:
            return float(part) if "." in part else int(part)
        except ValueError:
            return part
    return part


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML text into plain dicts and lists, keeping each node's line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt")
    try:
        raw = yaml.load(io.StringIO(text))
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        key = (exc.problem or "").split('"')[1] if '"' in (exc.problem or "") else "?"
        first = f" (first defined on line {exc.context_mark.line + 1})" if exc.context_mark else ""
        raise ScenarioError(
            file, line, key, f"duplicate key{first}; names must be unique"
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ScenarioError(file, line, "", f"YAML syntax error: {what}{_hint(what)}") from None
    lines: dict[Loc, int] = {(): 1}
    data = _plain(raw, (), lines)
    if not isinstance(data, dict):
        raise ScenarioError(file, 1, "", "expected a mapping of scenario fields at the top level")
    return Document(file, data, lines)


def _hint(problem: str) -> str:
    """Plain words for the parser's most common complaints."""
    if "'\\t'" in problem or "\\t" in problem:
        return " (hint: YAML is indented with spaces, never tabs)"
    if "block" in problem or "indent" in problem or "mapping values" in problem:
        return " (hint: check the indentation of this line and the one above it)"
    if "flow" in problem:
        return " (hint: a [ or { is not closed on this line or the one above it)"
    return ""


def _plain(node: Any, loc: Loc, lines: dict[Loc, int]) -> Any:
    """Convert ruamel's commented containers to dict/list, recording line numbers by path."""
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            k = key if isinstance(key, (int, float)) and not isinstance(key, bool) else str(key)
            try:
                lines[(*loc, k)] = node.lc.key(key)[0] + 1
            except (AttributeError, KeyError, TypeError):
                lines[(*loc, k)] = lines.get(loc, 1)
            out[k] = _plain(value, (*loc, k), lines)
        return out
    if isinstance(node, list):
        for i in range(len(node)):
            try:
                lines[(*loc, i)] = node.lc.item(i)[0] + 1
            except (AttributeError, KeyError, TypeError):
                lines[(*loc, i)] = lines.get(loc, 1)
        return [_plain(v, (*loc, i), lines) for i, v in enumerate(node)]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def read_document(path: str | Path) -> Document:
    """Read and parse a scenario file; a missing or unreadable file is a ScenarioError."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(file, None, "", f"cannot read file: {exc.strerror}") from None
    return parse_yaml(text, file)


def parse_override(text: str) -> tuple[str, Any]:
    """Split `PATH=VALUE`; the value is read as YAML so numbers, lists and .inf work."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected PATH=VALUE, e.g. actors.russia.patience=0.9")
    path, value = text.split("=", 1)
    doc = parse_yaml(f"v: {value}", "--set")
    return path.strip(), doc.data["v"]


def apply_override(doc: Document, path: str, value: Any) -> None:
    """Set `value` at a dotted `path` of the document's data; every parent must already exist."""
    parts = path.split(".")
    node: Any = doc.data
    loc: Loc = ()
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(
                    doc.file,
                    doc.line_of(loc),
                    path,
                    f"no item {part!r} in {'.'.join(map(str, loc))} "
                    f"(it has {len(node)} items, indexed from 0)",
                )
            key: str | int = int(part)
        elif isinstance(node, dict):
            key = part if part in node else _as_number(part)
            if key not in node and not last:
                raise ScenarioError(
                    doc.file,
                    doc.line_of(loc),
                    path,
                    f"no field {part!r} under {'.'.join(map(str, loc)) or 'the top'}"
                    f"; expected one of {sorted(map(str, node))}",
                )
        else:
            raise ScenarioError(
                doc.file,
                doc.line_of(loc),
                path,
                f"{'.'.join(map(str, loc))} is a value, not a section",
            )
        if last:
            node[key] = value
        else:
            node = node[key]
            loc = (*loc, key)


def validate_document(doc: Document) -> Scenario:
    """Validate parsed data as a Scenario. The ScenarioError raised is the first problem, in
    file order; `.others` holds the rest (names are cross-checked once the structure is valid)."""
    try:
        return Scenario.model_validate(doc.data)
    except ValidationError as exc:
        errors = [_error(doc, err) for err in exc.errors(include_url=False)]
        errors.sort(key=lambda e: e.line or 0)
        errors[0].others = errors[1:]
        raise errors[0] from None


def _error(doc: Document, err: Any) -> ScenarioError:
    loc: Loc = tuple(err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown field" + _expected_fields(loc)
    elif err["type"] == "missing":
        message = "field required"
    elif "input" in err and not isinstance(err["input"], (dict, list)):
        message = f"{message} (got {err['input']!r})"
    # Cross-reference checks name their own location as "dotted.path: message".
    head, sep, rest = message.partition(": ")
    if sep and not loc and ("." in head or head in ("actors", "issues")):
        loc = tuple(_as_number(p) for p in head.split("."))
        message = rest
    path = ".".join(str(p) for p in loc if not _is_tag(p))
    return ScenarioError(doc.file, doc.line_of(loc), path, message)


def _is_tag(part: str | int) -> bool:
    return part in ("concession", "reciprocal", "equilibrium") or str(part).startswith("function-")


def _expected_fields(loc: Loc) -> str:
    """List the fields allowed where an unknown one was found, walking the pydantic models."""
    model: Any = Scenario
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            continue
        model = _model_of(field.annotation)
        if model is None:
            return ""
    fields = getattr(model, "model_fields", None)
    return f"; expected one of {sorted(fields)}" if fields else ""


def _model_of(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(get_args(annotation)):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def apply_overrides(doc: Document, overrides: Iterable[str]) -> None:
    """Apply `PATH=VALUE` strings (from --set) to the document, naming its file in errors."""
    for text in overrides:
        try:
            key, value = parse_override(text)
        except ScenarioError as exc:
            raise ScenarioError(doc.file, None, text, exc.message) from None
        except ValueError as exc:
            raise ScenarioError(doc.file, None, "", str(exc)) from None
        apply_override(doc, key, value)


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (`PATH=VALUE` strings) and validate one scenario file."""
    doc = read_document(path)
    apply_overrides(doc, overrides)
    return validate_document(doc)
