"""Sweeps: experimental designs over scenario parameters, reproducible parallel runs and the
streaming results store. `resolve_sweep` builds a spec; `run_sweep` runs it into a folder."""

from sim.sweep.execute import iter_rows
from sim.sweep.run import SweepResult, run_sweep
from sim.sweep.spec import SweepSpec, resolve_sweep

__all__ = ["SweepResult", "SweepSpec", "iter_rows", "resolve_sweep", "run_sweep"]
