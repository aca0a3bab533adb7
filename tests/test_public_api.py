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
    "compute_ledger",
    "load_contract",
    "maximum_payments",
    "preset_names",
    "run_payments",
    "totals",
}


def test_all_is_pinned() -> None:
    assert set(pbrlab.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    for name in pbrlab.__all__:
        assert getattr(pbrlab, name) is not None
