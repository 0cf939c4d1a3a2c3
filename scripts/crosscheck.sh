#!/usr/bin/env bash
# Cross-check policies/consumer_loan.pol against the reference workload in
# ../shared/bench (not part of a user's clone): generate N applicants with the
# reference generator, decide them with polc, compare record by record.
#   scripts/crosscheck.sh [N]        (default 100000; POLC_BENCH_DIR=DIR to name the workload's folder)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
# the reference workload: $POLC_BENCH_DIR, or ../shared/bench beside the clone (or beside its worktree)
bench="${POLC_BENCH_DIR:-}"
for candidate in ../shared/bench ../../shared/bench; do
  [ -n "$bench" ] || { [ -f "$candidate/gen_workload.py" ] && bench="$candidate"; }
done
[ -n "$bench" ] && [ -f "$bench/gen_workload.py" ] || { echo "no gen_workload.py in \$POLC_BENCH_DIR or ../shared/bench: nothing to cross-check" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 "$bench/gen_workload.py" "$out" --n "$n" >/dev/null
cargo build --release --quiet
./target/release/polc run policies/consumer_loan.pol --input "$out/applicants.jsonl" --as-of 2026-11-22 \
  --list "fraud_ids=$out/lists/fraud_ids.txt" --list "grey_phones=$out/lists/grey_phones.txt" \
  --list "bad_devices=$out/lists/bad_devices.txt" --output "$out/decisions.jsonl"
python3 "$bench/check_decisions.py" "$out/expected.jsonl" "$out/decisions.jsonl"
