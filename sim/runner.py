"""Run one scenario once: pick the protocol's model, seed it, and return its run record."""

from __future__ import annotations

from sim.record import RunRecord
from sim.scenario.models import Scenario


def run_once(spec: Scenario, seed: int, trajectory: bool = False) -> RunRecord:
    """One run of `spec` whose every random draw comes from a generator seeded with `seed`."""
    if spec.protocol.type == "expected_utility":
        from sim.protocols.eu_scenario import run_expected_utility

        record = run_expected_utility(spec)
    else:
        from sim.protocols.alternating import BargainingModel

        record = BargainingModel(spec, rng=seed, trajectory=trajectory).run()
    record.seed = seed
    return record
