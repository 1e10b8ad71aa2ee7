"""Serve the app on this machine only: Solara's front end from `solara-assets`, no CDN, no
telemetry, no version check, bound to the loopback address."""

from __future__ import annotations

import os
import socket

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


def serve(scenario: str, host: str = "127.0.0.1", port: int = 8765, quiet: bool = False) -> None:
    """Run the app until interrupted (Ctrl-C)."""
    os.environ.update(OFFLINE)  # before anything imports Solara
    os.environ[SCENARIO_ENV] = scenario
    import solara.server.settings
    import solara.settings
    import uvicorn

    # Had Solara been imported already, its settings were read before the lines above.
    solara.server.settings.telemetry.mixpanel_enable = False
    solara.settings.assets.cdn = OFFLINE["SOLARA_ASSETS_CDN"]
    solara.settings.assets.proxy = True

    config = uvicorn.Config(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning" if quiet else "info",
        access_log=False,
    )
    uvicorn.Server(config).run()
