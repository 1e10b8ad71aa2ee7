"""Read a one-issue actor table (CSV: actor, capability, position, salience) for the EU forecast.

Every problem is a `TableError` naming the file, the line, the column and what was expected, so
the command line can print it as one line and exit with code 2.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("actor", "capability", "position", "salience")


class TableError(ValueError):
    """A malformed actor table; its text is ``file:line: column: what was expected``."""

    def __init__(self, file: str, line: int, column: str, message: str) -> None:
        self.file, self.line, self.column, self.message = file, line, column, message
        super().__init__(f"{file}:{line}: {column}: {message}")


@dataclass(frozen=True)
class ForecastTable:
    """One issue's actors, in file order; saliences as written (0–1 or 0–100)."""

    path: str
    actors: list[str]
    capability: list[float]
    position: list[float]
    salience: list[float]


def _number(file: str, line: int, column: str, text: str) -> float:
    """Parse one numeric cell; capability and salience must also be >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise TableError(file, line, column, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise TableError(file, line, column, f"expected a finite number, got {text!r}")
    if column != "position" and value < 0:
        raise TableError(file, line, column, f"expected a number >= 0, got {text}")
    if column == "salience" and value > 100:
        raise TableError(file, line, column, f"expected a salience on 0-1 or 0-100, got {text}")
    return value


def read_table(path: str | Path) -> ForecastTable:
    """Parse the table at ``path``; extra columns are ignored, blank and ``#`` lines skipped."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(file, 1, "file", f"expected UTF-8 text ({exc.reason})") from None
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    rows: dict[str, list] = {name: [] for name in COLUMNS}
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            for name in COLUMNS:
                if name not in header:
                    expected = ", ".join(COLUMNS)
                    raise TableError(file, line, name, f"missing column (expected {expected})")
            continue
        if len(cells) != len(header):
            raise TableError(file, line, "row", f"expected {len(header)} fields, got {len(cells)}")
        record = dict(zip(header, (cell.strip() for cell in cells), strict=True))
        actor = record["actor"]
        if not actor:
            raise TableError(file, line, "actor", "expected an actor name, got an empty cell")
        if actor in seen:
            raise TableError(
                file, line, "actor", f"duplicate actor {actor!r} (first on line {seen[actor]})"
            )
        seen[actor] = line
        rows["actor"].append(actor)
        for name in COLUMNS[1:]:
            rows[name].append(_number(file, line, name, record[name]))
    if header is None:
        raise TableError(
            file, 1, "header", f"empty file: expected a header row {','.join(COLUMNS)}"
        )
    if not rows["actor"]:
        raise TableError(file, reader.line_num or 1, "actor", "expected at least one actor row")
    if not any(c * s > 0 for c, s in zip(rows["capability"], rows["salience"], strict=True)):
        raise TableError(
            file, reader.line_num, "salience", "expected an actor with capability and salience > 0"
        )
    return ForecastTable(
        file, rows["actor"], rows["capability"], rows["position"], rows["salience"]
    )
