#!/usr/bin/env python3
"""Benchmark of the Python package (docs/performance.md, "Python and Spark"):

1. `Policy.decide_arrow` on an N-row pyarrow Table (default 1,000,000) against
   `polc run`'s own rate on the same records as JSONL;
2. `polc.spark.decide` on Spark `local[2]` over the same records as Parquet,
   against a pass-through `mapInArrow` (what Spark itself costs).

Run it in the venv of scripts/python-tests.sh, on an optimised build:

    PYTHON_TESTS_RELEASE=1 scripts/python-tests.sh -k nothing   # builds the release wheel and polc
    target/py-venv/bin/python scripts/bench-python.py [N]
    POLC_BENCH_SPARK=0 target/py-venv/bin/python scripts/bench-python.py [N]   # without Spark
"""

from __future__ import annotations

import gc
import os
import pathlib
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "crates" / "polc-py" / "tests"))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import polc  # noqa: E402
import workload  # noqa: E402

POLICY = ROOT / "policies" / "consumer_loan.pol"
AS_OF = "2026-11-22"


def best(f, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def polc_run_rate(polc_bin: str, jsonl: pathlib.Path, n: int):
    """`polc run`'s best rate of 3 runs on `jsonl` (as it reports it) and its CPU time a decision."""
    rates, cpus = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [polc_bin, "run", str(POLICY), "--input", str(jsonl), "--as-of", AS_OF, "--output", os.devnull],
            capture_output=True, text=True, cwd=ROOT,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / n * 1e6)
        match = re.search(r"\(([0-9.]+)/s\)", done.stderr)
        rates.append(float(match.group(1)) if match else float("nan"))
    best_run = max(range(3), key=lambda i: rates[i])
    return rates[best_run], cpus[best_run]


def decide_arrow_rate(policy, data, n: int):
    """`decide_arrow`'s best rate of 3 runs on `data` and its CPU time a decision in that run."""
    rates, cpus = [], []
    for _ in range(3):
        cpu = time.process_time()
        start = time.perf_counter()
        decided = policy.decide_arrow(data, as_of=AS_OF)
        rates.append(n / (time.perf_counter() - start))
        cpus.append((time.process_time() - cpu) / n * 1e6)
        del decided  # freeing the decisions is not timed
    best_run = max(range(3), key=lambda i: rates[i])
    return rates[best_run], cpus[best_run]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    polc_bin = os.environ.get("POLC_BIN", str(ROOT / "target" / "release" / "polc"))
    directory = pathlib.Path(tempfile.mkdtemp(prefix="polc-bench-"))
    jsonl, parquet, rows = workload.write(directory, n)
    # the records as dicts are not needed again: a million of them would be walked by
    # every full collection of Python's garbage collector, inside the timings
    del rows
    gc.collect()
    table = pq.read_table(parquet)
    print(f"{n} records, {os.cpu_count()} cores")

    run_rate, run_cpu = polc_run_rate(polc_bin, jsonl, n)
    print(f"polc run (JSONL, all cores): {run_rate:,.0f} decisions/s, {run_cpu:.2f} µs CPU a decision (best of 3)")

    policy = polc.Policy.from_file(POLICY)
    policy.decide_arrow(table, as_of=AS_OF)  # the worker threads started
    arrow_rate = 0.0
    # the Parquet file's chunks (a row group each), and the same rows as one chunk,
    # as `pa.Table.from_pylist` or Polars make them (decided in pieces of 8,192 rows)
    for label, data in (("pyarrow Table, 5,000-row chunks", table), ("pyarrow Table, one chunk", table.combine_chunks())):
        rate, cpu = decide_arrow_rate(policy, data, n)
        arrow_rate = arrow_rate or rate
        # CPU time a decision moves less with the machine's load than the rates do
        print(f"decide_arrow ({label}, all cores): {rate:,.0f} decisions/s "
              f"({rate / run_rate:.0%} of polc run), {cpu:.2f} µs CPU a decision "
              f"({run_cpu / cpu:.0%} of polc run's decisions per CPU second) (best of 3)")

    if os.environ.get("POLC_BENCH_SPARK") == "0":
        return
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "3g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    from polc import spark as polc_spark

    df = spark.read.parquet(str(parquet))

    def through(batches):
        yield from batches

    def noop(frame):
        frame.write.format("noop").mode("overwrite").save()

    noop(polc_spark.decide(df, str(POLICY), as_of=AS_OF))  # warm the executors' workers
    spark_seconds = best(lambda: noop(polc_spark.decide(df, str(POLICY), as_of=AS_OF)), runs=2)
    bare_seconds = best(lambda: noop(df.mapInArrow(through, df.schema)), runs=2)
    spark_rate = n / spark_seconds
    print(f"Spark local[2], polc.spark.decide: {spark_rate:,.0f} decisions/s ({spark_seconds:.1f} s)")
    print(f"Spark local[2], pass-through mapInArrow: {bare_seconds:.1f} s "
          f"(Spark's own cost: {bare_seconds / spark_seconds:.0%} of the decide job)")
    print(f"Spark over the bare Arrow path: {spark_seconds - n / arrow_rate:.1f} s more "
          f"({arrow_rate / spark_rate:.1f}x the time of decide_arrow)")
    spark.stop()


if __name__ == "__main__":
    main()
