"""The narration the app shows: the pieces of `sim.narration`, one call each, so the app can
show the cast first, add a round at every step, and the recap once the talks are over."""

from __future__ import annotations

from sim import narration
from sim.record import Offer, RunRecord
from sim.scenario.models import Scenario


def cast(spec: Scenario, record: RunRecord) -> list[str]:
    """Who is at the table: each issue, who must consent and who wants what; each party's
    strategy and fallback."""
    return narration.cast(spec)


def round_lines(spec: Scenario, record: RunRecord, offer: Offer) -> list[str]:
    """One round in words, numbered from 1: news, the proposal, the answers, what settled."""
    return narration.round_lines(spec, offer)


def recap(spec: Scenario, record: RunRecord) -> list[str]:
    """How it ended: what was settled when and by whom, and who gained against no deal."""
    return narration.recap(spec, record)
