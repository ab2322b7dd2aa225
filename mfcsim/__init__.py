"""mfcsim: circular-economy material flows in metropolitan food clusters."""

from mfcsim import indicators, substances  # noqa: F401  (importing registers the run's views)
from mfcsim.balance import check_mass_balance
from mfcsim.engine.simulation import Simulation
from mfcsim.errors import MassBalanceError, MfcsimError, ScenarioError
from mfcsim.firms.base import Firm, Param
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.scenario.root import Scenario

__version__ = "0.1.0"

__all__ = [
    "Firm",
    "MassBalanceError",
    "MfcsimError",
    "Param",
    "Results",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "__version__",
    "check_mass_balance",
    "load_scenario",
    "scenario_from_dict",
]
