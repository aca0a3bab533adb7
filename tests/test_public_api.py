"""The public API is small and explicit; changing it must be a deliberate act."""

from __future__ import annotations

import pbrlab

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(pbrlab.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    for name in pbrlab.__all__:
        assert getattr(pbrlab, name) is not None


def test_the_payment_engine_loads_without_the_simulator() -> None:
    import subprocess
    import sys

    code = "import sys, pbrlab.cli.main; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
