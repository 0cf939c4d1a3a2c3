"""polc.Policy: compiling, deciding dicts (the same decisions as `polc run`),
bad records, lists, dates, threads."""

from __future__ import annotations

import datetime
import decimal
import json
import threading

import pytest

import polc
from conftest import APPLICANTS, AS_OF, POLICY, parse, polc_run


def test_the_policy_is_named_as_polc_run_names_it(policy, expected_lines):
    first = parse(expected_lines[0])
    assert (policy.name, policy.version, policy.policy_hash) == (first["policy"], first["version"], first["policy_hash"])
    assert policy.list_versions == first["lists"]
    assert policy.message("F01") == "身份证号命中欺诈名单"
    assert policy.message("NOPE") is None
    assert repr(policy) == "<polc.Policy consumer_loan version '2026.11'>"


def test_every_record_decides_as_polc_run_decides_its_line(policy, applicants, expected_lines):
    assert len(applicants) == len(expected_lines) == 1000
    for record, line in zip(applicants, expected_lines):
        got = policy.decide(record, as_of=AS_OF)
        # the line of `polc run`, as Python objects, except `line` (a JSONL input's line number)
        want = parse(line)
        want.pop("line", None)
        assert got == want
    # the examples hold every decision
    kinds = {policy.decide(r, as_of=AS_OF)["decision"] for r in applicants}
    assert kinds == {"approve", "refer", "decline"}


