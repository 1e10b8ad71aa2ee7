"""The HTML report: self-contained (no network), every plot embedded, findings that match the
numbers computed independently from the stored runs."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim.cli.analyse
import sim.cli.sweep  # registers sweep
from sim.cli import app
from sim.scenario import load_scenario
from tests.conftest import ROOT

runner = CliRunner()
CHEAP = ["--set", "protocol.deadline=4", "--set", "protocol.grid=3", "--executor", "serial"]
IMG = re.compile(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> list[Path]:
    """Two small real sweeps: the baseline over Russia's outside option, and the US drawdown."""
    root = tmp_path_factory.mktemp("report")
    out = []
    for name, vary in (("baseline", "0.2,0.5"), ("us_drawdown", "0.3")):
        folder = root / name
        args = ["sweep", str(ROOT / "scenarios" / f"{name}.yaml"), "--out", str(folder),
                "--quiet", "--reps", "25", "--vary", f"actors.russia.outside_option={vary}", *CHEAP]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        out.append(folder)
    return out


@pytest.fixture(scope="module")
def report(folders, tmp_path_factory) -> str:
    """The report on both folders, written by the CLI."""
    path = tmp_path_factory.mktemp("html") / "briefing.html"
    result = runner.invoke(app, ["report", *map(str, folders), "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert str(path) in result.stdout
    return path.read_text(encoding="utf-8")


def plot_stems(folder: Path, tmp: Path) -> list[str]:
    """The figures `negsim plot` writes for a folder."""
    result = runner.invoke(app, ["plot", str(folder), "--out", str(tmp / folder.name)])
    assert result.exit_code == 0, result.output
    return [Path(line).stem for line in result.stdout.split()]


def plot_count(folder: Path, tmp: Path) -> int:
    """How many PNGs `negsim plot` writes for a folder."""
    return len(plot_stems(folder, tmp))


def test_report_embeds_every_plot_and_the_comparison(report, folders, tmp_path) -> None:
    images = IMG.findall(report)
    # With several results each scenario keeps its own sweep figures; the shared ones appear
    # once, side by side, in the comparison (one per shared issue, agreement, utilities, rounds).
    own = sum(s.startswith("sweep_") for f in folders for s in plot_stems(f, tmp_path))
    assert own > 0
    issues = load_scenario(ROOT / "scenarios" / "baseline.yaml").issues
    expected = own + len(issues) + 3
    assert len(images) == expected
    assert report.count("<img") == expected
    for data in images:
        raw = base64.b64decode(data)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        assert mpimg.imread(io.BytesIO(raw), format="png").shape[0] > 100


def test_report_opens_without_network(report) -> None:
    assert "http://" not in report and "https://" not in report
    targets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", report)
    assert targets and all(t.startswith(("data:image/png;base64,", "#")) for t in targets)
    assert "<script" not in report and "<link" not in report
    assert "@import" not in report and "url(" not in report
    assert report.startswith("<!DOCTYPE html>") and report.rstrip().endswith("</html>")


def test_report_states_assumptions_and_comparison(report) -> None:
    text = html.unescape(report)
    for heading in ("What it assumes", "Findings", "Figures", "Comparison", "Differences with 95%"):
        assert heading in text
    for actor in ("Syria (transitional government)", "Russia", "Turkey", "United States"):
        assert actor in text
    assert "Russian basing (Tartus, Hmeimim)" in text
    assert "judgment" in text  # the scenario numbers are judgments, not measurements


def test_findings_quote_the_numbers_with_their_intervals(report, folders) -> None:
    from sim import results, stats

    text = html.unescape(report)
    runs = results.load(folders[0])
    ok = runs[runs.status == "ok"]
    n = len(ok)
    k = int(ok["agreed"].sum())
    lo, hi = stats.wilson_interval(k, n)
    assert f"every issue was agreed in {stats.describe_proportion(k / n, lo, hi)}" in text
    # "Russia keeps reduced presence or more", counted by hand.
    s = int((ok["issue.russian_basing.value"] >= 0.5).sum())
    lo, hi = stats.wilson_interval(s, n)
    phrase = '"reduced presence, renegotiated lease" or higher in '
    assert phrase + stats.describe_proportion(s / n, lo, hi) in text


def test_single_results_report_goes_inside_its_folder_and_has_no_comparison(folders, tmp_path):
    result = runner.invoke(app, ["report", str(folders[1])])  # no -o: FOLDER/report.html
    assert result.exit_code == 0, result.output
    page = (folders[1] / "report.html").read_text(encoding="utf-8")
    assert "Comparison" not in page
    assert len(IMG.findall(page)) == plot_count(folders[1], tmp_path)  # every figure, once
    assert sim.cli.analyse.report.__doc__


@pytest.mark.slow
def test_a_sampled_design_reports_discovery_not_end_samples(tmp_path) -> None:
    folder = tmp_path / "lhs"
    result = runner.invoke(app, [
        "sweep", str(ROOT / "scenarios" / "baseline.yaml"), "--design", "lhs", "--samples", "16",
        "--reps", "4", "--seed", "2", "--out", str(folder), "--quiet", *CHEAP,
        "--vary", "actors.russia.outside_option=0.3:0.95", "--vary", "actors.syria.patience=0.8:0.99",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    path = tmp_path / "r.html"
    assert runner.invoke(app, ["report", str(folder), "-o", str(path)]).exit_code == 0
    text = html.unescape(path.read_text(encoding="utf-8"))
    assert "scenario discovery" in text and "PRIM" in text and "extra-trees" in text
    assert " goes from " not in text  # no comparison of the two end samples
    assert "16 values" in text and "(lhs design, 16 points)" in text  # not 16 listed values
    # Box limits carry the digits the range resolves (2 for 0.3–0.95, 3 for 0.8–0.99), no more.
    for number in re.findall(r"outside option [≤≥] (\d+\.\d+)", text):
        assert len(number.split(".")[1]) == 2
    for number in re.findall(r"patience δ [≤≥] (\d+\.\d+)", text):  # as the lever names it
        assert len(number.split(".")[1]) == 3
    # one figure per issue (5), agreement, utilities, rounds; for each of the 2 parameters the
    # 3 sampled questions (agreement, values, utilities); the pair plot; discovery's 2 figures
    assert len(IMG.findall(text)) == 5 + 3 + 3 * 2 + 1 + 2


def text_of(page: str) -> str:
    """The visible text of an HTML page, tags removed, entities decoded."""
    return html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    )


def section(page: str, heading: str) -> str:
    """The HTML from a heading to the next h2."""
    start = page.index(heading)
    end = page.find("<h2", start + 1)
    return page[start : end if end > 0 else len(page)]


def test_the_report_opens_with_three_findings_in_plain_words(report, folders) -> None:
    from sim import results, stats

    head = section(report, "The three findings that matter most")
    assert report.index("The three findings that matter most") < report.index("What it assumes")
    items = re.findall(r"<li>(.*?)</li>", head, flags=re.S)
    assert len(items) == 3
    for item in map(html.unescape, items):
        assert "95% CI" in item  # each finding carries its interval
    # The first: full agreement in each results set, counted by hand from the stored runs.
    first = html.unescape(items[0])
    for folder in folders:
        runs = results.load(folder)
        ok = runs[runs.status == "ok"]
        k, n = int(ok["agreed"].sum()), len(ok)
        said = stats.describe_proportion(k / n, *stats.wilson_interval(k, n))
        assert f"{said} of {folder.name} runs" in first


def test_the_headline_warns_when_the_results_were_swept_differently(report) -> None:
    """The fixtures sweep Russia's outside option over 0.2, 0.5 and over 0.3: pooled, their
    differences mix the scenario with the sweep, and the headline (read first, or alone) says so."""
    head = html.unescape(section(report, "The three findings that matter most"))
    assert "Not like-for-like" in head
    assert "baseline swept Russia's outside option" in head
    assert "actors.russia" not in head


def test_a_single_results_headline_names_agreement_the_sweep_and_who_gains(folders, tmp_path):
    from sim.plots import load_results
    from sim.report import headline

    lines = headline([load_results(folders[0])])
    assert len(lines) == 3
    assert lines[0].startswith("A full agreement on every issue is reached in")
    assert "As Russia's outside option goes from 0.2 to 0.5" in lines[1]  # the swept parameter
    assert "gains most" in lines[2] and "with no deal" in lines[2]


# Words a reader may not know; wherever the report uses one, its glossary must define it.
JARGON = ["veto", "reversion", "utility", "salience", "linkage", "outside option", "fallback",
          "patience", "Boulware", "threshold", "λ", "ρ", "perception noise", "capability",
          "recognition", "95% CI", "Wilson", "bootstrap", "Newcombe", "seed", "replication",
          "Pareto", "Nash", "expected-utility", "full agreement", "anchor"]  # fmt: skip


def test_the_glossary_defines_every_term_the_report_uses(report) -> None:
    glossary = section(report, 'id="glossary"')
    body = text_of(report.replace(glossary, ""))
    terms = " ".join(html.unescape(t) for t in re.findall(r"<dt>(.*?)</dt>", glossary))
    definitions = text_of(glossary)
    used = [word for word in JARGON if word.lower() in body.lower()]
    assert len(used) > 15  # the report does use the jargon
    for word in used:
        assert word.lower() in terms.lower() or word.lower() in definitions.lower(), word


def print_rules(css: str) -> dict[str, str]:
    """The rules inside `@media print`, as selector → declarations (one entry per selector)."""
    printed = css[css.index("@media print") :]
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", printed.split("{", 1)[1]):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + body
    return rules


def test_the_report_prints_cleanly(report) -> None:
    css = re.search(r"<style>(.*?)</style>", report, flags=re.S).group(1)
    assert "@page" in css
    rules = print_rules(css)
    # Tables, figures and the headline never split across pages; headings stay with what follows.
    for block in ("div.table", "figure", ".headline", "div.keep"):
        assert "break-inside: avoid" in rules[block], block
    for heading in ("h2", "h3", "h4"):
        assert "break-after: avoid" in rules[heading]
    assert "display: table-header-group" in rules["thead"]  # a long table repeats its header
    assert "max-width: 100%" in rules["figure img"]
    # Every table sits in a block that printing keeps whole.
    assert report.count("<table>") == report.count('<div class="table"><table>')
    # No page size is forced, so the same file prints on A4 and on Letter.
    page = re.search(r"@page\s*\{([^}]*)\}", css).group(1)
    assert "size" not in page


def test_the_report_states_where_it_came_from(report, folders) -> None:
    import hashlib
    import json
    import shlex

    import sim
    from sim import results

    origin = text_of(section(report, 'id="provenance"'))
    assert f"negsim {sim.__version__}" in origin
    for folder in folders:
        manifest = results.load_manifest(folder)
        assert manifest["scenario_file"] in origin
        digest = hashlib.sha256(json.dumps(manifest["document"], sort_keys=True).encode())
        assert digest.hexdigest() in origin
        file = Path(manifest["scenario_file"])
        if file.is_file():
            assert hashlib.sha256(file.read_bytes()).hexdigest() in origin
            assert "scenario file now, against the scenario as run" in origin
        assert f"root seed {manifest['sweep']['seed']}" in origin
        assert shlex.join(manifest["command"]) in origin  # the command that made the runs
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", origin)  # the date it was written
    assert "report command" in origin


def test_the_report_says_whether_the_scenario_file_still_holds_what_was_run(folders, tmp_path):
    """Its two hashes are of different things (the data run, the file's bytes), so it says in
    words whether the file, read with the sweep command's --set changes, is still that data."""
    from sim import results
    from sim.report import _same_as_run

    manifest = results.load_manifest(folders[0])
    manifest["command"] = ["negsim", "sweep", "x.yaml", *CHEAP]  # as typed at the shell
    copy = tmp_path / "baseline.yaml"
    copy.write_text((ROOT / "scenarios" / "baseline.yaml").read_text())
    assert _same_as_run(copy, manifest) == "the same data (with the sweep's --set changes)"
    copy.write_text(copy.read_text().replace("Four-party", "Five-party", 1))  # an edit
    assert _same_as_run(copy, manifest).startswith("differs")
    manifest["command"] = ["negsim", "sweep", "x.yaml"]  # without them it is another scenario
    copy.write_text((ROOT / "scenarios" / "baseline.yaml").read_text())
    assert _same_as_run(copy, manifest).startswith("differs")


def test_the_textbook_case_is_read_against_rubinstein() -> None:
    import pandas as pd

    from sim.plots import Results
    from sim.report import findings, headline
    from sim.runner import run_once

    spec = load_scenario(ROOT / "scenarios" / "rubinstein_two_party.yaml")
    runs = pd.DataFrame([run_once(spec, seed).row() | {"status": "ok"} for seed in range(3)])
    r = Results("rubinstein", runs, spec)
    share = (1 - 0.90) / (1 - 0.95 * 0.90)  # Russia (δ 0.95) proposes first; Syria δ 0.90
    assert f"Rubinstein's split puts Russian basing (Tartus, Hmeimim) at {share:.3f}" in " ".join(
        findings(r)
    )
    # One issue, always agreed: the headline does not call it "the hardest issue".
    assert "hardest" not in " ".join(headline([r]))


@given(
    st.floats(-1, 1).filter(lambda d: abs(d) > 0.01),
    st.floats(0.001, 0.5),
    st.floats(0.001, 0.5),
    st.sampled_from(["probability", "mean"]),
)
def test_a_difference_in_words_carries_the_interval_of_its_size(d, below, above, kind) -> None:
    """'18 points less often (95% CI 17 to 20 points)', never '(95% CI -20 to -17 points)': the
    words give the size and the direction, so the interval is the size's, both ends ≥ 0."""
    from types import SimpleNamespace

    from sim.report import plain_difference

    lo, hi = d - below, d + above
    if lo < 0 < hi:  # only clear differences are put in words
        return
    row = SimpleNamespace(reference="a", other="b", difference=d, lo=lo, hi=hi, kind=kind,
                          description="probability of x", a=0.5, b=0.5)  # fmt: skip
    text = plain_difference(row)
    size, tol = (abs(d) * 100, 0.5) if kind == "probability" else (abs(d), 0.005)
    low, high = map(float, re.search(r"95% CI (\S+) to ([^ )]+)", text).groups())
    assert 0 <= low <= high
    assert low - tol <= size <= high + tol  # the size lies in its interval
    assert ("more" in text or "higher" in text) == (d > 0)
