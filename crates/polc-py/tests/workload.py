"""Generated portfolios for the Spark test and the benchmark: the shipped
applicants repeated under new ids, every 1009th with a missing credit score
(an `error` decision), written as JSONL (for `polc run`) and Parquet (for Spark)."""

from __future__ import annotations

import decimal
import json
import pathlib
from typing import List, Tuple

from conftest import APPLICANTS


def records(n: int) -> List[dict]:
    with open(APPLICANTS, encoding="utf-8") as f:
        base = [json.loads(line) for line in f if line.strip()]
    out = []
    for i in range(n):
        record = dict(base[i % len(base)], id=f"S{i:07d}")
        if i % 1009 == 1008:
            record["credit_score"] = None
        out.append(record)
    return out


def write(directory: pathlib.Path, n: int) -> Tuple[pathlib.Path, pathlib.Path, List[dict]]:
    """JSONL and Parquet files of the same `n` records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = records(n)
    jsonl = directory / "portfolio.jsonl"
    with open(jsonl, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False))
            f.write("\n")
    parquet = directory / "portfolio.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=5_000)
    return jsonl, parquet, rows


def decimal_line(line: str) -> dict:
    return json.loads(line, parse_float=decimal.Decimal)
