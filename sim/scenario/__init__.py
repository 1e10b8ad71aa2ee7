"""Scenario format (pydantic models), YAML loading with line numbers, and dotted-path overrides."""

from sim.scenario.loading import ScenarioError, ScenarioWarning, load_scenario
from sim.scenario.models import Actor, Event, Info, Issue, Protocol, Scenario, Sweep

__all__ = [
    "Actor",
    "Event",
    "Info",
    "Issue",
    "Protocol",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "Sweep",
    "load_scenario",
]
