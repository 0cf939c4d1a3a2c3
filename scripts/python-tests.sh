#!/usr/bin/env bash
# The Python package (crates/polc-py): a virtualenv with maturin, pytest,
# pyarrow, Polars, pandas and PySpark; the extension built into it
# (`maturin develop`); pytest on crates/polc-py/tests, whose decisions are
# checked against the `polc` binary (built here when missing).
#
#   scripts/python-tests.sh                 # the suite, Spark over 20,000 records
#   POLC_SPARK_RECORDS=100000 scripts/python-tests.sh
#   PYTHON_TESTS_RELEASE=1 scripts/python-tests.sh   # the optimised build (for the benchmark)
#
# Needs python3 (3.9 or later, with venv) and Java 17 for Spark (installed with
# apt-get when missing and we are root). The venv is target/py-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=target/py-venv
start=$(date +%s)

if ! command -v java >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "python-tests: installing Java 17 for Spark"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    else
        echo "python-tests: Spark needs Java 17 (openjdk-17-jre-headless)" >&2
        exit 1
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# pandas < 3: what PySpark supports (mapInArrow checks for it)
"$venv/bin/pip" install -q --disable-pip-version-check \
    "maturin>=1.7,<2" pytest pyarrow polars "pandas>=2.2,<3" pyspark

profile=()
cargo_profile=debug
if [ "${PYTHON_TESTS_RELEASE:-}" = 1 ]; then
    profile=(--release)
    cargo_profile=release
fi
# the extension, built and installed into the venv (an editable install of python/)
(cd crates/polc-py && VIRTUAL_ENV="$root/$venv" PATH="$root/$venv/bin:$PATH" \
    "$root/$venv/bin/maturin" develop --quiet "${profile[@]}")
# the binary the decisions are checked against; built with the whole workspace selected, so
# that the features unify as in `cargo test --workspace` and its build is reused (`-p polc-cli`
# alone would compile polc-core and the crates above it once more)
if [ -z "${POLC_BIN:-}" ]; then
    cargo build --quiet --workspace --bins "${profile[@]}"
    export POLC_BIN="$root/target/$cargo_profile/polc"
fi

# Spark's Python workers run the venv's interpreter too
export PYSPARK_PYTHON="$root/$venv/bin/python"
"$venv/bin/python" -m pytest -q -p no:cacheprovider crates/polc-py/tests "$@"
echo "python-tests: $(( $(date +%s) - start )) s"
