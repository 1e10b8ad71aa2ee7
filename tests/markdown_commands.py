"""The command blocks of a Markdown page, and running them in order in a fresh folder.

A page marks what the test must know in HTML comments, which rendered Markdown does not show:

- before a ```bash block, `<!-- doc-test: OPTION; OPTION -->`, where an OPTION is
  `skip (why)`: the block is not run; `skip WORD... (why)`: its commands containing a WORD are
  not run; `reps N` or `reps N for WORD...`: its `sweep` and `sensitivity` commands (those
  containing a WORD) run with `--reps N`; `samples N for WORD...`: likewise with `--samples N`;
- after a paragraph or table whose numbers come from the commands,
  `<!-- doc-check: NAME -->`: test_docs.py's check NAME must find its figures in that text.

`negsim` commands run in this process (the same Typer app as the console script, without
paying its start-up of a few seconds each time); anything else runs in bash, with the venv's
`bin` first on PATH and `.venv` linked into the folder.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w-]*)")
DIRECTIVE = re.compile(r"^\s*<!--\s*doc-(test|check):\s*(.*?)\s*-->\s*$")
SHELL = ("bash", "console", "sh")
# What a fresh folder holds before a page's commands run: what they read, nothing they write.
COPIED = ("scenarios", "tests/data", "benchmarks")


@dataclass
class Block:
    """A fenced block: its page, the line of its opening fence, language, text and options."""

    doc: Path
    line: int
    lang: str
    text: str
    options: str = ""

    def commands(self) -> Iterator[tuple[int, str]]:
        """(line, command) for each command, continuation lines joined."""
        pending, start = "", 0
        for i, line in enumerate(self.text.splitlines()):
            if not pending:
                start = self.line + 1 + i
            pending += line[:-1] + " " if line.endswith("\\") else line
            if not line.endswith("\\"):
                if pending.strip() and not pending.lstrip().startswith("#"):
                    yield start, pending.strip()
                pending = ""


@dataclass
class Check:
    """A `doc-check` marker: the check's name, its line, and the text it covers."""

    doc: Path
    line: int
    name: str
    text: str


@dataclass
class Page:
    """A Markdown page's fenced blocks and checks."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def read_page(path: Path) -> Page:
    """Parse the fences and doc-test/doc-check markers of one page."""
    page, lines = Page(path), path.read_text().splitlines()
    fence, start, lang, options = "", 0, "", ""
    for i, line in enumerate(lines):
        if fence:
            if line.strip() == fence:
                text = "\n".join(lines[start + 1 : i])
                page.blocks.append(Block(path, start + 1, lang, text, options))
                fence = ""
            continue
        if m := FENCE.match(line):
            fence, start, lang = m.group(1), i, m.group(2)
            previous = DIRECTIVE.match(lines[i - 1]) if i else None
            options = previous.group(2) if previous and previous.group(1) == "test" else ""
        elif (m := DIRECTIVE.match(line)) and m.group(1) == "check":
            page.checks.append(Check(path, i + 1, m.group(2), _text_before(lines, i)))
    return page


def _text_before(lines: list[str], i: int) -> str:
    """The paragraph (or table) that ends just above line i."""
    end = i
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    begin = end
    while begin > 0 and lines[begin - 1].strip() and not DIRECTIVE.match(lines[begin - 1]):
        begin -= 1
    return "\n".join(lines[begin:end])


@dataclass
class Options:
    """A block's doc-test options, read from its marker."""

    skip: str | None = None
    skip_words: dict[str, str] = field(default_factory=dict)
    sizes: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Options:
        opts = cls()
        for part in filter(None, (p.strip() for p in re.split(r";(?![^()]*\))", text))):
            if m := re.fullmatch(r"skip\s*([^(]*?)\s*\((.+)\)", part):
                words, why = m.group(1).split(), m.group(2)
                if words:
                    opts.skip_words.update(dict.fromkeys(words, why))
                else:
                    opts.skip = why
            elif m := re.fullmatch(r"(reps|samples) (\d+)(?: for (.+))?", part):
                words = tuple(m.group(3).split()) if m.group(3) else ()
                opts.sizes.append((f"--{m.group(1)}", int(m.group(2)), words))
            else:
                raise ValueError(f"unknown doc-test option {part!r}")
        return opts


@dataclass
class Ran:
    """One command as the page gives it and as it ran, with what it printed."""

    line: int
    command: str
    ran: str
    stdout: str
    stderr: str
    smaller: bool  # run with fewer replications or samples than the page says


def resized(command: str, opts: Options) -> str:
    """The command with the block's smaller --reps / --samples, where they apply."""
    words = shlex.split(command, comments=True)
    if (
        len(words) < 2
        or Path(words[0]).name != "negsim"
        or words[1] not in ("sweep", "sensitivity")
    ):
        return command
    applies = [(f, v) for f, v, only in opts.sizes if not only or any(w in command for w in only)]
    for flag, value in applies:
        if flag in words:
            words[words.index(flag) + 1] = str(value)
        else:
            words += [flag, str(value)]
    return shlex.join(words) if applies else command


def fresh_folder(path: Path) -> Path:
    """A folder as a clone has it, for what the docs' commands read, with `.venv` linked in."""
    for name in COPIED:
        shutil.copytree(ROOT / name, path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (path / "results").mkdir()  # as in a clone: its README only
    shutil.copy(ROOT / "results" / "README.md", path / "results")
    (path / ".venv").symlink_to(Path(sys.prefix))
    return path


def run_command(command: str, folder: Path) -> tuple[int, str, str]:
    """Run one command in `folder`: negsim in this process, the rest in bash."""
    words = shlex.split(command, comments=True)
    plain = not any(c in command for c in "&|;$`") and command.count(">") <= 1
    if Path(words[0]).name == "negsim" and plain and ">" not in words[:-2]:
        return _run_negsim(words[1:], folder)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )
    return done.returncode, done.stdout, done.stderr


def _run_negsim(args: list[str], folder: Path) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from sim.cli import app

    target = None
    if len(args) >= 2 and args[-2] == ">":
        target, args = args[-1], args[:-2]
    with chdir(folder):
        expanded = [a for w in args for a in (sorted(glob.glob(w)) if "*" in w else [w])]
        result = CliRunner().invoke(app, expanded, env={"COLUMNS": "120"})
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        if target:
            Path(target).write_text(result.stdout)
            return result.exit_code, "", result.stderr
    return result.exit_code, result.stdout, result.stderr
