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
from typer.testing import CliRunner

import sim.cli.analyse
import sim.cli.sweep  # registers sweep
from sim.cli import app
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


def plot_count(folder: Path, tmp: Path) -> int:
    """How many PNGs `negsim plot` writes for a folder."""
    result = runner.invoke(app, ["plot", str(folder), "--out", str(tmp / folder.name)])
    assert result.exit_code == 0, result.output
    return len(result.stdout.split())


def test_report_embeds_every_plot_and_the_comparison(report, folders, tmp_path) -> None:
    images = IMG.findall(report)
    expected = sum(plot_count(f, tmp_path) for f in folders) + 1  # + the comparison figure
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
    for heading in ("What it assumes", "Findings", "Plots", "Comparison", "Differences with 95%"):
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


def test_single_results_report_has_no_comparison(folders, tmp_path) -> None:
    path = tmp_path / "one.html"
    result = runner.invoke(app, ["report", str(folders[1]), "-o", str(path)])
    assert result.exit_code == 0, result.output
    page = path.read_text(encoding="utf-8")
    assert "Comparison" not in page
    assert len(IMG.findall(page)) == plot_count(folders[1], tmp_path)


def test_report_default_path_is_inside_the_first_results_folder(folders) -> None:
    result = runner.invoke(app, ["report", str(folders[1])])
    assert result.exit_code == 0, result.output
    assert (folders[1] / "report.html").stat().st_size > 10_000
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
    for number in re.findall(r"patience [≤≥] (\d+\.\d+)", text):
        assert len(number.split(".")[1]) == 3
    # issue values, agreement, utilities, rounds, 3 sampled grids, the pair plot, discovery
    assert len(IMG.findall(text)) == 9
