"""decide_arrow: pyarrow Tables and RecordBatches, Polars DataFrames, pandas,
bad cells and bad columns; rows in = rows out, in order, as `polc run` decides."""

from __future__ import annotations

import decimal
import json

import pyarrow as pa
import pytest

import polc
from conftest import AS_OF, POLICY, parse, polc_run


def table_of(records):
    return pa.Table.from_pylist([json.loads(json.dumps(r, default=str)) for r in records])


def expected(lines):
    return [parse(line) for line in lines]


def check_against(table, want):
    assert table.num_rows == len(want)
    got = table.to_pylist()
    for row, line in zip(got, want):
        assert row["id"] == line.get("id")
        assert row["decision"] == line["decision"]
        if line["decision"] != "error":
            assert row["reasons"] == line["reasons"]
            assert row["level"] == line.get("level")
            assert row["refer_to"] == line.get("refer_to")
        else:
            assert row["error.path"] == line["error"].get("path")
        assert row["as_of"] == line["as_of"] and row["policy_hash"] == line["policy_hash"]


def test_a_pyarrow_table_decides_as_polc_run(policy, applicants, expected_lines):
    table = table_of(applicants)
    # nested records are struct columns here (`loan`), read as `loan.amount`, …
    assert pa.types.is_struct(table.schema.field("loan").type)
    decisions = policy.decide_arrow(table, as_of=AS_OF)
    assert isinstance(decisions, pa.Table)
    assert decisions.schema == policy.decision_schema()
    check_against(decisions, expected(expected_lines))


def test_dotted_columns_batches_and_chunks_keep_order(policy, applicants, expected_lines):
    flat = table_of(applicants).flatten()
    assert "loan.amount" in flat.column_names
    chunked = pa.Table.from_batches(flat.to_batches(max_chunksize=97))
    decisions = policy.decide_arrow(chunked, as_of=AS_OF, threads=2)
    check_against(decisions, expected(expected_lines))
    batch = flat.to_batches()[0]
    check_against(policy.decide_arrow(batch, as_of=AS_OF), expected(expected_lines)[: batch.num_rows])


def test_a_polars_frame_decides_as_the_table(policy, applicants, expected_lines):
    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(table_of(applicants))
    check_against(policy.decide_arrow(frame, as_of=AS_OF), expected(expected_lines))


def test_a_pandas_frame_with_arrow_dtypes_decides_as_the_table(policy, applicants, expected_lines):
    pd = pytest.importorskip("pandas")
    frame = table_of(applicants).flatten().to_pandas(types_mapper=pd.ArrowDtype)
    check_against(policy.decide_arrow(frame, as_of=AS_OF), expected(expected_lines))


def test_bad_cells_are_error_rows_and_no_row_is_lost(policy, applicants, expected_lines):
    records = [json.loads(json.dumps(r, default=str)) for r in applicants[:100]]
    records[5]["credit_score"] = None
    records[17]["birth_date"] = "17/05/1990"
    records[42]["loan"]["amount"] = "a lot"
    decisions = policy.decide_arrow(pa.Table.from_pylist(records), as_of=AS_OF).to_pylist()
    assert len(decisions) == 100
    assert [d["id"] for d in decisions] == [r["id"] for r in records]
    bad = {i: decisions[i] for i in (5, 17, 42)}
    assert all(d["decision"] == "error" for d in bad.values())
    assert (bad[5]["error.path"], bad[17]["error.path"], bad[42]["error.path"]) == (
        "credit_score",
        "birth_date",
        "loan.amount",
    )
    for i, (d, line) in enumerate(zip(decisions, expected(expected_lines))):
        if i not in bad:
            assert d["decision"] == line["decision"]


