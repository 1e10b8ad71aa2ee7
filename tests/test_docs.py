"""The docs, executed: every command block of README.md and docs/*.md runs, in order, in a fresh
folder, and every figure the prose quotes from those commands is compared with what they print.

How a page says what to run and what to check: `tests/markdown_commands.py` (HTML comments a
reader does not see). A figure is checked only against a command run at the size the page gives:
a block marked `reps N` runs with fewer replications, so `Execution.output` and `.results` refuse
to feed a check from it. Those blocks are the ones whose output the prose does not quote; the
ones it quotes run in full, which is why this test takes a few minutes.

What is left unchecked, on purpose: timings and memory (Performance, app timings: they depend on
the machine and its load, and say so), figures measured on the code before a change (the
"before" of a comparison), parameter values and constants of a rule (a scenario's 0.40, the 0.2
to 0.8 of a close call), and DEU III (benchmarks/deu3_forecast.py costs a minute of CPU; the
benchmark is its own check).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.markdown_commands import (
    ROOT,
    SHELL,
    Options,
    Page,
    Ran,
    fresh_folder,
    read_page,
    resized,
    run_command,
)

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = {"text", "yaml", "json", "csv"}  # blocks that show something, not commands


@dataclass
class Execution:
    """What a page's commands printed and wrote, in its own fresh folder."""

    page: Page
    folder: Path
    ran: list[Ran] = field(default_factory=list)

    def output(self, command: str, run: bool = False) -> str:
        """What `command` (as the page writes it, less its comment) printed: stdout, stderr.
        With `run`, a command the page does not run is run now, in its folder."""
        found = [r for r in self.ran if _words(r.command) == _words(command)]
        if not found and not run:  # a fragment of one command: `--out results/x`
            found = [
                r for r in self.ran if " ".join(_words(command)) in " ".join(_words(r.command))
            ]
            assert len(found) < 2, f"{len(found)} commands contain {command!r}"
        if not found and run:  # once for every page: what it prints depends on no folder
            if command not in _run_for_checks:
                code, out, err = run_command(command, self.folder)
                assert code == 0, f"`{command}` exited {code}: {err[-2000:]}"
                _run_for_checks[command] = Ran(0, command, command, out, err, False)
            found = [_run_for_checks[command]]
        assert found, f"the page no longer runs {command!r}"
        assert not found[0].smaller, f"{command!r} ran smaller than the page says"
        return found[0].stdout + found[0].stderr

    def results(self, out: str):
        """The runs a page's sweep wrote into `out`, if it ran at the page's size."""
        import sim.results

        writers = [r for r in self.ran if _out_folder(r.command) == out]
        assert writers, f"no command writes {out}"
        assert not any(r.smaller for r in writers), f"{out} was written by a smaller run"
        return sim.results.load(self.folder / out)


def _words(command: str) -> list[str]:
    return shlex.split(command, comments=True)


def _out_folder(command: str) -> str | None:
    """The results folder a sweep or sensitivity command writes."""
    words = _words(command)
    if len(words) < 3 or words[1] not in ("sweep", "sensitivity"):
        return None
    if "--out" in words:
        return words[words.index("--out") + 1].rstrip("/")
    return f"results/{Path(words[2]).stem}"


CHECKS: dict[str, Callable[[Execution], list[str]]] = {}
_run_for_checks: dict[str, Ran] = {}


def check(fn: Callable[[Execution], list[str]]) -> Callable[[Execution], list[str]]:
    """Register a check under its name (a `<!-- doc-check: NAME -->` marker uses it)."""
    CHECKS[fn.__name__] = fn
    return fn


def execute(page: Page, folder: Path) -> Execution:
    """Run the page's blocks in order; stop at the first command that fails."""
    ex = Execution(page, fresh_folder(folder))
    for block in page.blocks:
        if block.lang not in (*SHELL, "python"):
            continue
        opts = Options.parse(block.options)
        if opts.skip:
            continue
        if block.lang == "python":
            commands = [(block.line + 1, f"python - <<'EOF'\n{block.text}\nEOF")]
        else:
            commands = list(block.commands())
        for line, command in commands:
            if any(word in command for word in opts.skip_words):
                continue
            run = resized(command, opts)
            code, out, err = run_command(run, ex.folder)
            where = f"{page.path.relative_to(ROOT)}:{line}"
            assert code == 0, f"{where}: `{run}` exited {code}\n{out[-3000:]}\n{err[-3000:]}"
            ex.ran.append(Ran(line, command, run, out, err, run != command))
    return ex


