"""polc.check: diagnostics as objects, as `polc check --format json` reports them."""

from __future__ import annotations

import json
import subprocess

import polc
from conftest import POLICY, ROOT, polc_bin


def test_a_clean_policy_has_no_diagnostics():
    assert polc.check(POLICY) == []
    assert polc.Policy.check(POLICY) == []


def test_every_diagnostic_is_what_polc_check_reports(tmp_path):
    bad = tmp_path / "bad.pol"
    bad.write_text(
        'policy p version "1"\nrecord A { id: String, age: Int }\ninput a: A\n'
        "rule A01 decline when a.agee < 18\nrule A02 decline when a.age > \"x\"\n",
        encoding="utf-8",
    )
    got = polc.check(bad)
    done = subprocess.run([polc_bin(), "check", str(bad), "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    want = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(got) == len(want) >= 2
    for d, w in zip(got, want):
        assert (d.code, d.severity, d.message, d.line, d.column) == (
            w["code"],
            w["severity"],
            w["message"],
            w["line"],
            w["column"],
        )
        assert d.file == str(bad)
        assert d.is_error
        assert d.rendered.startswith(d.code) and str(d) == d.rendered


def test_a_missing_list_file_is_reported_unless_lists_are_skipped(tmp_path):
    pol = tmp_path / "p.pol"
    pol.write_text(
        'policy p version "1"\nrecord A { id: String }\ninput a: A\nlist ids: String from "ids.txt"\n'
        'rule F01 "listed" decline when a.id in ids\n',
        encoding="utf-8",
    )
    assert [d.code for d in polc.check(pol)] == ["L0401"]
    assert polc.check(pol, skip_lists=True) == []


def test_an_unreadable_file_is_one_diagnostic(tmp_path):
    (d,) = polc.check(tmp_path / "nope.pol")
    assert (d.code, d.severity, d.line) == ("N0107", "error", None)


def test_explain_is_polc_explain():
    text = polc.explain("N0105")
    assert text is not None and text.startswith("N0105")
    assert polc.explain("X9999") is None
