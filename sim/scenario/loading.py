"""Load scenario YAML with line numbers, apply dotted-path overrides, and report errors as file:line
(or as the `--set` that put the bad value there)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.models import Scenario

Loc = tuple[str | int, ...]


class ScenarioWarning(UserWarning):
    """A valid scenario that probably does not say what its author meant (shown, never fatal)."""


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
    """Plain data parsed from YAML, with the 1-based line of every key and item, and the `--set`
    text that replaced each overridden path (its values are not in the file)."""

    file: str
    data: Any
    lines: dict[Loc, int]
    set_by: dict[tuple[str, ...], str] = field(default_factory=dict)

    def where(self, loc: Iterable[str | int]) -> tuple[str, int | None]:
        """Where an error at `loc` comes from: `--set PATH=VALUE` when that option set `loc` or a
        section holding it, else the file and the line of `loc`."""
        loc = tuple(loc)
        parts = tuple(str(p) for p in loc if not _is_tag(p))
        for n in range(len(parts), 0, -1):
            if parts[:n] in self.set_by:
                return f"--set {self.set_by[parts[:n]]}", None
        return self.file, self.line_of(loc)

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


# Limits that keep a hostile or broken file from exhausting the machine; a real scenario is a few
# kilobytes with a few hundred values, nested five or six levels deep.
MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_VALUES = 100_000  # scalars and containers, counting every alias as the values it repeats


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML text into plain dicts and lists, keeping each node's line. Every way the text
    can be wrong is a ScenarioError naming its line, never another exception."""
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = _yaml(file, text)
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
        raise _syntax_error(exc, file, text) from None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ScenarioError(
            file,
            line,
            "",
            f"control character U+{exc.character:04X} is not allowed in YAML text; delete it",
        ) from None
    except YAMLError as exc:  # nothing known reaches here; still one line, never a traceback
        raise ScenarioError(file, 1, "", f"YAML error: {exc}") from None
    lines: dict[Loc, int] = {(): 1}
    data = _plain(raw, (), lines)
    if not isinstance(data, dict):
        first = next(
            (i for i, t in enumerate(text.splitlines(), 1) if t.strip() and t.strip()[0] != "#"), 1
        )
        raise ScenarioError(
            file, first, "", "expected a mapping of scenario fields at the top level"
        )
    return Document(file, data, lines)


def _yaml(file: str, text: str) -> Any:
    """A round-trip loader (it keeps line numbers) that checks what it composes (`_Checks`) and
    leaves date-like text as text: a scenario has no dates, and an impossible one (2024-13-45)
    would otherwise fail with no line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.events import AliasEvent, CollectionStartEvent
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    class Constructor(RoundTripConstructor):
        pass

    Constructor.add_constructor("tag:yaml.org,2002:timestamp", Constructor.construct_yaml_str)

    class Checks(Composer):
        """Composes nodes as ruamel does, one parse, refusing as it goes: nesting deeper than
        MAX_DEPTH, more than MAX_VALUES values once aliases are expanded (an alias bomb),
        explicit tags, recursive or undefined aliases, and a list or mapping used as a key."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sizes: dict[int, int] = {}  # id(node) -> values it stands for
            self.total = 0  # values so far, every alias counted as what it repeats
            self.nesting = (
                0  # lists and mappings open around this node (ruamel has its own `depth`)
            )

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            line = event.start_mark.line + 1
            is_key = isinstance(parent, MappingNode) and index is None
            if isinstance(event, AliasEvent):
                target = self.anchors.get(event.anchor)
                if target is None:
                    raise fail(line, f"alias *{event.anchor} has no anchor before it")
                if id(target) not in self.sizes:
                    raise fail(line, f"alias *{event.anchor} repeats the list or mapping it is in")
                if is_key and not isinstance(target, ScalarNode):
                    raise fail(line, KEY)
                self.count(self.sizes[id(target)], line)
                return super().compose_node(parent, index)
            if event.tag is not None:  # `!!python/object:...`, `!custom`, even `!!str`
                shown = str(event.tag).replace("tag:yaml.org,2002:", "!!")
                raise fail(line, f"tag {shown} is not allowed; scenario files hold plain values")
            collection = isinstance(event, CollectionStartEvent)
            if collection and is_key:
                raise fail(line, KEY)
            if collection and self.nesting >= MAX_DEPTH:
                raise fail(line, f"nested more than {MAX_DEPTH} levels deep")
            before = self.total
            self.count(1, line)
            self.nesting += collection
            node = super().compose_node(parent, index)
            self.nesting -= collection
            self.sizes[id(node)] = self.total - before
            return node

        def count(self, values: int, line: int) -> None:
            self.total += values
            if self.total > MAX_VALUES:
                raise fail(
                    line,
                    f"the document expands to more than {MAX_VALUES:,} values (aliases counted "
                    "as what they repeat); a scenario needs a few hundred",
                )

    def fail(line: int, message: str) -> ScenarioError:
        return ScenarioError(file, line, "", message)

    yaml = YAML(typ="rt")
    yaml.Constructor = Constructor
    yaml.Composer = Checks
    return yaml


