"""Drive `negsim app` in Debian's headless Chromium through Selenium, and watch the network.

Shared by the browser test and `benchmarks/app_timings.py`. Chromium's DevTools performance log
lists every request the page made; the app server's outgoing HTTP goes through a trap proxy on
loopback (HTTP(S)_PROXY), and so does Chromium's own, so nothing reaches another machine.
Chromium itself calls a few services of its own whatever the flags (component updates, account
and search-engine preconnects): those are the browser's, not the page's, and reach only its trap.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.app.server import answers

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--disable-domain-reliability",
    "--no-pings",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
]
LOCAL_SCHEMES = ("data:", "blob:", "chrome:", "chrome-extension:", "about:", "devtools:")


def have_browser() -> bool:
    return Path(CHROMIUM).exists() and Path(DRIVER).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Trap:
    """A proxy on loopback that answers nothing and remembers every connection it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.hits.append(conn.recv(200).decode("latin-1").split("\r\n")[0])
                except OSError:
                    self.hits.append("(connection)")

    def close(self) -> None:
        self.sock.close()


@contextmanager
def app_server(
    scenario: str, trap: Trap, log: Path, root: Path = ROOT, env: dict[str, str] | None = None
):
    """`negsim app` (the code under `root`, with `env` added to its environment) on a free
    loopback port, its outgoing HTTP sent to the trap; yields (url, seconds until ready)."""
    port = free_port()
    proxy = f"http://127.0.0.1:{trap.port}"
    env = (
        os.environ
        | {
            "HTTP_PROXY": proxy,
            "HTTPS_PROXY": proxy,
            "http_proxy": proxy,
            "https_proxy": proxy,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "HOME": tempfile.mkdtemp(prefix="negsim-app-home-"),
            "PYTHONPATH": str(root),
        }
        | (env or {})
    )
    command = [sys.executable, "-m", "sim", "app", scenario, "--no-open", "--port", str(port)]
    start = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        # It says ready only once it answers: the address must answer at the first try. (An
        # older app, measured by benchmarks/app_timings.py --against, says "at URL" early.)
        old_app = f"{scenario} at {url}"
        while f"ready: {scenario} at {url}" not in (text := log.read_text()):
            if process.poll() is not None:
                raise RuntimeError(f"negsim app exited: {text[-2000:]}")
            if time.perf_counter() - start > 180:
                raise TimeoutError(f"negsim app not ready: {text[-2000:]}")
            if old_app in text and "ready:" not in text and answers(url):
                break
            time.sleep(0.1)
        started = time.perf_counter() - start
        assert answers(url), f"negsim app said ready before {url} answered"
        yield url, started
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def chromium(trap: Trap, width: int = 1600, height: int = 1100):
    """Headless Chromium with a fresh profile, DevTools performance logging, and every
    non-loopback request sent to the trap proxy."""
    os.environ["SE_AVOID_STATS"] = "true"  # Selenium Manager, if it ever ran, reports nothing
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="negsim-chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                 f"--proxy-server=http://127.0.0.1:{trap.port}"]:  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def requested_urls(driver: Any) -> list[str]:
    """Every URL the page requested since the last call (DevTools performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def is_local(url: str) -> bool:
    """True for loopback http(s)/ws(s) addresses and for schemes that never use the network."""
    from urllib.parse import urlparse

    if url.startswith(LOCAL_SCHEMES):
        return True
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname in (
        "127.0.0.1",
        "localhost",
    )


def wait(driver: Any, condition: Any, timeout: float = 120.0, what: str = "") -> Any:
    """Poll `condition(driver)` until it returns something truthy."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    end = time.perf_counter() + timeout
    while True:
        try:
            value = condition(driver)
            if value:
                return value
        except (StaleElementReferenceException, WebDriverException):
            pass
        if time.perf_counter() > end:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        time.sleep(0.1)


def text_of(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else ""


def button(driver: Any, label: str) -> Any:
    """The visible button whose text is `label` (case-insensitive)."""
    from selenium.webdriver.common.by import By

    for b in driver.find_elements(By.CSS_SELECTOR, "button"):
        if b.is_displayed() and b.text.strip().upper() == label.upper():
            return b
    return None


def click(driver: Any, label: str, timeout: float = 60.0) -> None:
    """Click a button by its text, once it is there and enabled."""
    wait(driver, lambda d: (b := button(d, label)) is not None and b.is_enabled() and b,
         timeout, f"button {label}").click()  # fmt: skip


def image_src(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"{css} img, img{css}")
    return found[0].get_attribute("src") if found else ""


def choose(driver: Any, label: str, option: str) -> None:
    """Pick `option` in the drop-down list labelled `label`."""
    from selenium.webdriver.common.by import By

    def field(d: Any) -> Any:
        for select in d.find_elements(By.CSS_SELECTOR, ".v-select"):
            if (
                select.is_displayed()
                and select.find_element(By.CSS_SELECTOR, "label").text == label
            ):
                return select.find_element(By.CSS_SELECTOR, ".v-select__slot")
        return None

    wait(driver, field, 60, f"the list {label}").click()

    def item(d: Any) -> Any:
        for entry in d.find_elements(By.CSS_SELECTOR, ".menuable__content__active .v-list-item"):
            if entry.is_displayed() and entry.text.strip() == option:
                return entry
        return None

    wait(driver, item, 30, f"{option} in {label}").click()
