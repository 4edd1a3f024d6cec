"""The deterministic mock provider and its scenario scripts (see README.md in this folder)."""

from gateway.providers.mock.provider import MockProvider
from gateway.providers.mock.scenarios import Scenario, ScenarioError, load_scenarios, scenarios_from_data

__all__ = ["MockProvider", "Scenario", "ScenarioError", "load_scenarios", "scenarios_from_data"]
