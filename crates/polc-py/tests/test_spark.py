"""polc.spark.decide on a local Spark (`local[2]`): every decision of a
generated portfolio checked against `polc run` on the same records; a failing
partition is retried and nothing is lost or doubled.

The portfolio's size is $POLC_SPARK_RECORDS (default 20,000; .ci/run uses
100,000, the benchmark 1,000,000)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from conftest import AS_OF, POLICY, parse, polc_run

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.fail("Spark needs Java 17: apt-get install -y openjdk-17-jre-headless")

import workload  # noqa: E402
from polc import spark as polc_spark  # noqa: E402

RECORDS = int(os.environ.get("POLC_SPARK_RECORDS", "20000"))


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # the executors' Python workers run this interpreter (the venv with polc and pyarrow)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    session = (
        SparkSession.builder.master("local[2,3]")  # two cores; a failed task is tried again (3 tries)
        .appName("polc-py tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        # several partitions even for a small file (its row groups are 5,000 records)
        .config("spark.sql.files.maxPartitionBytes", str(256 * 1024))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    directory = tmp_path_factory.mktemp("portfolio")
    jsonl, parquet, _ = workload.write(directory, RECORDS)
    lines = polc_run(POLICY, jsonl)
    assert len(lines) == RECORDS
    return parquet, [parse(line) for line in lines]


def compare(table, want):
    got = table.to_pydict()
    assert table.num_rows == len(want)
    assert got["id"] == [w["id"] for w in want]  # every row, in order
    assert got["decision"] == [w["decision"] for w in want]
    decided = [i for i, w in enumerate(want) if w["decision"] != "error"]
    assert [got["reasons"][i] for i in decided] == [want[i]["reasons"] for i in decided]
    assert [got["level"][i] for i in decided] == [want[i].get("level") for i in decided]
    assert [got["refer_to"][i] for i in decided] == [want[i].get("refer_to") for i in decided]
    errors = [i for i, w in enumerate(want) if w["decision"] == "error"]
    assert errors and [got["error.path"][i] for i in errors] == [want[i]["error"]["path"] for i in errors]
    assert set(got["as_of"]) == {AS_OF}


def test_every_decision_of_spark_is_polc_runs(spark, portfolio):
    parquet, want = portfolio
    df = spark.read.parquet(str(parquet))
    decisions = polc_spark.decide(df, str(POLICY), as_of=AS_OF)
    assert decisions.schema == polc_spark.decision_schema(str(POLICY))
    compare(decisions.toArrow(), want)


def test_a_failing_partition_is_tried_again_and_nothing_is_lost(spark, portfolio):
    import pyarrow as pa
    from pyspark import TaskContext

    parquet, want = portfolio
    df = spark.read.parquet(str(parquet))
    assert df.rdd.getNumPartitions() > 1

    def fail_once(batches):
        context = TaskContext.get()
        for batch in batches:
            if context.partitionId() == 0 and context.attemptNumber() == 0:
                raise RuntimeError("an executor lost while deciding")
            yield batch

    flaky = df.mapInArrow(fail_once, df.schema)
    decisions = polc_spark.decide(flaky, str(POLICY), as_of=AS_OF)
    table = decisions.toArrow()
    compare(table, want)
    assert pa.compute.count_distinct(table.column("id")).as_py() == len(want)


def test_a_policy_error_is_raised_on_the_driver(spark, tmp_path):
    import polc

    bad = tmp_path / "bad.pol"
    bad.write_text('policy p version "1"\nrecord A { id: String }\ninput a: A\nrule A01 decline when a.x\n')
    df = spark.createDataFrame([("A1",)], ["id"])
    with pytest.raises(polc.PolicyError):
        polc_spark.decide(df, str(bad))