KEY = "a list or mapping cannot be a key; keys are plain names"


def _syntax_error(exc: Any, file: str, text: str) -> ScenarioError:
    """A parser error at the line the mistake is on. For an unclosed [ or { (the innermost one
    still open), an unclosed quote or a key without its colon, the parser notices only at a later
    token, so the line is where that construct began, not where it gave up."""
    problem, context = exc.problem_mark, exc.context_mark
    mark = problem or context
    flow_line, quote_line, key_line = _opened_before(text, mark.index if mark else len(text))
    start, hint = None, ""
    if context and str(exc.context).startswith(
        ("while scanning a quoted", "while scanning a simple")
    ):
        start = context.line + 1
    elif flow_line is not None:
        start, hint = flow_line, "flow"
    elif context and str(exc.context).startswith("while parsing a flow"):
        start = context.line + 1
    elif quote_line is not None:
        start, hint = quote_line, "quoted"
    elif key_line is not None:
        start, hint = key_line, "simple key"
    line = start or (mark.line + 1 if mark else None)
    what = " ".join(x for x in (exc.context, exc.problem) if x)
    if start and problem and problem.line + 1 != start:
        what += f" on line {problem.line + 1}"
    return ScenarioError(file, line, "", f"YAML syntax error: {what}{_hint(hint or what)}")


def _opened_before(text: str, index: int) -> tuple[int | None, int | None, int | None]:
    """What the tokens before `index` leave open, as lines: the innermost [ or { not closed; a
    quoted scalar that ran over several lines (its closing quote missing, so it ended at a quote
    further down); a plain scalar that ran over several lines into the error (a key whose ':' is
    missing, read as text that goes on)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import (
        FlowMappingEndToken,
        FlowMappingStartToken,
        FlowSequenceEndToken,
        FlowSequenceStartToken,
        ScalarToken,
    )

    yaml = YAML(typ="rt")
    yaml.get_constructor_parser(io.StringIO(text))
    scanner, tokens = yaml.scanner, []
    try:
        while scanner.check_token() and scanner.peek_token().start_mark.index < index:
            tokens.append(scanner.get_token())
    except YAMLError:
        tokens += [t for t in scanner.tokens if t.start_mark.index < index]
    flows: list[int] = []
    for token in tokens:
        if isinstance(token, FlowSequenceStartToken | FlowMappingStartToken):
            flows.append(token.start_mark.line + 1)
        elif isinstance(token, FlowSequenceEndToken | FlowMappingEndToken) and flows:
            flows.pop()
    scalars = [t for t in tokens if isinstance(t, ScalarToken)][-2:]
    last = scalars[-1] if scalars else None
    quoted = [  # the last scalar, or the one whose stray closing quote the last one follows
        t.start_mark.line + 1
        for t in scalars
        if t.style in ('"', "'")
        and t.start_mark.line < t.end_mark.line
        and (t is last or t.end_mark.line == last.start_mark.line)
    ]
    quote = quoted[-1] if quoted else None
    key = None
    if last and not quoted and last.style is None and last.start_mark.line < last.end_mark.line:
        key = last.start_mark.line + 1
    return (flows[-1] if flows else None), quote, key


def _hint(problem: str) -> str:
    """Plain words for the parser's most common complaints."""
    if "'\\t'" in problem or "\\t" in problem:
        return " (hint: YAML is indented with spaces, never tabs)"
    if "block" in problem or "indent" in problem or "mapping values" in problem:
        return " (hint: check the indentation of this line and the one above it)"
    if "flow" in problem:
        return " (hint: a [ or { opened on this line is not closed)"
    if "quoted" in problem:
        return " (hint: a quote opened on this line is not closed)"
    if "simple key" in problem:
        return " (hint: a key on this line has no ':' after it)"
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
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(file, None, "", f"cannot read file: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(
            file, None, "", f"larger than {MAX_BYTES:,} bytes; a scenario file is a few kilobytes"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            file,
            line,
            "",
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; save the file as UTF-8",
        ) from None
    return parse_yaml(text, file)


