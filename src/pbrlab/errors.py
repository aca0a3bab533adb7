"""One error type for bad input, so the CLI can print one clear line and exit non-zero."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: names the file, where in it, what was expected and what was found."""

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file = file
        self.where = where
        self.problem = problem
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")