def test_columns_that_cannot_be_the_record_raise_input_error(policy, applicants):
    table = table_of(applicants[:10]).drop_columns(["credit_score"])
    with pytest.raises(polc.InputError, match="credit_score"):
        policy.decide_arrow(table, as_of=AS_OF)
    wrong = table_of(applicants[:10]).set_column(
        table_of(applicants[:10]).schema.get_field_index("birth_date"), "birth_date", pa.array([True] * 10)
    )
    with pytest.raises(polc.InputError, match="birth_date"):
        policy.decide_arrow(wrong, as_of=AS_OF)
    with pytest.raises(TypeError, match="not Arrow data"):
        policy.decide_arrow([{"id": "x"}], as_of=AS_OF)


def test_money_as_arrow_decimals_decides_as_text(policy, applicants):
    table = table_of(applicants[:50]).flatten()
    as_text = policy.decide_arrow(table, as_of=AS_OF).column("decision").to_pylist()
    i = table.schema.get_field_index("monthly_income")
    money = pa.array([decimal.Decimal(v) for v in table.column(i).to_pylist()], type=pa.decimal128(18, 2))
    as_decimal = policy.decide_arrow(table.set_column(i, "monthly_income", money), as_of=AS_OF)
    assert as_decimal.column("decision").to_pylist() == as_text


def test_an_empty_table_has_the_decision_schema(policy, applicants):
    empty = table_of(applicants[:1]).slice(0, 0)
    decisions = policy.decide_arrow(empty, as_of=AS_OF)
    assert decisions.num_rows == 0 and decisions.schema == policy.decision_schema()


STAMP = ("as_of", "policy", "version", "policy_hash")


def test_the_stamp_columns_are_one_dictionary_value_that_pyarrow_polars_and_pandas_read(policy, applicants):
    table = pa.Table.from_batches(table_of(applicants).flatten().to_batches(max_chunksize=300))
    decisions = policy.decide_arrow(table, as_of=AS_OF, threads=2)
    lists = [f"lists.{name}" for name in sorted(policy.list_versions)]
    assert lists, "the shipped policy binds lists"
    want = {"as_of": AS_OF, "policy": policy.name, "version": policy.version, "policy_hash": policy.policy_hash}
    want.update({f"lists.{name}": v for name, v in policy.list_versions.items()})
    for name in (*STAMP, *lists):
        column = decisions.column(name)
        assert pa.types.is_dictionary(column.type) and column.type.value_type == pa.string(), name
        for chunk in column.chunks:
            assert len(chunk.dictionary) == 1 and chunk.dictionary[0].as_py() == want[name]
        assert set(column.to_pylist()) == {want[name]} and column.null_count == 0
        # the other columns are plain: one text a row
    assert decisions.column("decision").type == pa.string()
    assert decisions.column("as_of").chunk(0).indices.type == pa.int32()

    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(decisions)
    assert frame.height == len(applicants)
    for name in (*STAMP, *lists):
        assert frame[name].dtype in (pl.Categorical, pl.Enum) or frame[name].dtype == pl.Utf8, frame[name].dtype
        assert frame[name].cast(pl.Utf8).unique().to_list() == [want[name]]
    assert frame["decision"].to_list() == decisions.column("decision").to_pylist()

    pd = pytest.importorskip("pandas")
    data = decisions.to_pandas()
    assert isinstance(data["policy_hash"].dtype, pd.CategoricalDtype)
    assert list(data["as_of"].astype(str).unique()) == [AS_OF]
    # as plain text, for a consumer that wants no dictionaries
    plain = decisions.cast(pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type,
                                               f.nullable) for f in decisions.schema]))
    assert plain.column("as_of").type == pa.string() and plain.column("as_of").to_pylist() == [AS_OF] * len(applicants)


# a batch of more than 8,192 rows is decided in pieces of about equal size, each
# its own chunk of the decisions (nothing is joined after); a smaller one is one chunk
PIECE_ROWS = 8192


def portfolio(tmp_path, n):
    """`n` generated records as a one-chunk pyarrow Table, and `polc run`'s lines for them."""
    import workload

    jsonl, _, rows = workload.write(tmp_path, n)
    table = pa.Table.from_pylist([json.loads(json.dumps(r, default=str)) for r in rows])
    return table, polc_run(POLICY, jsonl)


