#!/usr/bin/env bash
# Regenerates the real PMML scorecards, the 1,000 records and JPMML-Evaluator's
# scores (scripts/pmml/make_pmml.py) in a temporary directory, checks that they
# equal the committed tests/pmml/real/ (the PMML up to its <Timestamp>), and runs
# tests/pmml_reference.rs on the fresh files: polc's import must score every
# record as the reference evaluator does.
#
# Needs Java 17 (apt-get install openjdk-17-jre-headless) and Python 3.11 with
# scripts/pmml/requirements.txt; the venv is made in .venv when missing:
#   scripts/pmml/check-reference.sh            # compare with the committed files
#   scripts/pmml/check-reference.sh --update   # regenerate tests/pmml/real/ instead
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v java >/dev/null || { echo "check-reference: java is missing (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet -r scripts/pmml/requirements.txt
fi
committed=tests/pmml/real
if [ "${1:-}" = "--update" ]; then
    .venv/bin/python scripts/pmml/make_pmml.py "$committed" >/dev/null
    echo "check-reference: regenerated $committed"
    exit 0
fi
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
.venv/bin/python scripts/pmml/make_pmml.py "$fresh" >"$fresh/make.log" 2>&1 || { cat "$fresh/make.log" >&2; exit 1; }
rm "$fresh/make.log"
status=0
for file in "$committed"/*; do
    name=$(basename "$file")
    if [ ! -e "$fresh/$name" ]; then
        echo "check-reference: $name is committed but no longer generated" >&2; status=1; continue
    fi
    if ! diff -q <(grep -v '<Timestamp>' "$file") <(grep -v '<Timestamp>' "$fresh/$name") >/dev/null; then
        echo "check-reference: $name differs from a fresh run:" >&2
        diff <(grep -v '<Timestamp>' "$file") <(grep -v '<Timestamp>' "$fresh/$name") | head -20 >&2
        status=1
    fi
done
# polc against the reference on the fresh files
POLC_PMML_REAL="$fresh" cargo test --quiet -p polc --test pmml_reference || status=1
[ "$status" = 0 ] && echo "check-reference: polc scores every record as JPMML-Evaluator does; the committed files are current"
exit "$status"
