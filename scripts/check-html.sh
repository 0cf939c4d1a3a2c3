#!/usr/bin/env bash
# Renders polc's HTML reports in headless Chromium (Debian's, installed by
# scripts/install-chromium.sh when missing) and checks the screenshots:
# - `polc diff --format html`: the charts' bars (old grey-blue, new blue) and
#   the matrix's heat map must be painted;
# - `polc doc --format html` of policies/micro_business_loan.pol: the page is
#   not blank, its tables' heads are painted, and the DOM (--dump-dom) holds
#   the rule groups, the scorecard, the authority matrix and the lists.
# Writes the reports and screenshots to
#   ${POLC_HTML_DIR:-/tmp/polc-html}/report.html, shot.png, doc.html, doc.png
#   scripts/check-html.sh [--docs]   (--docs: also refresh docs/diff-example.{html,png}
#                                     and docs/doc-example.{html,png})
set -euo pipefail
cd "$(dirname "$0")/.."
work="${POLC_HTML_DIR:-/tmp/polc-html}"
mkdir -p "$work"
bash scripts/install-chromium.sh
cargo build --quiet -p polc-cli
cargo build --quiet -p polc --example gen_workload

# chromium FILE.html OUT.png [WIDTHxHEIGHT]: a headless screenshot, no network
shot() {
    rm -rf "$work/profile"
    timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --hide-scrollbars --window-size="${3:-1200,3000}" \
        --screenshot="$2" "file://$1" 2>/dev/null
}

# pixels PNG RRGGBB…: the PNG's size, its share of non-white pixels and the
# count of each colour given, as `width height nonwhite count…`
pixels() {
    python3 - "$@" <<'PY'
import struct, sys, zlib
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
colours = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in sys.argv[2:]]
counts, nonwhite = [0] * len(colours), 0
for r in rows:
    for x in range(0, stride, bpp):
        px = tuple(r[x:x + 3])
        if px != (255, 255, 255):
            nonwhite += 1
        for i, c in enumerate(colours):
            if px == c:
                counts[i] += 1
print(width, height, f"{nonwhite / (width * height):.4f}", *counts)
PY
}

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
shot "$work/report.html" "$work/shot.png"
read -r _ _ _ new old < <(pixels "$work/shot.png" 1f5fbf 9aa9bc)
echo "diff screenshot: $new pixels of new bars, $old of old bars"
[ "$new" -gt 20000 ] && [ "$old" -gt 20000 ] || { echo "the charts' bars are not painted" >&2; exit 1; }

# the committee document
./target/debug/polc doc policies/micro_business_loan.pol --format html -o "$work/doc.html" --as-of 2026-11-22
shot "$work/doc.html" "$work/doc.png" 1280,7400
read -r width height ink heads < <(pixels "$work/doc.png" dde6f3)
echo "doc screenshot ${width}x${height}: ${ink} of the pixels not white, $heads of table heads"
python3 -c "import sys; sys.exit(0 if float('$ink') > 0.05 else 1)" || { echo "the document is blank" >&2; exit 1; }
[ "$heads" -gt 20000 ] || { echo "the document's tables are not painted" >&2; exit 1; }
rm -rf "$work/profile"
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --user-data-dir="$work/profile" --dump-dom "file://$work/doc.html" 2>/dev/null > "$work/doc.dom"
python3 - "$work/doc.dom" <<'PY'
import sys
dom = open(sys.argv[1], encoding="utf-8").read()
tables, sections = dom.count("<table>"), dom.count('<section class="part">')
print(f"doc DOM: {tables} tables, {sections} sections")
for want in ["小微企业经营贷款保证保险核保政策", "反欺诈 (<code>fraud</code>)", "小微企业申请评分卡",
             "Authority matrix", "<code>abnormal_enterprises</code>", "Test coverage"]:
    assert want in dom, f"the document has no {want!r}"
assert tables >= 20 and sections >= 6, "the document lost its tables or sections"
assert "<script" not in dom, "the document runs a script"
PY

if [ "${1:-}" = "--docs" ]; then
    cp "$work/report.html" docs/diff-example.html
    cp "$work/shot.png" docs/diff-example.png
    cp "$work/doc.html" docs/doc-example.html
    cp "$work/doc.png" docs/doc-example.png
fi
echo "html reports: 2 passed, 0 failed"
