"""A run's procurement, contracts and payments as an Open Contracting Data Standard 1.1 release
package (https://standard.open-contracting.org/1.1/en/).

One release per contract package area (its own contracting process and `ocid`): the tender for
the area's places (with every bidder, when the run bought its providers in a tender), one award
and one contract per prime holding a place (its subcontracts as related processes, relationship
`subContract`), and the contract's payments as monthly implementation transactions from the
commissioner to the prime (a week's payments count in the month its week starts in). A provider
that exited (insolvent or terminated) has a terminated contract ending on its exit date. Amounts
are the run's simulated pounds: at a scale below 1 they are that fraction of national amounts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pbrlab.errors import InputError

OCID_PREFIX = "ocds-pbrlab"
"""Not a registered prefix: these are simulated processes, not real ones."""


def release_package(run: str | Path) -> dict[str, Any]:
    """The release package of the run whose outputs are in folder `run`."""
    folder = Path(run)
    summary = _summary(folder)
    stamp = summary["provenance"]
    published = _datetime(stamp["created"])
    events = _table(folder / "events.parquet").to_pylist()
    payments = _monthly_payments(folder / "timeseries.parquet")
    buyer = {"id": _party_id(summary["commissioner"]), "name": summary["commissioner"]}
    releases = []
    primes = {
        pid: p
        for pid, p in summary["providers"].items()
        if not p.get("prime") and p.get("started", summary["calendar"]["start"]) is not None
    }
    for area in sorted({p["area"] for p in primes.values()}):
        here = {pid: p for pid, p in primes.items() if p["area"] == area}
        chains = {
            pid: [s for s, p in summary["providers"].items() if p.get("prime") == pid]
            for pid in here
        }
        releases.append(_release(area, here, chains, events, payments, buyer, summary, published))
    return {
        "uri": folder.resolve().as_uri() + "/ocds.json",
        "version": "1.1",
        "publishedDate": published,
        "publisher": {"name": f"pbrlab {stamp['pbrlab_version']}"},
        "releases": releases,
    }


def _release(
    area: str,
    providers: dict[str, dict[str, Any]],
    chains: dict[str, list[str]],
    events: list[dict[str, Any]],
    payments: dict[str, list[tuple[str, float]]],
    buyer: dict[str, str],
    summary: dict[str, Any],
    published: str,
) -> dict[str, Any]:
    stamp = summary["provenance"]
    ocid = f"{OCID_PREFIX}-{stamp['scenario']}-{stamp['scenario_hash']}-{area}"
    start = _datetime(summary["calendar"]["start"])
    end = _datetime(summary["calendar"]["end"])
    bidders = sorted(
        {e["organisation_id"] for e in events if e["event"] == "bid" and e["area_id"] == area}
    )
    holders = {pid: p["organisation"] for pid, p in providers.items()}
    parties = {buyer["id"]: {**buyer, "roles": ["buyer", "procuringEntity", "payer"]}}
    for organisation in bidders:
        parties[organisation] = {"id": organisation, "name": organisation, "roles": ["tenderer"]}
    for pid, provider in providers.items():
        roles = ["tenderer", "supplier", "payee"] if bidders else ["supplier", "payee"]
        parties[holders[pid]] = {"id": holders[pid], "name": provider["name"], "roles": roles}
    awards, contracts = [], []
    for pid, provider in sorted(providers.items()):
        supplier = {"id": holders[pid], "name": provider["name"]}
        began = _datetime(provider["started"]) if provider.get("started") else start
        awards.append(
            {"id": f"{pid}-award", "status": "active", "date": began, "suppliers": [supplier]}
        )
        exited = provider.get("exited")
        contracts.append(
            {
                "id": f"{pid}-contract",
                "awardID": f"{pid}-award",
                "status": "terminated" if exited else "active",
                "period": {"startDate": began, "endDate": _datetime(exited) if exited else end},
                "implementation": {
                    "transactions": [
                        {
                            "id": f"{pid}-{month}",
                            "date": _datetime(f"{month}-01"),
                            "value": {"amount": amount, "currency": "GBP"},
                            "payer": buyer,
                            "payee": supplier,
                        }
                        for month, amount in payments.get(pid, [])
                    ]
                },
                **(
                    {
                        "relatedProcesses": [
                            {
                                "id": str(n),
                                "relationship": ["subContract"],
                                "title": f"Subcontract with {sub}",
                                "scheme": "ocid",
                                "identifier": f"{ocid}-{sub}",
                            }
                            for n, sub in enumerate(chains[pid], start=1)
                        ]
                    }
                    if chains[pid]
                    else {}
                ),
            }
        )
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": f"Employment support in {area} ({stamp['scenario']}, simulated)",
        "status": "complete",
        "procurementMethod": "selective",
        "mainProcurementCategory": "services",
        "numberOfTenderers": len(bidders) or len(providers),
        "tenderers": [
            {"id": o, "name": parties[o]["name"]} for o in (bidders or list(holders.values()))
        ],
    }
    return {
        "ocid": ocid,
        "id": f"{ocid}-{published}",
        "date": published,
        "tag": ["tender", "award", "contract", "implementation"],
        "initiationType": "tender",
        "language": "en",
        "parties": list(parties.values()),
        "buyer": buyer,
        "tender": tender,
        "awards": awards,
        "contracts": contracts,
    }


def _monthly_payments(path: Path) -> dict[str, list[tuple[str, float]]]:
    """Pounds paid to each provider by calendar month (all kinds of payment)."""
    table = _table(path)
    paid = [c for c in table.column_names if c.startswith("paid_")]
    amount = np.sum([table[c].to_numpy() for c in paid], axis=0)
    month = pc.strftime(table["week_start"], format="%Y-%m").to_pylist()
    provider = table["provider_id"].cast("string").to_pylist()
    totals: dict[str, dict[str, float]] = {}
    for p, m, a in zip(provider, month, amount, strict=True):
        if a:
            totals.setdefault(p, {}).setdefault(m, 0.0)
            totals[p][m] += float(a)
    return {p: [(m, round(a, 2)) for m, a in sorted(ms.items())] for p, ms in totals.items()}


def _summary(folder: Path) -> dict[str, Any]:
    path = folder / "summary.json"
    if not path.is_file():
        raise InputError(
            str(folder), "", "expected the output folder of `pbrlab run` (no summary.json)"
        )
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(str(path), "", f"not valid JSON ({exc})") from None
    for key in ("provenance", "providers", "commissioner", "calendar"):
        if key not in data:
            raise InputError(str(path), key, "expected a summary written by this pbrlab version")
    return data


def _table(path: Path) -> Any:
    if not path.is_file():
        raise InputError(str(path), "", "the file does not exist (expected `pbrlab run` outputs)")
    return pq.read_table(path)


def _datetime(text: str) -> str:
    """RFC 3339, as OCDS requires: a date becomes its midnight in UTC."""
    return f"{text[:10]}T00:00:00Z" if len(text) <= 10 else text.replace("+00:00", "Z")


def _party_id(name: str) -> str:
    return "-".join(name.lower().split())
