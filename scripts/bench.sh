#!/usr/bin/env bash
# Every figure in docs/performance.md, on this machine. Needs no ../shared:
# the workload comes from examples/gen_workload.rs.
#   scripts/bench.sh            (about three minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${POLC_BENCH_DIR:-/tmp/polc-bench}"
mkdir -p "$work"
cargo build --release --quiet -p polc --example gen_workload
gen=./target/release/examples/gen_workload
[ -f "$work/1m/applicants.jsonl" ] || "$gen" "$work/1m" --n 1000000
[ -f "$work/100k.jsonl" ] || head -n 100000 "$work/1m/applicants.jsonl" > "$work/100k.jsonl"
[ -f "$work/biglist/lists/fraud_ids.txt" ] || "$gen" "$work/biglist" --n 10 --list-size 10000000
lists=(--list "fraud_ids=$work/1m/lists/fraud_ids.txt" --list "grey_phones=$work/1m/lists/grey_phones.txt"
       --list "bad_devices=$work/1m/lists/bad_devices.txt")
polc=./target/release/polc
cargo build --release --quiet

echo "== engine (one thread): cargo bench --bench engine"
cargo bench --quiet -p polc --bench engine 2>/dev/null
echo
echo "== compile time by policy size: cargo bench --bench compile"
POLC_BENCH_WRITE="$work" cargo bench --quiet -p polc --bench compile 2>/dev/null
echo
echo "== polc check of the 10,000-rule policy, whole process (5 runs)"
for _ in 1 2 3 4 5; do
  /usr/bin/time -f "%e s, %M KiB max RSS" "$polc" check "$work/rules_10000.pol" 2>&1 >/dev/null | tail -n 1
done
echo
echo "== polc run, 1,000,000 records, end to end (best of 3)"
for threads in 1 2; do
  best=""
  for _ in 1 2 3; do
    # a new output file each time: replacing the last run's 475 MB would time the file system freeing it
    rm -f "$work/out.jsonl"
    t=$( { /usr/bin/time -f "%e" "$polc" run policies/consumer_loan.pol --input "$work/1m/applicants.jsonl" \
           --as-of 2026-11-22 "${lists[@]}" --threads "$threads" -q -o "$work/out.jsonl"; } 2>&1 )
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  awk -v t="$best" -v th="$threads" 'BEGIN{printf "--threads %d: %.2f s, %.0f records/s\n", th, t, 1000000/t}'
done
echo
echo "== peak memory of polc run: 100,000 records vs 10,000,000 (the 1M file streamed 10 times)"
/usr/bin/time -f "100k records: %M KiB max RSS" "$polc" run policies/consumer_loan.pol --input "$work/100k.jsonl" \
  --as-of 2026-11-22 "${lists[@]}" -q -o /dev/null
for _ in $(seq 10); do cat "$work/1m/applicants.jsonl"; done | /usr/bin/time -f "10M records: %M KiB max RSS, %e s" \
  "$polc" run policies/consumer_loan.pol --input - --as-of 2026-11-22 "${lists[@]}" -q -o /dev/null
echo
echo "== loading a 10,000,000-entry IdCard list (whole process, one record)"
head -n 1 "$work/1m/applicants.jsonl" > "$work/one.jsonl"
/usr/bin/time -f "%e s, %M KiB max RSS" "$polc" run policies/consumer_loan.pol --input "$work/one.jsonl" \
  --list "fraud_ids=$work/biglist/lists/fraud_ids.txt" -q -o /dev/null
