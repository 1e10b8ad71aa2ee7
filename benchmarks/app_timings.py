"""How fast `negsim app` answers a class, measured in headless Chromium (run: make app-timings).

1. start-up: from launching `negsim app` to the page showing the negotiation, ready to step;
2. a lever: from moving Russia's outside option (a key press on its slider, at round 5) to the
   single-run view showing the new setting (its headline and figures redrawn: the utility space moves):
   three settings not seen before (0.55, 0.6, 0.65), then the three back down (seen before);
3. what changes the odds: from pressing Run to the figures of a 7-point x 200-run sweep of that
   lever (2 worker processes), and the same sweep and figures in one Python process, split.

Other work on the machine slows all of these, so each is also given as a ratio to a reference
measured in the same run: one `negsim run` of the baseline from the shell (for start-up), the
same replay and two figures drawn in-process (for a lever), and the same 1,400 runs in one
process without the sweep machinery (for the odds). `--against REF` also measures the app as it
is at git REF (e.g. main), in the same run, for a before/after ratio:

    .venv/bin/python benchmarks/app_timings.py --against main
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from app_browser import (  # noqa: E402
    Trap,
    app_server,
    chromium,
    click,
    image_src,
    text_of,
    wait,
)

BASELINE = "scenarios/baseline.yaml"
LEVER = ".lever-actors-russia-outside_option"


def reference_run() -> float:
    """Seconds for one `negsim run` of the baseline from the shell."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", "run", BASELINE, "--format", "json"],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def in_process_lever(value: float) -> float:
    """Seconds to rebuild the negotiation at round 5 and draw its two figures in-process, as
    the app does (a setting not seen before)."""
    from sim.app import figures
    from sim.app.live import LiveRun
    from sim.scenario import load_scenario

    start = time.perf_counter()
    spec = load_scenario(BASELINE, [f"actors.russia.outside_option={value}"])
    run = LiveRun(spec, upto=5)
    figures.single_run_pngs(spec, run, ("syria", "russia"))
    return time.perf_counter() - start


def in_process_odds() -> tuple[float, float, float]:
    """(sweep, figures, plain loop) seconds for the 7 x 200 sweep of Russia's outside option."""
    from sim.app import figures, sweeps
    from sim.runner import run_once

    spec = sweeps.odds_spec(BASELINE, [], "actors.russia.outside_option", 0.0, 1.0, 7, 200, 1)
    start = time.perf_counter()
    runs = sweeps.SweepJob(spec, workers=2).run()
    swept = time.perf_counter() - start
    start = time.perf_counter()
    drawn_figures = figures.odds_figures(runs, spec.scenario, "actors.russia.outside_option")
    for fig in drawn_figures.values():
        figures.png(fig)
    drawn = time.perf_counter() - start
    start = time.perf_counter()
    for point in range(spec.n_points):
        scenario = spec.scenario_at(point)
        for seed in range(200):
            run_once(scenario, seed)
    return swept, drawn, time.perf_counter() - start