def parse_override(text: str) -> tuple[str, Any]:
    """Split `PATH=VALUE`; the value is read as YAML so numbers, lists and .inf work."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected PATH=VALUE, e.g. actors.russia.patience=0.9")
    path, value = text.split("=", 1)
    doc = parse_yaml(f"v: {value}", "--set")
    return path.strip(), doc.data["v"]


def apply_override(doc: Document, path: str, value: Any) -> None:
    """Set `value` at a dotted `path` of the document's data; every parent must already exist.
    Setting a section's `type` to another kind (a strategy, a rule) starts that section afresh, so
    `strategy.type=equilibrium` drops a concession's `e`; later overrides can fill the new kind."""
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
            if key == "type" and isinstance(node, dict) and node.get("type", value) != value:
                node.clear()  # another kind of section: the old kind's fields do not belong
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
        # A value a union refuses gets an error per member: keep the first (the number's).
        errors = list({(e.line, e.path): e for e in reversed(errors)}.values())[::-1]
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
        message = f"{message} (got {shown(err['input'])})"
    # Cross-reference checks name their own location as "dotted.path: message".
    head, sep, rest = message.partition(": ")
    if sep and not loc and ("." in head or head in ("actors", "issues")):
        loc = tuple(_as_number(p) for p in head.split("."))
        message = rest
    path = ".".join(str(p) for p in loc if not _is_tag(p))
    return ScenarioError(*doc.where(loc), path, message)


def shown(value: Any, limit: int = 40) -> str:
    """A value as an error message quotes it: its repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _is_tag(part: str | int) -> bool:
    return part in ("concession", "reciprocal", "equilibrium", "float", "str") or str(
        part
    ).startswith("function-")


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
    """Apply `PATH=VALUE` strings (from --set) to the document, noting each in `doc.set_by` so that
    errors about those values name the option, not the file."""
    for text in overrides:
        try:
            key, value = parse_override(text)
            apply_override(doc, key, value)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {text}", None, exc.path, exc.message) from None
        except ValueError as exc:
            raise ScenarioError(doc.file, None, "", str(exc)) from None
        doc.set_by[tuple(key.split("."))] = text


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, override (`PATH=VALUE` strings) and validate one scenario file."""
    doc = read_document(path)
    apply_overrides(doc, overrides)
    scenario = validate_document(doc)
    check_memory(doc, scenario)
    warn_oddities(doc, scenario)
    return scenario


def check_memory(doc: Document, scenario: Scenario) -> int:
    """Refuse, before it starts, a scenario whose package search would need more memory than
    the machine has (naming the estimate and what to change); return the estimate in bytes."""
    from sim.protocols.arrays import memory_problem, search_memory

    problem = memory_problem(scenario)
    if problem:
        raise ScenarioError(*doc.where(("protocol", "grid")), "protocol.grid", problem)
    return search_memory(scenario)


def warn_oddities(doc: Document, scenario: Scenario) -> None:
    """Warn (ScenarioWarning, `file:line: path: ...`) about what is valid but cannot matter: an
    event scheduled at or after the deadline never fires, since rounds run 0 to deadline − 1."""
    import warnings

    if scenario.protocol.type != "alternating_offers":
        return
    deadline = scenario.protocol.deadline
    for i, event in enumerate(scenario.events):
        if event.round is not None and event.round >= deadline:
            file, line = doc.where(("events", i, "round"))
            warnings.warn(
                ScenarioWarning(
                    f"{file}{f':{line}' if line else ''}: events.{i}.round: round {event.round} is not before the "
                    f"deadline ({deadline} rounds, numbered 0 to {deadline - 1}), so "
                    f"{event.name!r} never fires"
                ),
                stacklevel=2,
            )