_executed: dict[Path, Execution] = {}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Execution]:
    def get(path: Path) -> Execution:
        if path not in _executed:
            folder = tmp_path_factory.mktemp(path.stem)
            _executed[path] = execute(read_page(path), folder)
        return _executed[path]

    return get


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_block_says_what_it_is_and_every_marker_is_known() -> None:
    """Fences name a language (so none escapes the runner), markers parse, checks exist."""
    used = []
    for path in PAGES:
        page = read_page(path)
        for block in page.blocks:
            where = f"{_name(path)}:{block.line}"
            assert block.lang in (*SHELL, "python", *NOT_RUN), f"{where}: fence without language"
            Options.parse(block.options)
        for c in page.checks:
            assert c.name in CHECKS, f"{_name(path)}:{c.line}: no check named {c.name!r}"
            assert c.text, f"{_name(path)}:{c.line}: the check covers no text"
            used.append(c.name)
    assert set(used) == set(CHECKS), f"checks no page uses: {set(CHECKS) - set(used)}"


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=_name)
def test_commands_run_and_write_only_under_results(path: Path, executed) -> None:
    """Every command block runs (exit 0) and writes nothing outside results/."""
    ex = executed(path)
    written = (p.relative_to(ex.folder) for p in ex.folder.rglob("*") if p.is_file())
    stray = [
        p
        for p in written
        if p.parts[0] not in ("results", ".venv")
        and "__pycache__" not in p.parts
        and not (ROOT / p).exists()
    ]
    assert not stray, f"{_name(path)}: commands wrote outside results/: {stray}"


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=_name)
def test_quoted_figures_are_what_the_commands_print(path: Path, executed) -> None:
    """Each doc-check's figures, formatted from the commands' output, appear in its text."""
    page = read_page(path)
    if not page.checks:
        pytest.skip("no figures quoted from commands")
    ex = executed(path)
    stale = []
    for c in page.checks:
        for phrase in CHECKS[c.name](ex):
            if phrase not in re.sub(r"\s+", " ", c.text):
                stale.append(f"{_name(path)}:{c.line} ({c.name}): should say {phrase!r}")
    assert not stale, "stale figures:\n" + "\n".join(stale)


# --- The checks: each returns the phrases its text must contain, formatted from the output.


def _number(pattern: str, text: str) -> str:
    """The first group of `pattern` in `text` (the test fails if the output lacks it)."""
    m = re.search(pattern, text)
    assert m, f"the output no longer has {pattern!r}"
    return m.group(1)


@check
def narrated_answers(ex: Execution) -> list[str]:
    """Two answers of seed 1's narration (the file's seed: the app's first negotiation too)."""
    out = ex.output("negsim run scenarios/baseline.yaml --seed 1", run=True)
    russia = _number(r"(Russia rejects: utility \S+ < threshold \d+\.\d+)", out)
    us = re.search(
        r"(United States rejects: settling only US presence in north-east Syria would leave it"
        r" sure of \d+\.\d+) \(.*?\) (< its floor \d+\.\d+)",
        out,
    )
    assert us, "seed 1 no longer has the US answer the tutorial quotes"
    u, t = re.findall(r"\d+\.\d+", russia)
    return [
        f'"{russia}"',
        f"worth {u} to Russia and it needs {t}",
        f'"{us.group(1)} (…) {us.group(2)}"',
    ]


@check
def rubinstein_share(ex: Execution) -> list[str]:
    """docs/tutorial.md: Russia's Rubinstein share, as the recap computes it."""
    out = ex.output("negsim run scenarios/rubinstein_two_party.yaml")
    share = float(_number(r"Rubinstein share .*? = ([\d.]+), the issue at", out))
    fallback = _number(r"Syria lost: [\d.]+ against ([\d.]+)", out)
    return [f"(1 − 0.90)/(1 − 0.95·0.90) ≈ {share:.2f}", f"{fallback} it would get with no deal"]


SOUNDNESS = ".venv/bin/python benchmarks/model_soundness.py"
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight"]


