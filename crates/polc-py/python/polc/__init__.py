"""polc: decide `.pol` underwriting policies from Python.

Compile a policy once, then decide records (dicts), Arrow tables (pyarrow,
Polars, pandas with Arrow dtypes) or Spark DataFrames (:mod:`polc.spark`)::

    import polc
    policy = polc.Policy.from_file("policies/consumer_loan.pol")
    decision = policy.decide(applicant, as_of="2026-11-22")
    decision["decision"]          # "approve" | "refer" | "decline" | "error"

A decision is the JSON line `polc run` writes for the record, as Python
objects; a JSON number with a fraction or an exponent is a ``decimal.Decimal``
(never a float). Money is best given as ``decimal.Decimal`` or a decimal
string; a float is read from its shortest text (``repr``), as JSON would write it.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import json as _json
import math as _math
import os as _os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _polc
from ._types import Diagnostic, InputError, PolicyError

__all__ = ["Policy", "Diagnostic", "InputError", "PolicyError", "check", "explain", "record_json", "__version__"]
__version__: str = _polc.__version__

PathLike = Union[str, "_os.PathLike[str]"]
AsOf = Union[None, str, _dt.date]


def _as_of_text(as_of: AsOf) -> Optional[str]:
    if as_of is None or isinstance(as_of, str):
        return as_of
    if isinstance(as_of, _dt.datetime):
        return as_of.date().isoformat()
    if isinstance(as_of, _dt.date):
        return as_of.isoformat()
    raise TypeError(f"as_of must be a date, a YYYY-MM-DD string or None, not {type(as_of).__name__}")


def _write_json(value: Any, out: List[str], path: str) -> None:
    """Appends the JSON text of a record value; Decimals keep every digit."""
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, _decimal.Decimal):
        if not value.is_finite():
            raise TypeError(f"`{path or 'the record'}` is {value}, which is not a number a record can hold")
        out.append(str(value))
    elif isinstance(value, float):
        if not _math.isfinite(value):
            raise TypeError(f"`{path or 'the record'}` is {value}, which is not a number a record can hold")
        out.append(float.__repr__(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"`{path or 'the record'}` has a key {key!r} that is not a string")
            if i:
                out.append(",")
            out.append(_json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write_json(item, out, f"{path}.{key}" if path else key)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write_json(item, out, f"{path}[{i}]")
        out.append("]")
    elif isinstance(value, _dt.datetime):
        raise TypeError(f"`{path}` is a datetime: give a date (datetime.date or YYYY-MM-DD)")
    elif isinstance(value, _dt.date):
        out.append(f'"{value.isoformat()}"')
    else:
        raise TypeError(f"`{path or 'the record'}` is a {type(value).__name__}, which has no JSON form")


def record_json(record: Any) -> str:
    """The JSON text `decide` sends for a record (dicts, lists, str, int,
    Decimal, float, bool, None, datetime.date)."""
    out: List[str] = []
    _write_json(record, out, "")
    return "".join(out)


def _decision(line: str) -> Dict[str, Any]:
    return _json.loads(line, parse_float=_decimal.Decimal)


class Policy:
    """A compiled policy with its lists bound. Thread-safe: deciding releases
    the GIL, so threads decide in parallel with one policy."""

    __slots__ = ("_native",)

    def __init__(self, native: "_polc.NativePolicy") -> None:
        self._native = native

    @classmethod
    def from_file(cls, path: PathLike, lists: Optional[Mapping[str, PathLike]] = None) -> "Policy":
        """Compiles the policy at ``path`` and binds its lists: ``lists`` maps a
        list's name to the file to bind it from (as ``polc run --list NAME=PATH``);
        the others are read from their ``from`` files. Raises :class:`PolicyError`."""
        bindings = [(name, _os.fspath(p)) for name, p in (lists or {}).items()]
        return cls(_polc.NativePolicy.from_file(_os.fspath(path), bindings))

    @property
    def name(self) -> str:
        return self._native.name

    @property
    def version(self) -> str:
        return self._native.version

    @property
    def policy_hash(self) -> str:
        return self._native.policy_hash

    @property
    def list_versions(self) -> Dict[str, str]:
        return self._native.list_versions

    @property
    def warnings(self) -> List[Diagnostic]:
        """The warnings of compiling the policy."""
        return [Diagnostic(*t) for t in self._native.warnings]

    def message(self, code: str) -> Optional[str]:
        """The message of a reason code, e.g. ``policy.message("A01")``."""
        return self._native.message(code)

    def decide(self, record: Any, as_of: AsOf = None) -> Dict[str, Any]:
        """Decides one record (a dict shaped like the policy's input record).

        A record that does not match the input type — a missing field, a value
        of the wrong type, not a dict at all — is an ``"error"`` decision naming
        the field, exactly as `polc run` decides such a line. ``as_of`` is the
        decision date (default: today in China, UTC+8, as `polc run`)."""
        return _decision(self._native.decide_json(record_json(record), _as_of_text(as_of)))

    def decide_json(self, record: str, as_of: AsOf = None) -> str:
        """Decides one record given as JSON text into the decision line."""
        return self._native.decide_json(record, _as_of_text(as_of))

    def decide_many(self, records: Iterable[Any], as_of: AsOf = None, threads: int = 0) -> List[Dict[str, Any]]:
        """Decides many records in parallel (``threads`` workers, 0 for one a
        core), one decision each, in order."""
        texts = [record_json(r) for r in records]
        return [_decision(line) for line in self._native.decide_json_many(texts, _as_of_text(as_of), threads)]

    def decide_arrow(self, data: Any, as_of: AsOf = None, threads: int = 0) -> Any:
        """Decides every row of Arrow data into a ``pyarrow.Table`` of decisions,
        one row per input row, in order, in chunks of at most 8,192 rows (columns
        ``id``, ``decision``, ``line``, ``level``, ``refer_to``, ``reasons``, …,
        ``error.path``, ``error.message``, ``as_of``, ``policy``, …; see docs/python.md).

        ``data`` is a pyarrow Table or RecordBatch, a Polars DataFrame, or anything
        with ``__arrow_c_stream__`` / ``__arrow_c_array__`` (read zero copy); a
        pandas DataFrame goes through ``pyarrow.Table.from_pandas`` (zero copy for
        Arrow-backed columns). Nested records are struct columns or dotted column
        names (``loan.amount``). A bad cell is that row's ``error`` decision; columns
        that cannot be the input record raise :class:`InputError`. The GIL is
        released while deciding, on ``threads`` workers (0: one a core)."""
        if not (hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__")):
            if type(data).__module__.startswith("pandas"):
                import pyarrow

                data = pyarrow.Table.from_pandas(data, preserve_index=False)
        return self._native.decide_arrow(data, _as_of_text(as_of), threads)

    def decision_schema(self) -> Any:
        """The ``pyarrow.Schema`` of :meth:`decide_arrow`'s tables, known before any record."""
        return self._native.decision_schema()

    @staticmethod
    def check(path: PathLike, skip_lists: bool = False) -> List[Diagnostic]:
        """:func:`polc.check`: the diagnostics of the policy at ``path``."""
        return check(path, skip_lists)

    def __repr__(self) -> str:
        return f"<polc.Policy {self.name} version {self.version!r}>"


def check(path: PathLike, skip_lists: bool = False) -> List[Diagnostic]:
    """Type-checks the policy at ``path`` and loads its lists (unless
    ``skip_lists``) as `polc check` does: every error and warning, in order
    (an empty list when it is clean)."""
    return [Diagnostic(*t) for t in _polc.check(_os.fspath(path), skip_lists)]


def explain(code: str) -> Optional[str]:
    """What `polc explain CODE` prints, or None for an unknown code."""
    return _polc.explain(code)
