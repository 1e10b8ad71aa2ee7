"""Read a sweep's results folder: all runs as a DataFrame, the manifest, the resolved scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.scenario.models import Scenario


def load(path: str | Path, columns: list[str] | None = None) -> Any:
    """All runs of the sweep in `path` as a pandas DataFrame sorted by (point, rep), one row per
    run (columns: see the README); `columns` reads only those. Only parts the manifest records
    and whose checksum matches are read (see `load_status` for what is left out)."""
    import pandas as pd

    from sim.sweep.store import Store

    store = Store(path)
    if not store.runs.is_dir():
        raise FileNotFoundError(2, "no runs folder", str(store.runs))
    wanted = None if columns is None else list(dict.fromkeys(["point", "rep", *columns]))
    frames = [pd.read_parquet(p, columns=wanted) for p in store.parts()]
    if not frames:
        return pd.DataFrame(columns=wanted or ["point", "rep"])
    runs = pd.concat(frames, ignore_index=True)
    return runs.sort_values(["point", "rep"], kind="stable").reset_index(drop=True)


def load_status(path: str | Path) -> dict[str, Any]:
    """How much of its sweep the folder holds: `status` (complete, failed, running,
    interrupted, aborted), runs `stored` of `expected`, `ok` and `failed`, and `problems` (parts
    left out because they are missing, truncated or corrupted)."""
    from sim.sweep.store import Store

    return Store(path).status()


def load_manifest(path: str | Path) -> dict[str, Any]:
    """The sweep's manifest.json as a dict."""
    return json.loads((Path(path) / "manifest.json").read_text(encoding="utf-8"))


def load_scenario(path: str | Path) -> Scenario:
    """The scenario the sweep ran (after --set overrides, before the swept values)."""
    from sim.scenario.loading import Document, validate_document

    manifest = load_manifest(path)
    return validate_document(
        Document(manifest.get("scenario_file", "manifest"), manifest["document"], {})
    )
