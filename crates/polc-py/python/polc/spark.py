"""Deciding Spark DataFrames: every executor decides its partitions with the
wheel, through ``mapInArrow`` (Arrow batches in, Arrow batches out, no row
goes through Python objects).

    from polc import spark as polc_spark
    decisions = polc_spark.decide(df, "policies/consumer_loan.pol", as_of="2026-11-22")

The output has one row per input row, in the input's order within each
partition (and so for a single ordered source), with the columns of
:meth:`polc.Policy.decide_arrow` (unsigned integers as ``long`` and the stamp columns as
plain ``string``, which Spark has).
See docs/spark.md for running it on a cluster.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import polc

__all__ = ["decide", "decision_schema"]

# one compiled policy per executor Python process and (path, lists)
_POLICIES: Dict[Tuple[str, Tuple[Tuple[str, str], ...]], polc.Policy] = {}


def _resolve(path: str) -> str:
    """``path`` as it is on this machine, else as shipped with ``SparkContext.addFile``."""
    if os.path.exists(path):
        return path
    try:
        from pyspark import SparkFiles

        shipped = SparkFiles.get(path)
    except Exception:  # no Spark context here, or not shipped: report the path as given
        return path
    return shipped if os.path.exists(shipped) else path


def _policy(path: str, lists: Tuple[Tuple[str, str], ...]) -> polc.Policy:
    key = (path, lists)
    policy = _POLICIES.get(key)
    if policy is None:
        policy = polc.Policy.from_file(_resolve(path), {name: _resolve(p) for name, p in lists})
        _POLICIES[key] = policy
    return policy


def _spark_arrow_schema(schema: Any) -> Any:
    """The decision schema in the types Spark has: unsigned integers as signed 64-bit
    ones, the dictionary-encoded stamp columns as their values' type (plain text)."""
    import pyarrow as pa

    def spark_type(t: Any) -> Any:
        if pa.types.is_unsigned_integer(t):
            return pa.int64()
        if pa.types.is_dictionary(t):
            return t.value_type
        return t

    return pa.schema([pa.field(f.name, spark_type(f.type), f.nullable) for f in schema])


def decision_schema(policy_path: str, lists: Optional[Mapping[str, str]] = None) -> Any:
    """The Spark schema (``StructType``) of :func:`decide`'s output."""
    from pyspark.sql.pandas.types import from_arrow_schema

    bound = tuple(sorted((n, os.fspath(p)) for n, p in (lists or {}).items()))
    return from_arrow_schema(_spark_arrow_schema(_policy(os.fspath(policy_path), bound).decision_schema()))


def decide(
    df: Any,
    policy_path: str,
    lists: Optional[Mapping[str, str]] = None,
    as_of: polc.AsOf = None,
    threads: int = 1,
) -> Any:
    """Decides every row of the Spark DataFrame ``df`` with the policy at
    ``policy_path`` (``lists`` as for :meth:`polc.Policy.from_file`).

    The policy is compiled on the driver first (a policy error is raised there,
    before any task starts) and once per executor process. ``as_of`` is fixed
    on the driver (default: today in China, UTC+8) so that every partition
    decides as of the same date. Each task decides with ``threads`` workers
    (1: Spark already runs one task a core). Paths must be readable where the
    tasks run: a shared file system, or names of files shipped with
    ``spark.sparkContext.addFile`` (found with ``SparkFiles.get``)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    path = os.fspath(policy_path)
    bound = tuple(sorted((n, os.fspath(p)) for n, p in (lists or {}).items()))
    policy = _policy(path, bound)
    date = polc._as_of_text(as_of)
    if date is None:
        # the driver's today, the same for every partition
        date = policy.decide({})["as_of"]
    arrow_schema = _spark_arrow_schema(policy.decision_schema())

    def decide_partition(batches: Iterator[Any]) -> Iterator[Any]:
        here = _policy(path, bound)
        for batch in batches:
            decided = here.decide_arrow(batch, as_of=date, threads=threads).cast(arrow_schema)
            yield from decided.to_batches()

    return df.mapInArrow(decide_partition, from_arrow_schema(arrow_schema))
