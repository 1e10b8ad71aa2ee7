"""Inputs that must not crash or exhaust the machine: the malformed-scenario corpus, bad command
lines, non-finite numbers, absurd sizes, a search too big for memory, labels that look like LaTeX,
and a seeded fuzzer over the loader. Each bad input is one line, `file:line: field: what was
expected`, exit code 2, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.glob("*.yaml") if p.name != "valid.yaml")
runner = CliRunner()


def expectation(path: Path) -> tuple[int, str, str]:
    """The file's first line: `# expect: LINE: PATH: WORDS`."""
    head = path.read_bytes().split(b"\n", 1)[0].decode()
    match = re.fullmatch(r"# expect: (\d+): ([^:]*): (.*)", head)
    assert match, f"{path.name}: no expectation line"
    return int(match.group(1)), match.group(2), match.group(3)


def one_line_error(result, file: Path) -> tuple[int, str]:
    """The line number and text of the single error line; fails on anything else."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output, result.output
    lines = [x for x in result.stderr.splitlines() if not x.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    match = re.fullmatch(rf"error: {re.escape(str(file))}:(\d+): (.*)", lines[0])
    assert match, lines[0]
    return int(match.group(1)), match.group(2)


def test_the_corpus_is_complete_and_its_base_is_valid() -> None:
    result = runner.invoke(app, ["validate", str(CORPUS / "valid.yaml")])
    assert result.exit_code == 0, result.output
    assert len(FILES) >= 75


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_file_gives_its_one_line_error(path: Path, tmp_path: Path) -> None:
    line, field, words = expectation(path)
    commands = [["validate", str(path)], ["sweep", str(path), "--out", str(tmp_path / "out")]]
    if not path.stem.startswith("sweep-"):  # run ignores the sweep block
        commands.append(["run", str(path)])
    for command in commands:
        got_line, text = one_line_error(runner.invoke(app, command), path)
        assert got_line == line, (command[0], text)
        assert text.startswith(f"{field}: " if field else "") and words in text, (command[0], text)
    assert not (tmp_path / "out").exists()


def test_a_file_over_a_megabyte_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"name: x\n" + b"# padding\n" * 120_000)
    result = runner.invoke(app, ["validate", str(big)])
    assert result.exit_code == 2 and "larger than 1,000,000 bytes" in result.stderr


# --- command lines -----------------------------------------------------------------------
BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
HUGE = str(2**63)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", str(BASELINE), "--seed", "-1"], "--seed -1: expected a whole number from 0"),
        (["run", str(BASELINE), "--seed", HUGE], f"--seed {HUGE}: expected a whole number"),
        (["sweep", str(BASELINE), "--seed", "-7"], "--seed -7: expected a whole number"),
        (["sensitivity", str(BASELINE), "--seed", HUGE], "--seed"),
        (["run", str(BASELINE), "--set", "actors.syria.outside_option=.inf"], "finite number"),
        (["run", str(BASELINE), "--set", "actors.syria.preferences.extradition.salience=.nan"],
         "finite number"),
        (["run", str(BASELINE), "--set", "actors.syria.capability=1e999"], "finite number"),
        (["run", str(BASELINE), "--set", "protocol.grid=!!python/name:os.system"], "tag"),
        (["sweep", str(BASELINE), "--vary", "actors.syria.patience=0.5:.inf:3"], "finite number"),
        (["sweep", str(BASELINE), "--vary", "actors.syria.outside_option=.nan,0.2"],
         "finite number"),
        (["sweep", str(BASELINE), "--vary", "actors.syria.patience=0.5:0.9:1000000000000"],
         "1,000,000,000,000 design points"),
        (["sweep", str(BASELINE), "--vary", "actors.syria.patience=0.5:0.9:2000",
          "--vary", "actors.russia.patience=0.5:0.9:2000"], "4,000,000 design points"),
        (["sweep", str(BASELINE), "--design", "lhs", "--samples", "10000000000",
          "--vary", "actors.syria.patience=0.5:0.9"], "design points"),
        (["sweep", str(BASELINE), "--reps", "1000000000000"], "runs; a sweep has at most"),
        (["sweep", str(BASELINE), "--reps", "0"], "at least 1"),
        (["sweep", str(BASELINE), "--workers", "0"], "--workers 0: expected 1 to 256"),
        (["sweep", str(BASELINE), "--workers", "1000000"], "--workers 1000000"),
        (["sweep", str(BASELINE), "--chunk-size", "0"], "--chunk-size 0"),
        (["sweep", str(BASELINE), "--tls-cert", "x.pem"], "go together, with --address"),
    ],
)  # fmt: skip
def test_a_bad_command_line_is_one_line_naming_the_option(args, words, tmp_path) -> None:
    out = tmp_path / "out"
    extra = ["--out", str(out)] if args[0] in ("sweep", "sensitivity") else []
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    assert not any(out.glob("runs/part-*")), "a refused sweep ran"


def test_an_event_after_the_deadline_is_a_warning(tmp_path: Path) -> None:
    text = (CORPUS / "valid.yaml").read_text().replace("round: 3", "round: 8")
    path = tmp_path / "late.yaml"
    path.write_text(text)
    line = text.splitlines().index("    round: 8") + 1
    for command in (["validate", str(path)], ["run", str(path), "--format", "json"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        assert result.stderr.strip() == (
            f"warning: {path}:{line}: events.0.round: round 8 is not before the deadline "
            "(8 rounds, numbered 0 to 7), so 'shock' never fires"
        )


# --- a search too big for the machine ---------------------------------------------------------
def _crowd(actors: int, issues: int, grid: int) -> dict:
    """A scenario of many actors with a preference on every issue, two veto players each, who
    perceive one another with noise (so every observer has its own tables)."""
    return {
        "name": "crowd",
        "issues": {
            f"i{j}": {"label": "I", "reversion": 0.5, "veto": ["a0", "a1"]} for j in range(issues)
        },
        "actors": {
            f"a{i}": {
                "name": f"A{i}",
                "perception_noise": 0.1,
                "preferences": {
                    f"i{j}": {"ideal": (i * 7 + j * 3) % 10 / 10, "salience": 1.0}
                    for j in range(issues)
                },
            }
            for i in range(actors)
        },
        "protocol": {"grid": grid, "deadline": 24},
    }


def test_a_search_bigger_than_memory_is_refused_up_front(monkeypatch, tmp_path: Path) -> None:
    import yaml

    import sim.protocols.arrays as arrays
    from sim.scenario.models import Scenario

    # 60 actors, 4 issues, grid 11: 11^4 = 14,641 packages, below the 15,625 up to which the
    # search enumerates them; by the estimate's formula 8 · n · (2.4·4 + 2·60 + 1·3600) bytes
    # = 0.44 GB. Pretend the machine has 0.3 GB.
    n = 11**4
    spec = Scenario.model_validate(_crowd(60, 4, 11))
    assert arrays.search_memory(spec) == 8 * n * (24 * 4 + 20 * 60 + 10 * 3600) // 10
    monkeypatch.setattr(arrays, "memory_limit", lambda: 3 * 10**8)
    path = tmp_path / "crowd.yaml"
    path.write_text(yaml.safe_dump(_crowd(60, 4, 11), sort_keys=False))
    lines = path.read_text().splitlines()
    grid_line = next(i for i, t in enumerate(lines, 1) if t.strip().startswith("grid:"))
    for command in (
        ["validate", str(path)],
        ["run", str(path)],
        ["sweep", str(path), "--vary", "protocol.grid=5,11", "--out", str(tmp_path / "s")],
    ):
        line, text = one_line_error(runner.invoke(app, command), path)
        assert line == grid_line
        assert "needs about 0.4 GB" in text and "this machine has 0.3 GB" in text, text
        assert "lower protocol.grid to 10 (about 0.3 GB)" in text, text  # 10^4 packages
    # Two workers of 0.2 GB each (grid 9) do not fit in 0.3 GB: refused before anything runs.
    result = runner.invoke(
        app,
        ["sweep", str(path), "--set", "protocol.grid=9", "--workers", "2", "--out",
         str(tmp_path / "w")],
    )  # fmt: skip
    assert result.exit_code == 2 and "use --workers 1" in result.stderr, result.output


def test_beyond_the_exhaustive_limit_the_search_memory_grows_polynomially() -> None:
    import sim.protocols.arrays as arrays

    # The baseline at grid 21 (21^5 = 4,084,101 packages) needed 1.75 GB enumerated; the
    # trade-off search holds every change of one or two of 5 issues: 5·21 + 10·21² moves.
    moves = 5 * 21 + 10 * 21**2
    assert arrays.search_memory(_baseline(grid=21)) == 8 * (
        moves * (2 * 4 * 5 + 4 * 5 + 4 * 4) + (4 * 4 + 128) * 5 * 21
    )
    assert arrays.search_memory(_baseline(grid=21)) < 10**7


def _baseline(**protocol):
    from sim.scenario import load_scenario

    return load_scenario(BASELINE, [f"protocol.{k}={v}" for k, v in protocol.items()])


@pytest.mark.slow
def test_the_memory_estimate_matches_a_measured_peak(tmp_path: Path) -> None:
    # One run of a 20-actor, 4-issue, grid-11 scenario (14,641 packages, enumerated), with and
    # without perception noise, each in a fresh process: its peak resident memory (VmHWM, reset
    # just before the run) above what the warmed-up process holds must be within 25% of the
    # estimate; without noise no observer has its own tables, so the peak is far lower.
    import subprocess
    import sys

    script = """
