"""pbrlab: design, run and stress-test payment-by-results commissioning of public services.

The public API is what `__all__` lists; everything else may change between versions. The
simulator's and the experiments' names load on first use, so the payment engine and the CLI
start without Numba, DuckDB or SciPy.
"""

import importlib
from typing import Any

from pbrlab.contracts.load import load_contract, preset_names
from pbrlab.contracts.maximum import MaximumPayment, maximum_payments
from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS, Contract, PaymentKind
from pbrlab.errors import InputError
from pbrlab.payments.engine import PaymentRun, compute_ledger, run_payments
from pbrlab.payments.summary import totals
from pbrlab.scenarios.load import load_scenario
from pbrlab.scenarios.model import Scenario

__all__ = [
    "WORK_PROGRAMME_GROUPS",
    "Contract",
    "InputError",
    "MaximumPayment",
    "PaymentKind",
    "PaymentRun",
    "Scenario",
    "SimulationRun",
    "appraise",
    "compute_ledger",
    "load_appraisal",
    "load_contract",
    "load_experiment",
    "load_scenario",
    "maximum_payments",
    "preset_names",
    "read_results",
    "run_payments",
    "run_scenario",
    "sweep",
    "totals",
]

_LAZY = {
    "SimulationRun": "pbrlab.engine.run",
    "run_scenario": "pbrlab.engine.run",
    "load_experiment": "pbrlab.experiments.sweep",
    "sweep": "pbrlab.experiments.sweep",
    "read_results": "pbrlab.experiments.store",
    "load_appraisal": "pbrlab.appraisal.load",
    "appraise": "pbrlab.appraisal.run",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pbrlab' has no attribute {name!r}")