def _soundness(ex: Execution) -> dict[str, float]:
    """The figures benchmarks/model_soundness.py prints (50 seeds, 200 runs)."""
    out = ex.output(SOUNDNESS, run=True)
    trapped = re.findall(r"below their disagreement payoff at acceptance: (\d+) runs", out)
    hurt = re.findall(r"cannot veto: (\d+) runs", out)
    nash = re.search(
        r"baseline.yaml: nash_distance over 200 runs: mean ([\d.]+), median ([\d.]+)", out
    )
    rub = re.search(r"rubinstein_two_party.yaml: nash_distance over 200 runs: mean ([\d.]+)", out)
    eq = re.search(
        r"rubinstein_two_party.yaml: equilibrium_distance over 200 runs: mean ([\d.]+)", out
    )
    first = re.search(r"US presence settles before Russian basing in (\d+) of 200 runs", out)
    assert len(trapped) == len(hurt) == 2 and nash and rub and eq and first, out
    return {
        "trapped": int(trapped[0]),
        "hurt": int(hurt[0]),
        "hurt_plain": int(hurt[1]),
        "nash_mean": float(nash.group(1)),
        "nash_median": float(nash.group(2)),
        "rubinstein_nash": float(rub.group(1)),
        "rubinstein_equilibrium": float(eq.group(1)),
        "us_first": int(first.group(1)),
    }


@check
def soundness(ex: Execution) -> list[str]:
    """README, Validity: the Nash distances, the partial-deal counts and the textbook case."""
    s = _soundness(ex)
    return [
        f"mean {s['nash_mean']:.3f} and median {s['nash_median']:.3f}",
        f"{s['trapped']} of 50 baseline runs",
        f"in {s['hurt']} of the same 50 runs",
        f"({s['hurt_plain']} of 50 without perception noise and events)",
        f"(`equilibrium_distance` {s['rubinstein_equilibrium']:.3f})",
        f"against Nash ({s['rubinstein_nash']:.3f}:",
    ]


@check
def us_presence_first(ex: Execution) -> list[str]:
    """docs/model.md: how often the US settles its presence before Russian basing."""
    return [f"{_soundness(ex)['us_first']} of 200 runs"]


@check
def rubinstein_distances(ex: Execution) -> list[str]:
    """docs/model.md: the textbook case's distances to Nash and to the equilibrium."""
    s = _soundness(ex)
    return [
        f"lies {s['rubinstein_nash']:.2f} from Nash and {s['rubinstein_equilibrium']:.3f} from the"
    ]


def _emission_medians(ex: Execution) -> list[str]:
    out = ex.output("negsim forecast tests/data/bdm_emissions.csv", run=True)
    rows = re.findall(r"^\W*(\d+)\W+([\d.]+)\W+[\d.]+\W*$", out, flags=re.M)
    medians = [m for r, m in rows if r != "0"]
    assert len(medians) == 8, out
    return medians


@check
def emission_medians(ex: Execution) -> list[str]:
    """The round-by-round weighted medians on BDM's emission table, as `forecast` prints them."""
    return ["| negsim | " + " | ".join(_emission_medians(ex)) + " |"]


@check
def emission_round_two(ex: Execution) -> list[str]:
    """README: how many rounds match Scholz et al.'s within 0.1, and round 2's median."""
    published = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
    ours = _emission_medians(ex)
    matched = sum(abs(float(o) - p) < 0.1 for o, p in zip(ours, published, strict=True))
    return [
        f"{WORDS[matched].capitalize()} of eight rounds match within 0.1",
        f"the same {ours[1]}",
    ]


@check
def two_lenses(ex: Execution) -> list[str]:
    """README: how the 4,000 baseline runs end on extradition and compensation."""
    runs = ex.results("results/baseline")
    refused = (runs["issue.extradition.value"] == 0).mean()
    nothing = (runs["issue.compensation.value"] == 0).mean()
    return [f"{len(runs):,}-run baseline sweep", f"({refused:.0%} of runs)", f"({nothing:.0%};"]


@check
def baseline_runs(ex: Execution) -> list[str]:
    """README: the size of the baseline's own sweep (its `sweep:` block)."""
    runs = ex.results("results/baseline")
    done = _number(r"complete: ([\d,]+) runs", ex.output("negsim sweep scenarios/baseline.yaml"))
    points, reps = runs["point"].nunique(), runs["rep"].nunique()
    return [f"{points} values of Russia's outside option × {reps:,} replications = {done} runs"]


def _minus(number: str) -> str:
    return number.replace("-", "−")


