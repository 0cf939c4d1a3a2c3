#!/usr/bin/env bash
# Peak RSS of `polc run` on Parquet inputs of two sizes (docs/performance.md, "Tabular input").
# Parquet is read in batches within row groups, so memory should not grow with the rows.
#   scripts/tabular-rss.sh SMALL_ROWS LARGE_ROWS     (default 100000 and 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
small="${1:-100000}"; large="${2:-1000000}"
work="${POLC_BENCH_DIR:-/tmp/polc-tab}"
cargo build --release --quiet -p polc --example gen_workload
cargo build --release --quiet -p polc-cli
for n in "$small" "$large"; do
  dir="$work/rss-$n"
  [ -f "$dir/applicants.jsonl" ] || ./target/release/examples/gen_workload "$dir" --n "$n" >/dev/null
  # the benchmark's setup writes applicants.parquet (typed columns) beside the JSONL
  # (without the bench profile's debug info, the release build's dependencies are reused)
  [ -f "$dir/applicants.parquet" ] || POLC_BENCH_DIR="$dir" POLC_BENCH_CONVERT_ONLY=1 CARGO_PROFILE_BENCH_DEBUG=false \
      cargo bench --quiet -p polc-cli --bench tabular >/dev/null
  lists=()
  for l in fraud_ids grey_phones bad_devices; do lists+=(--list "$l=$dir/lists/$l.txt"); done
  rss=$( { /usr/bin/time -v ./target/release/polc run policies/consumer_loan.pol -i "$dir/applicants.parquet" \
           --as-of 2026-11-22 -q -o /dev/null "${lists[@]}"; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
  groups=$(( (n + 65535) / 65536 ))
  echo "$n rows of Parquet ($groups row groups of at most 65,536): peak RSS $rss KiB"
done
