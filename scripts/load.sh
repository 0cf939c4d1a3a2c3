#!/usr/bin/env bash
# The decision service's load figures in docs/performance.md and docs/service.md:
# wrk (installed here from Debian's packages when missing) against `polc serve`'s
# server on loopback, beside the same axum stack answering a constant body.
#   scripts/load.sh [SECONDS] [CONNECTIONS]      (about a minute and a half, plus the build)
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
# assertions). Its dependencies are the ones `cargo test` has already built at opt-level 2
# ([profile.dev.package."*"] in Cargo.toml), so this builds in minutes on 2 shared cores where the
# release profile (thin LTO, one codegen unit) builds everything again; the figures are the more
# conservative for it. POLC_LOAD_PROFILE=release for the release profile.
profile="${POLC_LOAD_PROFILE:-dev}"
if [ "$profile" = dev ]; then
  export CARGO_PROFILE_DEV_OPT_LEVEL=3 CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false CARGO_PROFILE_DEV_OVERFLOW_CHECKS=false
  out=debug
else
  out=$profile
fi
cargo build --profile "$profile" --quiet -p polc --example gen_workload
[ -f "$work/1m/applicants.jsonl" ] || "./target/$out/examples/gen_workload" "$work/1m" --n 1000000
cargo bench --profile "$profile" --quiet -p polc-server --bench load -- "$work/1m" --seconds "$seconds" --connections "$connections"