@check
def sensitivity_example(ex: Execution) -> list[str]:
    """README: an index as printed, and the warnings the Sobol example gives."""
    out = ex.output("--out results/sobol64")
    index = _number(
        r"sobol indices: agreed.*?outside_option\W+(-?[\d.]+ ± [\d.]+)", out.replace("\n", " ")
    )
    s1 = re.search(r"S1 of Syria's patience δ is (-?[\d.]+) ± ([\d.]+)", out)
    assert s1, out
    return [
        f"(`{index}`",
        f"patience for full agreement is {_minus(s1.group(1))} ± {s1.group(2)}",
        f"reach ±{_number(r'widest 95% interval is ±([\d.]+)', out)}",
        f"`--samples {_number(r'Use --samples (\d+)', out)}`",
        f"`--reps {_number(r'Use --reps (\d+)', out)}`",
    ]


@check
def discovery_example(ex: Execution) -> list[str]:
    """README: what the three views find on the 10,000-run LHS sweep."""
    out = ex.output("negsim discover results/lhs3 --outcome breakdown")
    n = int(_number(r"of ([\d,]+) completed runs", out).replace(",", ""))
    box = re.search(r"^box \d+: coverage ([\d.]+), density ([\d.]+)", out, flags=re.M)
    limit = _number(r"\n  Russia: outside option (\S+ [\d.]+)  \(quasi-p < 0.001\)", out)
    leaves = re.findall(r"^  (.*): density ([\d.]+), coverage", out, flags=re.M)
    scores = dict(re.findall(r"^  (.*): ([\d.]+)$", out.split("Feature scores")[1], flags=re.M))
    band = re.fullmatch(
        r"Russia: outside option between ([\d.]+) and ([\d.]+) and Syria: patience δ ≥ ([\d.]+)",
        leaves[2][0],
    )
    assert box and band and leaves[0][0].startswith("Russia: outside option ≥"), out
    extradition = ex.output("--box 12")
    limits = re.findall(
        r"^  (Russia: outside option|Syria: patience δ) (\S+ [\d.]+)  \(quasi-p (.*?)\)",
        extradition,
        flags=re.M,
    )
    assert len(limits) == 2, extradition
    return [
        f"{_number(r'\(([\d.]+%)\) at', out)} of the {n:,} runs",
        f"*outside option {limit}* (density {box.group(2)}, coverage {box.group(1)}",
        f"*outside option ≥ {leaves[0][0].split('≥ ')[1]}* (density {leaves[0][1]})",
        f"{scores['Russia: outside option']} for the outside option, {scores['Syria: patience δ']} for"
        f" Syria's patience and {scores['Turkey: capability']} for Turkey's capability",
        f"band {band.group(1)}–{band.group(2)} of the outside option (density {leaves[2][1]} where"
        f" Syria's patience is ≥ {band.group(3)})",
        f"({_number(r'\(([\d.]+%)\) at', extradition)} of runs)",
        f"outside option to {limits[0][1]} (quasi-p {limits[0][2]})",
        f"patience to {limits[1][1]} (quasi-p {limits[1][2]}",
    ]


@check
def compare_example(ex: Execution) -> list[str]:
    """README: one line of the baseline against africa_option."""
    out = ex.output("negsim compare results/baseline results/africa_option")
    line = _number(
        r"Russian basing .*? ends at \"reduced presence, renegotiated lease\" or higher .*?"
        r"(\(baseline vs africa_option\): [\d.]+ vs [\d.]+, difference \S+ \[\S+, \S+\])",
        out,
    )
    return [line]


@check
def slide_sizes(ex: Execution) -> list[str]:
    """docs/plots.md: the figure sizes sim.plots.style sets (constants, read where they are set)."""
    from sim.plots.style import MIN_FONT, SLIDE_WIDTH, TALLEST

    return [
        f"{SLIDE_WIDTH:g} inches wide",
        f"at most {TALLEST:g} inches",
        f"smaller than {MIN_FONT:g} pt",
    ]


@check
def actor_order(ex: Execution) -> list[str]:
    """docs/plots.md: every shipped scenario lists Syria, then Russia (so their colours hold)."""
    from sim.scenario import load_scenario

    orders = {
        p.name: list(load_scenario(p).actors) for p in sorted((ROOT / "scenarios").glob("*.yaml"))
    }
    odd = {name: order for name, order in orders.items() if order[:2] != ["syria", "russia"]}
    council = odd.pop("unsc_resolution.yaml", None)  # members in the Council's own order
    but = " except the Security Council vote" if council else ""
    return [
        f"Every shipped scenario{but} lists Syria first and Russia second"
        + (f" (not {odd})" if odd else "")
    ]
