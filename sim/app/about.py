"""The About panel's content: a scenario's info in NetLogo's Info-tab order (its glossary is
sim.glossary). Pure data and text handling: no Solara here."""

from __future__ import annotations

from sim.scenario.models import Scenario

SECTIONS = (
    ("what_it_is", "What is it?"),
    ("how_it_works", "How it works"),
    ("how_to_use_it", "How to use it"),
    ("things_to_notice", "Things to notice"),
    ("things_to_try", "Things to try"),
)


def info_sections(spec: Scenario) -> list[tuple[str, str]]:
    """(title, text) of every info field the scenario fills, in Info-tab order."""
    return [(title, getattr(spec.info, key)) for key, title in SECTIONS if getattr(spec.info, key)]


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """Split info text into ("p", [paragraph]) and ("ul", [items]) blocks: paragraphs are separated
    by blank lines, list items start with "- ", and wrapped lines join the line before them."""
    out: list[tuple[str, list[str]]] = []
    for chunk in text.strip().split("\n\n"):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines and lines[0].startswith("- "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:])
                elif items:
                    items[-1] += " " + line
            out.append(("ul", items))
        elif lines:
            out.append(("p", [" ".join(lines)]))
    return out