import sys
from pathlib import Path
from sim.scenario.models import Scenario
from sim.runner import run_once
from sim.protocols.arrays import search_memory
def make(a, k, g, noise):
    issues = {f"i{j}": {"label": "I", "reversion": 0.5, "veto": ["a0", "a1"]} for j in range(k)}
    actors = {f"a{i}": {"name": f"A{i}", "perception_noise": noise, "preferences": {f"i{j}": {"ideal": (i * 7 + j * 3) % 10 / 10,
              "salience": 1.0} for j in range(k)}} for i in range(a)}
    return Scenario.model_validate({"name": "m", "issues": issues, "actors": actors,
                                    "protocol": {"grid": g, "deadline": 24}})
def status(field):
    return int(Path("/proc/self/status").read_text().split(field + ":")[1].split()[0]) * 1024
run_once(make(2, 1, 3, 0.0), 1)  # imports and warm-up
spec = make(20, 4, 11, float(sys.argv[1]))
Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
before = status("VmRSS")
run_once(spec, 1)
print(status("VmHWM") - before, search_memory(spec))
"""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc")
    peaks = []
    for noise in ("0.1", "0"):
        out = subprocess.run(
            [sys.executable, "-c", script, noise], capture_output=True, text=True, check=True
        )
        measured, estimate = map(int, out.stdout.split())
        assert 0.75 < measured / estimate < 1.25, (noise, measured, estimate)
        peaks.append(measured)
    assert peaks[1] < peaks[0] / 4


# --- labels that look like LaTeX ----------------------------------------------------------
@pytest.mark.slow
def test_latex_like_labels_are_drawn_and_reported_as_written(tmp_path: Path) -> None:
    label = r"$\frac{a}{b $"
    text = (CORPUS / "valid.yaml").read_text().replace("label: Basing", f"label: '{label}'")
    text = text.replace("name: Russia", "name: '$Russia_{2}$'")
    path = tmp_path / "latex.yaml"
    path.write_text(text)
    out = tmp_path / "latex"
    result = runner.invoke(app, ["sweep", str(path), "--reps", "3", "--executor", "serial",
                                 "--out", str(out), "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    for command in (["plot", str(out)], ["report", str(out)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert label in page and "$Russia_{2}$" in page


# --- a bounded, seeded fuzzer over the loader -------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sim.scenario import ScenarioError, load_scenario  # noqa: E402
from sim.scenario.loading import parse_override  # noqa: E402

VALID = (CORPUS / "valid.yaml").read_bytes()
SPECIAL = [*b"[]{}:,&*!|>'\"#-?%@`\t\n\r\\ .", 0, 7, 0x1B, 0x7F, 0x85, 0xC0, 0xFF]
FUZZ = settings(
    max_examples=600,
    derandomize=True,  # seeded: the same inputs every run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def loads_or_refuses(path: Path, overrides: list[str] = ()) -> None:
    """The property: a Scenario, or one ScenarioError line `file[:line]: ...` (or, for a problem
    an override brought, `--set PATH=VALUE: ...` naming one of them), nothing else."""
    try:
        load_scenario(path, overrides)
    except ScenarioError as exc:
        text = str(exc)
        where = "|".join(re.escape(w) for w in [str(path), *(f"--set {o}" for o in overrides)])
        assert "\n" not in text and re.match(rf"({where})(:\d+)?: ", text), text


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """The valid scenario with a few random edits: bytes and YAML punctuation put in, spans
    deleted or repeated, lines swapped."""
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "special", "delete", "repeat", "swap"]))
        if kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "special":
            data[at:at] = bytes(draw(st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=4)))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 30))
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"


@pytest.mark.slow
@FUZZ
@given(data=mutated())
def test_fuzz_mutated_scenarios(fuzz_file: Path, data: bytes) -> None:
    fuzz_file.write_bytes(data)
    loads_or_refuses(fuzz_file)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.sampled_from([".inf", "-.inf", ".nan", "1e999", "~", "yes", "0x1F", "2024-13-45"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)


@pytest.mark.slow
@settings(FUZZ, max_examples=200)
@given(path=st.lists(st.sampled_from(["actors", "syria", "russia", "issues", "basing", "protocol",
       "grid", "preferences", "aid", "salience", "events", "0", "sweep", "run", "seed", "x"]),
       min_size=1, max_size=5), value=VALUES)  # fmt: skip
def test_fuzz_values_at_any_path(fuzz_file: Path, path: list[str], value) -> None:
    """Any value (as YAML flow text) put at any dotted path, through --set."""
    import json

    text = json.dumps(value, allow_nan=True).replace("NaN", ".nan").replace("Infinity", ".inf")
    fuzz_file.write_bytes(VALID)
    loads_or_refuses(fuzz_file, [f"{'.'.join(path)}={text}"])


@pytest.mark.slow
@settings(FUZZ, max_examples=500)
@given(text=st.text(max_size=60))
def test_fuzz_override_text(text: str) -> None:
    """Whatever follows --set is a value or a ValueError, never a crash."""
    try:
        parse_override(text)
    except ValueError as exc:
        assert "\n" not in str(exc)
