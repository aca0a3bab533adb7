"""Writing small appraisal and option files for tests (fast: the core scenario, no tender)."""

from __future__ import annotations

from pathlib import Path

FISCAL = """
[fiscal]
tax_per_week = { value = 23.0, assumption = "test" }

[fiscal.benefit_per_week]
jsa_18_24 = { value = 56.25, assumption = "test" }
jsa_25_plus = { value = 71.0, assumption = "test" }
jsa_early_access = { value = 71.0, assumption = "test" }
jsa_ex_ib = { value = 71.0, assumption = "test" }
jsa_prison_leavers = { value = 71.0, assumption = "test" }
esa_volunteers = { value = 99.15, assumption = "test" }
esa_flow = { value = 99.15, assumption = "test" }
esa_ex_ib = { value = 99.15, assumption = "test" }
ib_is = { value = 71.0, assumption = "test" }
"""


def appraisal(
    folder: Path,
    options: str,
    *,
    base: str = "work-programme-2011-core",
    extra: str = "",
    name: str = "appraisal.toml",
) -> Path:
    """An appraisal file in `folder` with the given [[options]] tables (TOML text)."""
    path = folder / name
    path.write_text(
        f'id = "test-appraisal"\nname = "Test"\nbase = "{base}"\nscale = 0.002\n'
        f"replicates = 2\nseed = 7\n{extra}\n{options}\n{FISCAL}",
        encoding="utf-8",
    )
    return path


def option(folder: Path, name: str, scenario: str) -> Path:
    """An option file `name`.toml in `folder` whose [scenario] is the given TOML text."""
    path = folder / f"{name}.toml"
    path.write_text(
        f'id = "{name}"\nname = "Option {name}"\ndescription = "A test option."\n\n{scenario}\n',
        encoding="utf-8",
    )
    return path
