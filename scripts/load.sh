#!/usr/bin/env bash
# The decision service's load figures in docs/performance.md and docs/serve.md:
# wrk (installed here from Debian's packages when missing) against `polc serve`'s
# server on loopback, beside the same axum stack answering a constant body.
#   scripts/load.sh [SECONDS] [CONNECTIONS]      (about two minutes, plus the build; POLC_LOAD_ROUNDS=3,
#   POLC_LOAD_WORKERS=2 tokio workers, POLC_LOAD_WRK_THREADS=1 wrk threads, the same for both servers)
# Not part of `cargo test`: it measures, it does not check behaviour.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
work="${POLC_BENCH_DIR:-/tmp/polc-bench}"
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; else sudo apt-get update -qq && sudo apt-get install -y -qq wrk; fi
fi
# The profile: by default `dev` with the workspace's own crates optimised (opt-level 3, no debug
# assertions or overflow checks, set with --config for those crates alone). Its dependencies are
# the ones `cargo test` has already built at opt-level 2 ([profile.dev.package."*"] in
# Cargo.toml), so this builds in minutes on 2 shared cores where the release profile (thin LTO,
# one codegen unit) builds everything again; the figures are the more conservative for it.
# Every package is selected (--workspace) so that features unify as in `cargo test`.
# POLC_LOAD_PROFILE=release for the release profile.
profile="${POLC_LOAD_PROFILE:-dev}"
config=()
out=$profile
if [ "$profile" = dev ]; then
  for p in polc-core polc polc-server; do
    config+=(--config "profile.dev.package.$p.opt-level=3" --config "profile.dev.package.$p.debug-assertions=false"
             --config "profile.dev.package.$p.overflow-checks=false")
  done
  out=debug
fi
cargo "${config[@]}" build --profile "$profile" --quiet --workspace --tests --benches --examples
[ -f "$work/1m/applicants.jsonl" ] || "./target/$out/examples/gen_workload" "$work/1m" --n 1000000
cargo "${config[@]}" bench --profile "$profile" --quiet --workspace --bench load -- \
  "$work/1m" --seconds "$seconds" --connections "$connections" --rounds "${POLC_LOAD_ROUNDS:-3}" \
  --workers "${POLC_LOAD_WORKERS:-2}" --wrk-threads "${POLC_LOAD_WRK_THREADS:-1}"
