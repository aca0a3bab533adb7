"""Provenance stamped on every output: what made it, from which inputs, when."""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import BaseModel


def package_version() -> str:
    try:
        return version("pbrlab")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def model_hash(model: BaseModel) -> str:
    """A stable hash of a validated configuration (contract or scenario)."""
    return hashlib.sha256(model.model_dump_json().encode()).hexdigest()[:16]


def file_hash(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def provenance(**inputs: str) -> dict[str, str]:
    """Version and creation time, plus whatever identifies the inputs."""
    return {
        "pbrlab_version": package_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **inputs,
    }
