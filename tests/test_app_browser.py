"""End to end in a real headless browser: `negsim app` opens, a lever moves, the negotiation is
stepped, the page shows what the model gives for the new setting, and nothing leaves this machine:
every request of the page is to loopback (DevTools log) and the app server sends nothing out (its
HTTP goes to a trap proxy, which must stay empty).

Set NEGSIM_SCREENSHOTS=DIR to keep the screenshots (`make screenshots` writes docs/img/).
`make test` installs Chromium and its driver and sets NEGSIM_REQUIRE_BROWSER, so there a missing
browser fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from app_browser import (
    Trap,
    app_server,
    choose,
    chromium,
    click,
    have_browser,
    image_src,
    is_local,
    requested_urls,
    text_of,
    wait,
)

from sim.app.live import LiveRun, round_views
from sim.scenario import load_scenario

pytestmark = pytest.mark.slow
SCREENSHOTS = os.environ.get("NEGSIM_SCREENSHOTS")
# The sweeps' sizes: as docs/teaching.md teaches them for the docs' screenshots; otherwise a
# handful of runs (offered by the app only under NEGSIM_APP_TEST_RUNS), enough to prove the
# background sweep, its progress and its figures.
TEST_RUNS = "8"
ODDS = ("7", "200") if SCREENSHOTS else ("3", TEST_RUNS)  # points, runs per point
VERSUS = "500" if SCREENSHOTS else TEST_RUNS  # runs each
BASELINE = "scenarios/baseline.yaml"
LEVER = ".lever-actors-russia-outside_option"

if not have_browser():
    if os.environ.get("NEGSIM_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromium-driver are missing: run make test")
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)


def shot(driver, name: str) -> None:
    folder = SCREENSHOTS
    if folder:
        driver.execute_script(
            "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; });"
            "window.scrollTo(0, 0);"
        )
        time.sleep(0.5)
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def answers_shown(driver) -> list[list[str]]:
    """Rows of the answers table of the round on screen."""
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "table.negsim-answers tbody tr")
    return [[td.text for td in row.find_elements(By.CSS_SELECTOR, "td")] for row in rows]


def expected_answers(overrides: list[str], rounds: int) -> list[list[str]]:
    """What the model gives for that setting in that round, formatted as the page shows it."""
    spec = load_scenario(BASELINE, overrides)
    view = round_views(spec, LiveRun(spec, upto=rounds))[-1]
    return [[a.actor, a.verdict, f"{a.utility:.3f}", f"{a.threshold:.3f}", a.reason]
            for a in view.answers]  # fmt: skip


def open_group(driver, name: str) -> None:
    from selenium.webdriver.common.by import By

    for header in driver.find_elements(By.CSS_SELECTOR, ".v-expansion-panel-header"):
        if header.text.strip() == name:
            if "v-expansion-panel-header--active" not in header.get_attribute("class"):
                header.click()
            return
    raise AssertionError(f"no lever group {name}")


def strategy_shown(driver, actor: str) -> str:
    """The strategy the toggle of `actor` shows as chosen."""
    return text_of(driver, f".lever-actors-{actor}-strategy .v-btn--active").strip().lower()


def open_groups(driver) -> set[str]:
    """The lever groups shown open."""
    from selenium.webdriver.common.by import By

    headers = driver.find_elements(By.CSS_SELECTOR, ".v-expansion-panel-header--active")
    return {h.text.strip() for h in headers}


def open_tab(driver, name: str) -> None:
    from selenium.webdriver.common.by import By

    for tab in driver.find_elements(By.CSS_SELECTOR, ".v-tab"):
        if tab.text.strip().upper() == name.upper():
            tab.click()
            return
    raise AssertionError(f"no tab {name}")


def step_to(driver, rounds: int) -> None:
    for n in range(1, rounds + 1):
        click(driver, "Step")
        wait(driver, lambda d, n=n: f"After round {n} of 12." in text_of(d, ".negsim-headline"),
             60, f"round {n}")  # fmt: skip


def test_the_app_in_a_browser_offline(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server_trap, browser_trap = Trap(), Trap()
    with ExitStack() as stack:
        with ThreadPoolExecutor(1) as pool:  # Chromium starts while the server does
            browser = pool.submit(stack.enter_context, chromium(browser_trap))
            url, started = stack.enter_context(
                app_server(BASELINE, server_trap, tmp_path / "server.log",
                           env={"NEGSIM_APP_TEST_RUNS": TEST_RUNS}))  # fmt: skip
        d = browser.result()
        d.get(url)
        wait(d, lambda d: "Ready: 12 rounds" in text_of(d, ".negsim-headline"), 180, "the page")
        print(f"server ready after {started:.1f} s")

        # Move a lever: Russia's outside option 0.5 -> 0.8 (six steps of 0.05: Shift+→ takes 3).
        open_group(d, "Russia")
        thumb = wait(d, lambda d: d.find_element(By.CSS_SELECTOR,
                                                 f"{LEVER} .v-slider__thumb-container"))  # fmt: skip
        for _ in range(2):
            thumb.send_keys(Keys.SHIFT, Keys.ARROW_RIGHT)
        wait(d, lambda d: "outside option: 0.8" in text_of(d, LEVER), 60, "the lever")

        # Step the negotiation; the page shows what the model gives for the new setting.
        rounds = 5 if SCREENSHOTS else 2  # the docs show round 5; Russia answers in both
        moved = ["actors.russia.outside_option=0.8"]
        assert expected_answers(moved, rounds) != expected_answers([], rounds)  # it matters
        step_to(d, rounds)
        wait(d, lambda d: answers_shown(d) == expected_answers(moved, rounds), 60, "the answers")
        offers = image_src(d, ".negsim-offers")
        shot(d, "app-one-negotiation")

        # Play, then pause: the round moves on by itself.
        click(d, "▶")
        wait(d, lambda d: f"After round {rounds + 1} of 12." in text_of(d, ".negsim-headline"),
             60, "play")  # fmt: skip
        click(d, "❚❚")
        assert image_src(d, ".negsim-offers") != offers

        # About this scenario: NetLogo's Info-tab order and the glossary.
        open_tab(d, "About this scenario")
        wait(d, lambda d: "Things to try" in text_of(d, ".negsim-about"), 60, "the About panel")
        assert "Kalai–Smorodinsky" in text_of(d, ".negsim-glossary")
        shot(d, "app-about")

        # What changes the odds, on the lever moved last, with a small sweep.
        open_tab(d, "What changes the odds")
        wait(d, lambda d: "Russia: outside option" in text_of(d, ".negsim-odds-lever"), 30)
        choose(d, "points", ODDS[0])
        choose(d, "runs per point", ODDS[1])
        click(d, "Run")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "img.negsim-odds-figure"), 600,
             "the odds figures")  # fmt: skip
        shot(d, "app-what-changes-the-odds")

        # A against B, as docs/teaching.md teaches it: the file, then a patient Syria.
        open_tab(d, "A against B")
        click(d, "Reset to the file")
        click(d, "Keep the levers as A")
        open_group(d, "Syria (transitional government)")
        patience = wait(d, lambda d: d.find_element(
            By.CSS_SELECTOR, ".lever-actors-syria-patience .v-slider__thumb-container"))  # fmt: skip
        for keys in [(Keys.SHIFT, Keys.ARROW_RIGHT)] * 2 + [(Keys.ARROW_RIGHT,)]:  # 0.90 -> 0.97
            patience.send_keys(*keys)
        wait(d, lambda d: "patience δ: 0.97" in text_of(d, ".lever-actors-syria-patience"), 60)
        choose(d, "runs each", VERSUS)
        click(d, "Keep the levers as B")
        wait(d, lambda d: "actors.syria.patience=0.97" in text_of(d, ".negsim-setting-B"), 30)
        click(d, "Compare A and B")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "img.negsim-versus-figure"), 600,
             "the comparison")  # fmt: skip
        assert "probability of full agreement" in text_of(d, ".negsim-versus-table")
        shot(d, "app-a-against-b")

        # The lesson's deliberate mistake: the message, and every lever where it was.
        groups = open_groups(d)
        assert {"Russia", "Syria (transitional government)"} <= groups
        shown = {actor: strategy_shown(d, actor) for actor in ("syria", "russia")}
        assert shown == {"syria": "concession", "russia": "concession"}
        d.find_element(By.XPATH, "//*[contains(@class, 'lever-actors-russia-strategy')]"
                                 "//button[normalize-space()='equilibrium']").click()  # fmt: skip
        wait(d, lambda d: "needs exactly two actors" in text_of(d, ".negsim-problems"), 30,
             "the validate message")  # fmt: skip
        assert open_groups(d) == groups
        assert strategy_shown(d, "russia") == "equilibrium"
        assert strategy_shown(d, "syria") == "concession"
        open_tab(d, "What changes the odds")  # offers the number lever moved last
        wait(d, lambda d: "Syria (transitional government): patience δ"
             in text_of(d, ".negsim-odds-lever"), 30, "the lever moved last")  # fmt: skip

        urls = requested_urls(d)
    time.sleep(0.5)
    server_trap.close()
    browser_trap.close()
    print("Chromium's own background calls (kept on this machine by its trap):", browser_trap.hits)
    log = (tmp_path / "server.log").read_text()
    assert urls and all(is_local(u) for u in urls), [u for u in urls if not is_local(u)]
    assert server_trap.hits == [], server_trap.hits  # no telemetry, version check or CDN
    assert "Could not load URL" not in log  # every front-end file came from solara-assets
    assert "Traceback" not in log, log[-3000:]
