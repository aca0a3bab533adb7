"""pbrlab: design, run and stress-test payment-by-results commissioning of public services.

The public API is what `__all__` lists; everything else may change between versions.
"""

from pbrlab.contracts.load import load_contract, preset_names
from pbrlab.contracts.maximum import MaximumPayment, maximum_payments
from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS, Contract, PaymentKind
from pbrlab.errors import InputError
from pbrlab.payments.engine import PaymentRun, compute_ledger, run_payments
from pbrlab.payments.summary import totals

__all__ = [
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
]
