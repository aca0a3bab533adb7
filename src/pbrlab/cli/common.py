"""What every command shares: the consoles, output formats, and one-line errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from pbrlab.errors import InputError

P = ParamSpec("P")
R = TypeVar("R")

# Markup off: names and paths come from user data, and "[x]" in them must print as written.
out = Console(markup=False, highlight=False)
err = Console(stderr=True, markup=False, highlight=False)


class Format(StrEnum):
    table = "table"
    json = "json"


class MaxFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Bad input becomes one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            err.print(Text.assemble(("error:", "bold red"), f" {exc}"), soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def bar_columns() -> tuple[ProgressColumn, ...]:
    """The columns of a long job's progress bar: what, how far, how long, how long to go."""
    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
