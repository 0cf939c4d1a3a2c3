"""The Python blocks of docs/python.md and docs/spark.md run, in order, each
page in one namespace, from the workspace root (as a reader would run them)."""

from __future__ import annotations

import os
import re
import sys

import pytest

from conftest import ROOT

FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(page: str):
    return FENCE.findall((ROOT / "docs" / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", ["python.md", "spark.md"])
def test_the_examples_of_the_page_run(page, monkeypatch):
    if page == "spark.md":
        pytest.importorskip("pyspark")
        # the executors' Python workers run this interpreter (the venv with polc and pyarrow)
        monkeypatch.setenv("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", sys.executable))
    found = blocks(page)
    assert len(found) >= 2
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": f"docs_{page}"}
    for i, code in enumerate(found):
        try:
            exec(compile(code, f"{page} block {i + 1}", "exec"), namespace)
        except Exception as error:  # name the block that failed
            raise AssertionError(f"{page} block {i + 1} failed: {error!r}") from error
    assert os.getcwd() == str(ROOT)