def check_rows(decisions, want):
    """Every row as `polc run` decided it, in order (`line` is the row in its batch)."""
    assert decisions.num_rows == len(want)
    columns = ("id", "decision", "reasons", "error.path")
    got = zip(*(decisions.column(c).to_pylist() for c in columns))
    for (id_, decision, reasons, path), line in zip(got, want):
        assert (id_, decision) == (line.get("id"), line["decision"])
        if decision == "error":
            assert path == line["error"].get("path")
        else:
            assert reasons == line["reasons"]


def test_a_large_chunk_is_decided_in_pieces_of_about_equal_size_in_order(policy, tmp_path):
    table, lines = portfolio(tmp_path, 20_000)
    assert table.column("id").num_chunks == 1
    decisions = policy.decide_arrow(table, as_of=AS_OF, threads=2)
    assert [len(c) for c in decisions.column("id").chunks] == [6667, 6667, 6666]
    assert decisions.column("id").to_pylist() == table.column("id").to_pylist()
    check_rows(decisions, expected(lines))
    # an error row's `line` is its row in the input batch, across the pieces
    errors = [i for i, d in enumerate(decisions.column("decision").to_pylist()) if d == "error"]
    assert errors and all(i % 1009 == 1008 for i in errors)
    assert [decisions.column("line")[i].as_py() for i in errors] == [i + 1 for i in errors]
    # every chunk of the result is whole: the stamp in each, one schema
    for batch in decisions.to_batches():
        assert batch.schema == policy.decision_schema()
        assert batch.column(batch.schema.get_field_index("as_of")).dictionary.to_pylist() == [AS_OF]


def test_batches_of_mixed_sizes_keep_their_order_and_numbering(policy, tmp_path):
    table, lines = portfolio(tmp_path, 30_003)
    batches = table.to_batches()
    assert len(batches) == 1
    cuts = [(0, 10_000), (10_000, 3), (10_003, 0), (10_003, 20_000)]
    chunked = pa.Table.from_batches([batches[0].slice(start, length) for start, length in cuts])
    decisions = policy.decide_arrow(chunked, as_of=AS_OF)
    # 10,000 rows: two pieces; 3: one; none: no piece; 20,000: three
    assert [len(c) for c in decisions.column("id").chunks] == [5000, 5000, 3, 6667, 6667, 6666]
    check_rows(decisions, expected(lines))
    numbers = decisions.column("line").to_pylist()
    starts = [0, 10_000, 10_003]
    for i in (i for i, n in enumerate(numbers) if n is not None):
        assert numbers[i] == i - max(s for s in starts if s <= i) + 1


def test_a_table_of_many_small_batches_is_one_chunk_a_batch_in_order(policy, applicants, expected_lines):
    table = table_of(applicants).flatten()
    small = pa.Table.from_batches(table.to_batches(max_chunksize=3))
    assert small.column("id").num_chunks == -(-len(applicants) // 3)
    decisions = policy.decide_arrow(small, as_of=AS_OF, threads=2)
    assert [len(c) for c in decisions.column("id").chunks] == [len(c) for c in small.column("id").chunks]
    check_against(decisions, expected(expected_lines))


def test_tables_without_rows_have_the_decision_schema(policy, applicants):
    schema = table_of(applicants[:1]).schema
    for empty in (
        pa.Table.from_batches([], schema=schema),  # no chunk at all
        pa.Table.from_batches([pa.RecordBatch.from_pylist([], schema=schema)] * 3),  # empty chunks
        pa.RecordBatch.from_pylist([], schema=schema),
    ):
        decisions = policy.decide_arrow(empty, as_of=AS_OF)
        assert decisions.num_rows == 0 and decisions.schema == policy.decision_schema()
        assert decisions.to_pylist() == []
    pl = pytest.importorskip("polars")
    assert pl.from_arrow(policy.decide_arrow(pa.Table.from_batches([], schema=schema), as_of=AS_OF)).height == 0
