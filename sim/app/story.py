"""The narration the app shows, through one thin adapter over `sim.narration`.

The story work (issue 9) adds `sim.narration.cast(spec)`, `round_lines(spec, offer)` and
`recap(spec, record)`; until they land, each function here derives the same text from
`narrate()`, so switching to them is one edit per function.
"""

from __future__ import annotations

from dataclasses import replace

from sim.narration import narrate
from sim.record import Offer, RunRecord
from sim.scenario.models import Scenario


def cast(spec: Scenario, record: RunRecord) -> list[str]:
    """Who is at the table (today: narrate()'s opening line)."""
    return narrate(spec, replace(record, trajectory=[]))[:1]


def round_lines(spec: Scenario, record: RunRecord, offer: Offer) -> list[str]:
    """One round in words (today: narrate()'s paragraph for that round, renumbered from 1 as
    the app and the coming narration count rounds)."""
    lines = narrate(spec, replace(record, trajectory=[offer]))
    start = next(i for i, line in enumerate(lines) if line.startswith("Round "))
    end = lines.index("", start)
    return [f"Round {offer.round + 1}:", *lines[start + 1 : end]]


def recap(spec: Scenario, record: RunRecord) -> list[str]:
    """How it ended (today: narrate()'s closing line)."""
    return narrate(spec, replace(record, trajectory=[]))[-1:]
