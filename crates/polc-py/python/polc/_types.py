"""The plain data of the package: diagnostics and the error that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning about a policy, as `polc check --format json` reports it.

    ``line`` and ``column`` are 1-based and ``None`` for a problem with no place
    in a source (an unreadable file); ``rendered`` is the text `polc check`
    prints for people (no colour, 100 columns).
    """

    code: str
    severity: str
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    help: Optional[str]
    rendered: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        return self.rendered


def _diagnostics(tuples: Sequence[Tuple]) -> List[Diagnostic]:
    return [t if isinstance(t, Diagnostic) else Diagnostic(*t) for t in tuples]


class PolicyError(Exception):
    """A policy that could not be made ready: it does not compile, or a list
    cannot be bound. ``str(error)`` is the rendered text of every error;
    ``diagnostics`` holds them (and any warnings) as :class:`Diagnostic`."""

    def __init__(self, message: str, diagnostics: Sequence[Tuple] = ()) -> None:
        super().__init__(message)
        self.diagnostics: List[Diagnostic] = _diagnostics(diagnostics)

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


class InputError(ValueError):
    """A table whose columns do not fit the policy's input record (a required
    field with no column, a column of a type that cannot hold the field): no
    row of it is decided. A bad cell is not this, but that row's ``error``."""