def test_decide_json_is_the_line_of_polc_run(policy, expected_lines):
    with open(APPLICANTS, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    for text, line in zip(texts[:50], expected_lines):
        assert policy.decide_json(text, as_of=AS_OF) == line


def test_money_as_decimal_keeps_every_digit(policy, applicants):
    record = dict(applicants[0])
    as_text = policy.decide(record, as_of=AS_OF)
    record["monthly_income"] = decimal.Decimal(record["monthly_income"])
    record["loan"] = dict(record["loan"], amount=decimal.Decimal(record["loan"]["amount"]))
    assert polc.record_json(record).count('"monthly_income":' + str(record["monthly_income"])) == 1
    assert policy.decide(record, as_of=AS_OF) == as_text


def test_decide_many_keeps_order_and_count_with_bad_records(policy, applicants, expected_lines):
    records = list(applicants[:200])
    records.insert(10, {"id": "BAD1"})
    records.insert(50, [1, 2, 3])
    records.insert(100, None)
    decisions = policy.decide_many(records, as_of=AS_OF, threads=2)
    assert len(decisions) == len(records) == 203
    assert [d["decision"] for d in (decisions[10], decisions[50], decisions[100])] == ["error"] * 3
    assert decisions[10]["id"] == "BAD1"
    good = [d for i, d in enumerate(decisions) if i not in (10, 50, 100)]
    for got, line in zip(good, expected_lines):
        want = parse(line)
        want.pop("line", None)
        got.pop("line", None)
        assert got == want


@pytest.mark.parametrize(
    "change, path",
    [
        (lambda r: r.pop("id_number"), "id_number"),
        (lambda r: r.update(credit_score="high"), "credit_score"),
        (lambda r: r.update(birth_date="22/11/1990"), "birth_date"),
        (lambda r: r["loan"].update(amount="a lot"), "loan.amount"),
        (lambda r: r.update(loan=[]), "loan"),
    ],
)
def test_a_record_of_the_wrong_shape_is_an_error_decision_naming_the_field(policy, applicants, change, path):
    record = json.loads(json.dumps(applicants[3], default=str))
    change(record)
    decision = policy.decide(record, as_of=AS_OF)
    assert decision["decision"] == "error"
    assert decision["error"]["path"] == path
    assert decision["id"] == record["id"]
    # exactly what `polc run` writes for the line
    assert decision == {k: v for k, v in parse(policy.decide_json(json.dumps(record), as_of=AS_OF)).items()}


@pytest.mark.parametrize("record", [None, 42, "A0000001", [], {}])
def test_not_a_record_at_all_is_an_error_decision(policy, record):
    decision = policy.decide(record, as_of=AS_OF)
    assert decision["decision"] == "error"
    assert decision["error"]["message"]


def test_a_value_with_no_json_form_is_a_type_error_naming_it(policy, applicants):
    with pytest.raises(TypeError, match=r"`loan.amount` is a set"):
        policy.decide(dict(applicants[0], loan={"amount": {1}}))
    with pytest.raises(TypeError, match="`monthly_income` is NaN"):
        policy.decide(dict(applicants[0], monthly_income=decimal.Decimal("NaN")))


def test_as_of_is_a_date_or_its_text(policy, applicants):
    by_text = policy.decide(applicants[0], as_of="2026-11-22")
    assert policy.decide(applicants[0], as_of=datetime.date(2026, 11, 22)) == by_text
    assert by_text["as_of"] == "2026-11-22"
    today = policy.decide(applicants[0])["as_of"]
    assert today == (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date().isoformat()
    with pytest.raises(ValueError, match="is not a date"):
        policy.decide(applicants[0], as_of="22/11/2026")


def test_a_list_bound_from_another_file_decides_with_it(tmp_path, applicants):
    record = applicants[0]
    ids = tmp_path / "ids.txt"
    ids.write_text(record["id_number"] + "\n", encoding="utf-8")
    bound = polc.Policy.from_file(POLICY, lists={"fraud_ids": ids})
    decision = bound.decide(record, as_of=AS_OF)
    assert decision["decision"] == "decline" and "F01" in decision["reasons"]
    assert bound.list_versions["fraud_ids"] != polc.Policy.from_file(POLICY).list_versions["fraud_ids"]
    # the same as `polc run --list`
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(record, default=str) + "\n", encoding="utf-8")
    want = parse(polc_run(POLICY, one, "--list", f"fraud_ids={ids}")[0])
    want.pop("line", None)
    assert decision == want


def test_a_policy_that_does_not_compile_raises_policy_error_with_its_diagnostics(tmp_path):
    bad = tmp_path / "bad.pol"
    bad.write_text(
        'policy p version "1"\nrecord A { id: String, age: Int }\ninput a: A\nrule A01 decline when a.agee < 18\n',
        encoding="utf-8",
    )
    with pytest.raises(polc.PolicyError) as raised:
        polc.Policy.from_file(bad)
    error = raised.value
    assert [d.code for d in error.errors] == ["N0105"]
    first = error.diagnostics[0]
    assert (first.severity, first.message) == ("error", "unknown field `agee` on `A`")
    assert (first.file, first.line, first.column) == (str(bad), 4, 25)
    assert first.help == "did you mean `age`?"
    assert str(error) == first.rendered.rstrip()
    assert "N0105" in first.rendered and "not a field of `A`" in first.rendered


def test_a_missing_or_unknown_list_raises_policy_error(tmp_path):
    with pytest.raises(polc.PolicyError) as raised:
        polc.Policy.from_file(POLICY, lists={"fraud_ids": tmp_path / "missing.txt"})
    assert [d.code for d in raised.value.errors] == ["L0401"]
    assert "missing.txt" in str(raised.value)
    with pytest.raises(polc.PolicyError) as raised:
        polc.Policy.from_file(POLICY, lists={"fraud_idz": tmp_path / "x.txt"})
    assert raised.value.errors[0].code == "L0404"
    assert "the policy's lists are: fraud_ids" in str(raised.value)


def test_a_missing_policy_file_raises_policy_error(tmp_path):
    with pytest.raises(polc.PolicyError) as raised:
        polc.Policy.from_file(tmp_path / "nope.pol")
    assert raised.value.errors


def test_threads_share_one_policy(policy, applicants, expected_lines):
    results = {}

    def work(n):
        results[n] = [policy.decide(r, as_of=AS_OF)["decision"] for r in applicants[:300]]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    want = [parse(line)["decision"] for line in expected_lines[:300]]
    assert all(results[n] == want for n in range(4))
