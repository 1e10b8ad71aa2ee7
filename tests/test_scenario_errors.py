"""Malformed scenarios: one line naming file, line and field; exit code 2; never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import ROOT

BASELINE = (ROOT / "scenarios" / "baseline.yaml").read_text()

# (case id, text replaced, replacement, the field path the error must name, words it must say)
CASES = [
    ("yaml-syntax", "  deadline: 12 ", "  deadline: [12 ", "", "YAML syntax error"),
    (
        "unknown-field",
        "    rho: 2             # quadratic",
        "    rhoo: 2             # quadratic",
        "actors.syria.rhoo",
        "unknown field",
    ),
    (
        "negative-salience",
        "{ideal: 1.00, salience: 0.45}",
        "{ideal: 1.00, salience: -0.45}",
        "actors.russia.preferences.russian_basing.salience",
        "greater than or equal to 0",
    ),
    (
        "ideal-above-one",
        '{ideal: 0.40, salience: 0.20}  # "might',
        '{ideal: 1.40, salience: 0.20}  # "might',
        "actors.syria.preferences.russian_basing.ideal",
        "less than or equal to 1",
    ),
    (
        "patience-above-one",
        "patience: 0.90 ",
        "patience: 1.5 ",
        "actors.syria.patience",
        "less than or equal to 1",
    ),
    ("patience-zero", "patience: 0.90 ", "patience: 0 ", "actors.syria.patience", "greater than 0"),
    (
        "unknown-veto-actor",
        "veto: [syria, us]",
        "veto: [syria, usa]",
        "issues.us_presence.veto.1",
        "unknown actor 'usa'",
    ),
    (
        "unanimity-without-veto",
        "    veto: [syria, turkey]",
        "    veto: []",
        "issues.turkish_posture.veto",
        "unanimity needs at least one veto actor",
    ),
    (
        "unknown-agenda-setter",
        "  recognition: capability ",
        "  agenda_setter: usa\n  recognition: capability ",
        "protocol.agenda_setter",
        "unknown actor 'usa'",
    ),
    (
        "unknown-voter",
        "  partial: true ",
        "  rule: {type: qualified_majority, voters: {syria: 1, usa: 1}, threshold: 0.5}\n"
        "  partial: true ",
        "protocol.rule.voters.usa",
        "unknown actor",
    ),
    (
        "unreachable-threshold",
        "  partial: true ",
        "  rule: {type: qualified_majority, voters: {syria: 1, turkey: 1}, threshold: 0.6}\n"
        "  partial: true ",
        "protocol.rule.threshold",
        "no coalition can reach 0.6 of the weight on 'extradition'",
    ),
    (
        "veto-without-preference",
        "      us_presence:    {ideal: 0.60, salience: 0.50}",
        "      # removed",
        "actors.us.preferences",
        "no preference",
    ),
    ("duplicate-actor", "\n  turkey:\n", "\n  syria:\n", "syria", "duplicate key"),
    ("duplicate-display-name", "name: Turkey", "name: Russia", "actors", "display name"),
    (
        "event-unknown-actor",
        "{actor: russia, parameter: outside_option",
        "{actor: russland, parameter: outside_option",
        "events.0.effects.0.actor",
        "unknown actor 'russland'",
    ),
    (
        "event-unknown-parameter",
        "parameter: outside_option, add",
        "parameter: outsider, add",
        "events.0.effects.0.parameter",
        "'outside_option'",
    ),
    (
        "event-two-operations",
        "outside_option, add: 0.15}",
        "outside_option, add: 0.15, set: 0.2}",
        "events.0.effects.0",
        "exactly one of set, add or scale",
    ),
    (
        "unknown-strategy",
        "{type: concession, e: 0.5}",
        "{type: stubborn, e: 0.5}",
        "actors.russia.strategy",
        "concession",
    ),
    (
        "boulware-exponent-zero",
        "{type: concession, e: 0.5}",
        "{type: concession, e: 0}",
        "actors.russia.strategy.e",
        "greater than 0",
    ),
    (
        "reversion-out-of-range",
        "reversion: 0.25 ",
        "reversion: 2.5 ",
        "issues.russian_basing.reversion",
        "less than or equal to 1",
    ),
    (
        "unknown-recognition",
        "recognition: capability",
        "recognition: seniority",
        "protocol.recognition",
        "'rotation'",
    ),
    (
        "linkage-unknown-issue",
        "issues: [russian_basing, compensation]",
        "issues: [russian_basing, compensations]",
        "actors.syria.linkage.0.issues.1",
        "unknown issue",
    ),
    (
        "preference-unknown-issue",
        "      extradition:    {ideal: 1.00, salience: 0.20}",
        "      extraditions:    {ideal: 1.00, salience: 0.20}",
        "actors.syria.preferences.extraditions",
        "unknown issue",
    ),
    (
        "not-a-number",
        "capability: 1.0    # great power",
        "capability: strong    # great power",
        "actors.russia.capability",
        "valid number",
    ),
    (
        "missing-required",
        "    reversion: 0.0     # no aid flows",
        "    # no reversion",
        "issues.compensation.reversion",
        "field required",
    ),
]


ANCHORS = {
    "duplicate-actor": "\n  syria:",
    "missing-required": "\n  compensation:",
    "veto-without-preference": "    preferences:\n      # removed",
    "duplicate-display-name": "\nactors:",
}


def _write(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert old in BASELINE, old
    text = BASELINE.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path, text


@pytest.mark.parametrize(("case", "old", "new", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_malformed_scenario_gives_one_clear_line(tmp_path, case, old, new, field, words) -> None:
    path, text = _write(tmp_path, old, new)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert "Traceback" not in result.output and "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    match = re.match(rf"error: {re.escape(str(path))}:(\d+): (.*)$", err)
    assert match, err
    line, rest = int(match.group(1)), match.group(2)
    assert field in rest and words in rest, err
    # The line must point at the change (or, for something missing, at its section).
    anchor = ANCHORS.get(case, new.strip().split("\n")[0])
    expected = (
        text[: text.rindex(anchor) if case == "duplicate-actor" else text.index(anchor)].count("\n")
        + 1
    )
    assert line == expected + anchor[: len(anchor) - len(anchor.lstrip("\n"))].count("\n"), (
        line,
        expected,
        err,
    )


def test_run_also_refuses_a_malformed_scenario(tmp_path) -> None:
    path, _ = _write(tmp_path, "patience: 0.90 ", "patience: 1.5 ")
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and "actors.syria.patience" in result.stderr


SET = "--set"  # the error names the option that put the bad value (or path) there
FILE = "file"  # the error is the file's, with its line


@pytest.mark.parametrize(
    ("override", "words", "where"),
    [
        ("actors.russsia.outside_option=0.5", "no field 'russsia' under actors", SET),
        ("actors.russia.outsde_option=0.5", "unknown field", SET),
        ("actors.russia.patience=1.5", "less than or equal to 1", SET),
        ("protocol.deadline=abc", "valid integer", SET),
        ("actors.russia.outside_option=high", "valid number", SET),
        ("events.3.hazard=0.1", "no item '3'", SET),
        ("noequals", "expected PATH=VALUE", FILE),
        # Another kind of strategy starts afresh (no leftover `e`), so the refusal is the real one.
        ("actors.russia.strategy.type=equilibrium", "needs exactly two actors and one issue", FILE),
    ],
)
def test_bad_set_override_is_a_clear_error(baseline_path, override, words, where) -> None:
    result = CliRunner().invoke(app, ["run", str(baseline_path), "--set", override])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    if where == SET:  # not the file's line, which holds the file's own (good) value
        path = override.split("=")[0]
        assert result.stderr.startswith(f"error: --set {override}: {path}: "), result.stderr
        assert str(baseline_path) not in result.stderr
    else:
        assert str(baseline_path) in result.stderr


def test_a_bad_value_in_the_file_keeps_its_line_beside_a_good_set(tmp_path) -> None:
    path, text = _write(tmp_path, "patience: 0.90 ", "patience: high ")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "patience: high" in t)
    result = CliRunner().invoke(app, ["run", str(path), "--set", "protocol.deadline=4"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:{line}: "), result.stderr
    assert "--set" not in result.stderr and "(got 'high')" in result.stderr


def test_a_swept_value_error_still_names_the_swept_value(baseline_path, tmp_path) -> None:
    result = CliRunner().invoke(app, [
        "sweep", str(baseline_path), "--vary", "actors.russia.patience=0.9,1.5",
        "--set", "protocol.deadline=4", "--out", str(tmp_path / "o"),
    ])  # fmt: skip
    assert result.exit_code == 2 and "(swept value 1.5 of actors.russia.patience)" in result.stderr


def test_setting_a_strategy_type_drops_the_old_kinds_fields(baseline_path) -> None:
    spec = load_scenario(baseline_path, ["actors.russia.strategy.type=reciprocal",
                                         "actors.russia.strategy.beta=0.5"])  # fmt: skip
    assert spec.actors["russia"].strategy.type == "reciprocal"
    assert spec.actors["russia"].strategy.beta == 0.5
    kept = load_scenario(baseline_path, ["actors.russia.strategy.type=concession"])
    assert kept.actors["russia"].strategy == load_scenario(baseline_path).actors["russia"].strategy


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "nope.yaml")


def test_validate_reports_every_structural_problem_in_one_pass(tmp_path) -> None:
    text = BASELINE.replace("patience: 0.90 ", "patience: high ", 1)
    text = text.replace("  deadline: 12 ", "  deadline: twelve ", 1)
    path = tmp_path / "two.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["validate", str(path)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 2
    assert "actors.syria.patience" in lines[0] and "protocol.deadline" in lines[1]


@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        ("name: x\nissues:\n  a:\n    label: A\n   reversion: 0\n", 5, "indentation"),
        ("name: x\nissues:\n\ta: 1\n", 3, "never tabs"),
        ("name: x\nveto: [a, b\nother: 1\n", 2, "not closed"),
        ('name: x\ndescription: "unclosed\nother: 1\n', 2, "quote"),
        ("name: x\ndescription\nother: 1\n", 2, "no ':'"),
    ],
)
def test_yaml_syntax_errors_come_with_a_plain_hint(tmp_path, text, line, hint) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.line == line and hint in str(err.value)


def _broken(line: str, kind: str) -> str:
    key, value = line.split(": ", 1)
    return {
        "bracket": f"{key}: [{value}",
        "double-quote": f'{key}: "{value.replace(chr(34), "")}',
        "single-quote": f"{key}: '{value.replace(chr(39), '')}",
        "no-colon": f"{key} {value}",
        "tab": "\t" + line.lstrip(),
    }[kind]


@pytest.mark.parametrize("kind", ["bracket", "double-quote", "single-quote", "no-colon", "tab"])
def test_a_syntax_error_on_line_n_is_reported_on_line_n(tmp_path, kind) -> None:
    """Every `key: value` line of the baseline, broken in turn: the error names that line, even
    when the parser only gives up lines later (a quote closed by one in a comment further down, a
    key without its colon read as text running on into the next key)."""
    lines = BASELINE.splitlines()
    path, wrong, checked = tmp_path / "broken.yaml", [], 0
    after_text = lines.index("issues:")  # the description and info blocks above are text
    for n, line in enumerate(lines, 1):
        if n <= after_text or not re.match(r"^\s*[a-z_]+: [^\s#>]", line):
            continue
        path.write_text("\n".join([*lines[: n - 1], _broken(line, kind), *lines[n:]]) + "\n")
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        # a key losing its colon can leave valid YAML (`seed 1` as the value of `run:`)
        if "YAML syntax error" in str(err.value) and err.value.line != n:
            wrong.append((n, err.value.line, str(err.value)))
        checked += "YAML syntax error" in str(err.value)
    assert not wrong, wrong
    assert checked > 20
