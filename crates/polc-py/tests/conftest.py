"""Shared fixtures: the workspace's policies and examples, and the `polc` binary
whose `polc run` lines every decision is checked against."""

from __future__ import annotations

import decimal
import json
import os
import pathlib
import shutil
import subprocess
from typing import List

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
POLICY = ROOT / "policies" / "consumer_loan.pol"
APPLICANTS = ROOT / "examples" / "applicants.jsonl"
AS_OF = "2026-11-22"


def polc_bin() -> str:
    """The `polc` binary: $POLC_BIN, else the workspace's release or debug build."""
    explicit = os.environ.get("POLC_BIN")
    if explicit:
        return explicit
    for profile in ("release", "debug"):
        candidate = ROOT / "target" / profile / "polc"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("polc")
    if found:
        return found
    pytest.fail("no polc binary: build it (cargo build -p polc-cli) or set POLC_BIN")


def polc_run(policy: pathlib.Path, input_path: pathlib.Path, *args: str) -> List[str]:
    """The decision lines `polc run` writes for a JSONL file."""
    done = subprocess.run(
        [polc_bin(), "run", str(policy), "--input", str(input_path), "--as-of", AS_OF, "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout.splitlines()


def parse(line: str) -> dict:
    return json.loads(line, parse_float=decimal.Decimal)


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def policy():
    import polc

    return polc.Policy.from_file(POLICY)


@pytest.fixture(scope="session")
def applicants() -> List[dict]:
    with open(APPLICANTS, encoding="utf-8") as f:
        return [json.loads(line, parse_float=decimal.Decimal) for line in f if line.strip()]


@pytest.fixture(scope="session")
def expected_lines() -> List[str]:
    return polc_run(POLICY, APPLICANTS)
