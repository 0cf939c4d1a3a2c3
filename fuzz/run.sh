#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 60), seeded from the repo's
# policies, fixtures and sample records. Needs `cargo install cargo-fuzz`; on the
# stable toolchain RUSTC_BOOTSTRAP=1 lets it use the sanitizer flags.
# Usage: fuzz/run.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(compile format record lists)
export RUSTC_BOOTSTRAP=1

mkdir -p corpus/compile corpus/format corpus/record corpus/lists
for f in ../policies/*.pol ../tests/policies/*.pol ../tests/ui/*/*.pol ../tests/ui_common/*.pol; do
  cp "$f" "corpus/compile/$(basename "$(dirname "$f")")_$(basename "$f")"
  cp "$f" "corpus/format/$(basename "$(dirname "$f")")_$(basename "$f")"
done
head -n 200 ../examples/applicants.jsonl | split -l 1 - corpus/record/applicant_
for f in ../policies/lists/* ../tests/ui_common/*.txt ../tests/ui_common/*.csv; do
  cp "$f" "corpus/lists/$(basename "$f")"
done
# hand-made seeds for what went wrong before (issue #12): byte-order marks, CRLF,
# leading zeros, 30-digit decimals, full-width digits, GBK and UTF-16 lists, deep
# nesting, quoted line breaks in CSV
cp seeds/record/* corpus/record/
cp seeds/lists/* corpus/lists/

for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=65536 2>&1 \
    | grep -E '^(#[0-9]+.*(DONE|pulse)|Done|==[0-9]+==|SUMMARY|artifact)' | tail -n 3
done
