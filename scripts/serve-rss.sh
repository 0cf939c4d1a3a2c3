#!/usr/bin/env bash
# polc serve's memory after load (issue #19: "back to idle size after"): starts the release
# `polc serve` on policies/consumer_loan.pol with the workload's lists, reads its VmRSS idle,
# at its peak while wrk keeps CONNECTIONS connections busy on /v1/decide and a 1M-line batch
# streams to /v1/decide/batch, and again WAIT seconds after both ended. Fails (rc 1) when
# "after" is over idle + POLC_RSS_MARGIN_MIB (default 8 MiB: "idle size").
#   scripts/serve-rss.sh [SECONDS] [CONNECTIONS] [WAIT]     (defaults 10 64 15; POLC_RSS_ROUNDS=1)
# Not part of `cargo test`: it needs the release binary, wrk and a 1M-record workload
# (POLC_BENCH_DIR, made here with the gen_workload example when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
wait_s="${3:-15}"
margin="${POLC_RSS_MARGIN_MIB:-8}"
rounds="${POLC_RSS_ROUNDS:-1}"
work="${POLC_BENCH_DIR:-/tmp/polc-bench}"
polc="${POLC_BIN:-target/release/polc}"
port="${POLC_RSS_PORT:-18719}"
command -v wrk >/dev/null || { echo "wrk is missing: scripts/load.sh installs it" >&2; exit 2; }
[ -x "$polc" ] || cargo build --release --quiet -p polc-cli
[ -f "$work/1m/applicants.jsonl" ] || cargo run --release --quiet -p polc --example gen_workload -- "$work/1m" --n 1000000
lists=()
for list in fraud_ids grey_phones bad_devices; do lists+=(--list "$list=$work/1m/lists/$list.txt"); done
tmp="$(mktemp -d)"
"$polc" serve policies/consumer_loan.pol "${lists[@]}" --listen "127.0.0.1:$port" --log-level warn &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$pid/status"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$pid/status"; }
head -n1 "$work/1m/applicants.jsonl" >"$tmp/record.json"
cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$tmp/record.json", "rb"))
wrk.body = f:read("*a")
f:close()
EOF
# one decision and one small batch first: what a served, used process holds at rest
curl -sf -H 'content-type: application/json' --data-binary @"$tmp/record.json" "$url/v1/decide?as_of=2026-11-22" >/dev/null
head -n 100 "$work/1m/applicants.jsonl" |
  curl -sf -H 'content-type: application/x-ndjson' --data-binary @- "$url/v1/decide/batch?as_of=2026-11-22" >/dev/null
sleep 2
idle=$(rss)
echo "idle: $idle MiB ($(threads) threads); load average $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
for round in $(seq "$rounds"); do
  peak=0
  (while kill -0 "$pid" 2>/dev/null; do rss; sleep 0.05; done) >"$tmp/samples" &
  sampler=$!
  wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s -s "$tmp/post.lua" "$url/v1/decide?as_of=2026-11-22" >"$tmp/wrk" &
  wrk_pid=$!
  started=$(date +%s.%N)
  lines=$(curl -sf -H 'content-type: application/x-ndjson' --data-binary @"$work/1m/applicants.jsonl" \
    "$url/v1/decide/batch?as_of=2026-11-22" | wc -l)
  ended=$(date +%s.%N)
  wait "$wrk_pid"
  kill "$sampler" 2>/dev/null || true
  peak=$(sort -n "$tmp/samples" | tail -n1)
  rate=$(awk -v n="$lines" -v a="$started" -v b="$ended" 'BEGIN { printf "%.0f", n / (b - a) }')
  reqs=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$tmp/wrk")
  right_after=$(rss)
  sleep "$wait_s"
  after=$(rss)
  echo "round $round: batch $lines lines at $rate decisions/s beside wrk -c$connections ($reqs requests/s);" \
    "peak $peak MiB; $right_after MiB when it ended; $after MiB ${wait_s} s later ($(threads) threads);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$after" -gt $((idle + margin)) ]; then
    echo "round $round: $after MiB after the load is over idle ($idle MiB) + $margin MiB" >&2
    failed=1
  fi
done
exit "$failed"