def browser(log: Path, root: Path = ROOT, odds: bool = True) -> dict[str, object]:
    """The three timings through the real app (the code under `root`) in headless Chromium."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out: dict[str, object] = {}
    trap = Trap()
    launched = time.perf_counter()
    with app_server(BASELINE, trap, log, root) as (url, answered), chromium(Trap()) as d:
        d.get(url)
        wait(d, lambda d: "Ready: 12 rounds" in text_of(d, ".negsim-headline"), 300, "the page")
        out["startup"] = time.perf_counter() - launched
        out["server answered"] = answered
        for n in range(1, 6):
            click(d, "Step")
            wait(d, lambda d, n=n: f"After round {n} of 12." in text_of(d, ".negsim-headline"))
        for header in d.find_elements(By.CSS_SELECTOR, ".v-expansion-panel-header"):
            if header.text.strip() == "Russia":
                header.click()
        lever_times = []
        moves = [(Keys.ARROW_RIGHT, s) for s in ("0.55", "0.6", "0.65")]
        moves += [(Keys.ARROW_LEFT, s) for s in ("0.6", "0.55", "0.5")]
        for key, shown in moves:
            before = image_src(d, ".negsim-space")
            thumb = wait(d, lambda d: d.find_element(By.CSS_SELECTOR,
                                                     f"{LEVER} .v-slider__thumb-container"))  # fmt: skip
            start = time.perf_counter()
            thumb.send_keys(key)
            wait(d, lambda d, s=shown: f"outside option: {s}" in text_of(d, LEVER), 120)
            wait(d, lambda d, b=before: image_src(d, ".negsim-space") not in ("", b), 120)
            wait(d, lambda d: "After round 5 of 12." in text_of(d, ".negsim-headline"), 120)
            lever_times.append(time.perf_counter() - start)
        out["lever"] = lever_times
        if not odds:
            return out
        for tab in d.find_elements(By.CSS_SELECTOR, ".v-tab"):
            if tab.text.strip().upper() == "WHAT CHANGES THE ODDS":
                tab.click()
        wait(d, lambda d: any("Russia: outside option" in e.text
                              for e in d.find_elements(By.CSS_SELECTOR, ".v-select")), 60)  # fmt: skip
        start = time.perf_counter()
        click(d, "Run")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "img.negsim-odds-figure"), 1200)
        out["odds"] = time.perf_counter() - start
    return out


def snapshot(ref: str) -> Path:
    """The repository's tree at git `ref`, exported to a temporary folder (no worktree made)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="negsim-app-at-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def summary(name: str, seen: dict[str, object]) -> str:
    """Start-up and lever times of one app, as printed."""
    lever = seen["lever"]
    fresh, again = statistics.median(lever[:3]), statistics.median(lever[3:])  # type: ignore[index]
    return (f"{name}: start-up {seen['startup']:.1f} s; lever to view {fresh:.2f} s for a new "
            f"setting, {again:.2f} s for one seen before (medians of 3)")  # fmt: skip


def main() -> None:
    import argparse
    import os
    import shutil

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="also time the app at git REF")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the start")
    reference = statistics.median(reference_run() for _ in range(3))
    if args.against:
        before_root = snapshot(args.against)
        try:  # interleaved: before, after, before, so drifting load falls on both
            runs = [browser(Path("/tmp/negsim-app-timings-before.log"), before_root, False)]
            seen = browser(Path("/tmp/negsim-app-timings.log"))
            runs.append(browser(Path("/tmp/negsim-app-timings-before.log"), before_root, False))
        finally:
            shutil.rmtree(before_root, ignore_errors=True)
        for n, run in enumerate(runs, 1):
            print(summary(f"{args.against} (run {n})", run))
        print(summary("this tree", seen))
        before = statistics.median([*runs[0]["lever"], *runs[1]["lever"]])  # type: ignore[list-item]
        after = statistics.median(seen["lever"][:3])  # type: ignore[index]
        print(f"lever to view, a new setting: {args.against} {before:.2f} s / this tree "
              f"{after:.2f} s = {before / after:.1f}x faster")  # fmt: skip
    else:
        seen = browser(Path("/tmp/negsim-app-timings.log"))
    lever_in_process = statistics.median(in_process_lever(v) for v in (0.55, 0.6, 0.65))
    swept, drawn, loop = in_process_odds()
    lever = statistics.median(seen["lever"])  # type: ignore[arg-type]
    startup = float(seen["startup"])  # type: ignore[arg-type]
    odds = float(seen["odds"])  # type: ignore[arg-type]
    print(f"reference: one `negsim run` of the baseline from the shell: {reference:.2f} s")
    print(f"start-up to a page ready to step: {startup:.1f} s ({startup / reference:.1f}x the "
          f"reference; the server answered HTTP after {seen['server answered']:.1f} s)")  # fmt: skip
    print(f"lever to updated single-run view, median of 6: {lever:.2f} s; new settings "
          f"{[round(t, 2) for t in seen["lever"][:3]]}, seen before "  # type: ignore[index]
          f"{[round(t, 2) for t in seen["lever"][3:]]} "  # type: ignore[index]
          f"(in-process replay + two figures: {lever_in_process:.2f} s; ratio "
          f"{lever / lever_in_process:.1f})")  # fmt: skip
    print(f"what changes the odds, 7 x 200 runs, 2 workers, Run to figures: {odds:.1f} s")
    print(f"  in-process: sweep {swept:.1f} s + figures {drawn:.1f} s; the same 1,400 runs in "
          f"one process without the sweep machinery: {loop:.1f} s (sweep/loop "
          f"{swept / loop:.2f})")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
