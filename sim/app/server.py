"""Serve the app on this machine only: Solara's front end from `solara-assets`, no CDN, no
telemetry, no version check, bound to the loopback address."""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Callable

# Solara reads these when it is first imported. The CDN setting points at a closed loopback port:
# every front-end file is served from solara-assets' copy on this machine, so a file missing from
# it fails here instead of being fetched from the internet.
OFFLINE = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_THEME_SHOW_BANNER": "false",
    "SOLARA_THEME_TITLE": "negsim",
    "SOLARA_MODE": "production",
    "SOLARA_APP": "sim.app.page",
}


SCENARIO_ENV = "NEGSIM_APP_SCENARIO"  # the file the page opens


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def local_url(host: str, port: int) -> str:
    """The address this machine reaches the server at (a wildcard host listens on loopback too)."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}/"


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether the server at `url` answers an HTTP request (any status), without a proxy."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def when_answering(url: str, then: Callable[[], None], every: float = 0.2) -> threading.Thread:
    """Poll `url` in the background and call `then` once it answers: a link printed or opened
    before that would give a teacher a refused connection."""

    def poll() -> None:
        while not answers(url):
            time.sleep(every)
        then()

    thread = threading.Thread(target=poll, daemon=True, name="negsim-app-ready")
    thread.start()
    return thread


def serve(
    scenario: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    quiet: bool = True,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Run the app until interrupted (Ctrl-C); `on_ready` is called once the page answers. Quiet
    by default: a teacher sees negsim's own lines, not the web server's log."""
    os.environ.update(OFFLINE)  # before anything imports Solara
    os.environ[SCENARIO_ENV] = scenario
    import solara.server.settings
    import solara.settings
    import uvicorn

    # Had Solara been imported already, its settings were read before the lines above.
    solara.server.settings.telemetry.mixpanel_enable = False
    solara.settings.assets.cdn = OFFLINE["SOLARA_ASSETS_CDN"]
    solara.settings.assets.proxy = True

    # Solara warns on every page load over plain http at 127.0.0.1 that it cannot set a
    # cross-site cookie for embedding in an iframe; the app is not embedded, so the warning is noise.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    config = uvicorn.Config(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning" if quiet else "info",
        access_log=False,
    )
    if on_ready is not None:
        when_answering(local_url(host, port), on_ready)
    uvicorn.Server(config).run()
