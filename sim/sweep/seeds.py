"""Per-run seeds keyed by (design point, replication), so a run's seed never depends on how the
sweep is chunked, how many workers run it, which executor, or whether it was resumed."""

from __future__ import annotations

import numpy as np


def run_seed(root: int, point: int, rep: int) -> int:
    """The seed of run (point, rep): SeedSequence(root) spawned at key (point, rep), 63 bits so it
    fits a signed int64 column and a `--seed` option."""
    seq = np.random.SeedSequence(root, spawn_key=(point, rep))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))
