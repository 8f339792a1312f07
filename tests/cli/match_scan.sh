#!/usr/bin/env bash
# The `vigie scan` contract (vigie scan --help): known by digest and by PDQ
# (also through a rotated variant), unknown files, error rows for special
# files, damaged images matched by their digests with the reason the
# perceptual check did not run, one row per match, the summary,
# --min-quality, exit codes.
set -u
: "${VIGIE:?path of the vigie binary}"
T="${VIGIE_TMP:-/tmp}/scan-$$"
rm -rf "$T" && mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

if [ -z "${VIGIE_SAMPLES:-}" ] || ! "$VIGIE_SAMPLES" "$T/s" > /dev/null 2>&1 ||
    [ ! -f "$T/s/city/city.jpg" ]; then
  echo "vigie-samples unavailable: skipped"
  exit 77
fi

row() { "$VIGIE" hash --no-progress "$1" | tail -1; }
PDQ=$(row "$T/s/city/city.jpg" | cut -d, -f7)
MD5=$(row "$T/s/city/city.ppm" | cut -d, -f3)
[ ${#PDQ} -eq 64 ] || fail "sample PDQ: '$PDQ'"
printf 'signal_type,signal,id\npdq,%s,city-pdq\nmd5,%s,city-md5\n' "$PDQ" "$MD5" > "$T/bank.csv"
"$VIGIE" index build -o "$T/i.vgx" "$T/bank.csv" || fail "index build"
echo "plain text" > "$T/s/note.txt"

out=$("$VIGIE" scan --index "$T/i.vgx" --no-progress "$T/s" 2>"$T/err")
check_eq $? 0 "exit status with every file read"
check_eq "$(head -1 <<<"$out")" "path,status,signal_type,match,distance,query_percent,compared_percent,error,score" "header"
check_eq "$(grep -c "^$T/s/city/city.ppm,known," <<<"$out")" 2 "one row per match"
grep -q "^$T/s/city/city.ppm,known,md5,city-md5,0,,,,$" <<<"$out" || fail "md5 match row"
grep -q "^$T/s/city/city.jpg,known,pdq,city-pdq,0,,,,$" <<<"$out" || fail "pdq match row"
grep -q "^$T/s/city/city-rot90.png,known,pdq_[a-z0-9_]*,city-pdq," <<<"$out" ||
  fail "a rotated copy is known through a dihedral variant"
grep -q "^$T/s/note.txt,unknown,,,,,,,$" <<<"$out" || fail "unknown row"
grep -q "^$T/s/landscape/landscape.jpg,unknown," <<<"$out" || fail "another picture is unknown"
grep -q 'files, .* images, 0 videos, .* known, .* unknown, 0 errors, 0 images not decoded' "$T/err" ||
  fail "summary: $(cat "$T/err")"

# Same rows whatever the thread count.
one=$("$VIGIE" scan --index "$T/i.vgx" --no-progress --threads 1 "$T/s" 2>/dev/null | md5sum)
three=$("$VIGIE" scan --index "$T/i.vgx" --no-progress --threads 3 "$T/s" 2>/dev/null | md5sum)
check_eq "$three" "$one" "output independent of thread count"

# A flat grey picture has PDQ quality 0: by default it is not matched by
# PDQ even when its hash is in the bank; --min-quality 0 allows it.
mkdir -p "$T/flat"
{ printf 'P6\n64 64\n255\n'; head -c $((64 * 64 * 3)) /dev/zero | tr '\0' '\200'; } > "$T/flat/grey.ppm"
FLAT=$(row "$T/flat/grey.ppm")
check_eq "$(cut -d, -f6 <<<"$FLAT")" 0 "quality of a flat picture"
printf 'signal_type,signal,id\npdq,%s,flat-pdq\n' "$(cut -d, -f7 <<<"$FLAT")" > "$T/flat.csv"
"$VIGIE" index build -o "$T/f.vgx" "$T/flat.csv" || fail "flat index"
out=$("$VIGIE" scan --index "$T/f.vgx" --no-progress "$T/flat" 2>/dev/null)
grep -q "grey.ppm,unknown" <<<"$out" || fail "quality 0 is below the default threshold: $out"
out=$("$VIGIE" scan --index "$T/f.vgx" --no-progress --min-quality 0 "$T/flat" 2>/dev/null)
grep -q "grey.ppm,known,pdq,flat-pdq,0" <<<"$out" || fail "--min-quality 0: $out"

# Damaged images (a truncated JPEG, a GIF of garbage, a PNG declaring 10^10
# pixels) are read and matched by their digests: a known one stays known.
# Each row says in `error` that the perceptual check did not run, and why;
# the summary counts them; the exit status is 1.
mkdir -p "$T/damaged"
head -c $(( $(wc -c < "$T/s/city/city.jpg") / 2 )) "$T/s/city/city.jpg" > "$T/damaged/truncated.jpg"
printf 'GIF89a\x10\x00\x10\x00\x80\x00\x00garbage, not a picture' > "$T/damaged/garbage.gif"
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00\x8d\x39\x54\x14\x00\x00\x00\x11IDAT\x78\x9c\x63\x60\x18\x05\xa3\x60\x14\x0c\x77\x00\x00\x03\xe8\x00\x01\xb3\xa6\xd3\x46\x00\x00\x00\x00IEND\xae\x42\x60\x82' \
  > "$T/damaged/bomb.png"
GIF_MD5=$(row "$T/damaged/garbage.gif" | cut -d, -f3)
printf 'signal_type,signal,id\nmd5,%s,garbage-md5\n' "$GIF_MD5" > "$T/damaged.csv"
"$VIGIE" index build -o "$T/d.vgx" "$T/damaged.csv" || fail "damaged index"
out=$("$VIGIE" scan --index "$T/d.vgx" --no-progress "$T/damaged" 2>"$T/err")
check_eq $? 1 "exit status with images not decoded"
grep -q "^$T/damaged/garbage.gif,known,md5,garbage-md5,0,,,perceptual check not run: .*garbage.gif: " <<<"$out" ||
  fail "a damaged image is known by its digest, with the reason: $out"
grep -q "^$T/damaged/truncated.jpg,unknown,,,,,,perceptual check not run: .*truncated" <<<"$out" ||
  fail "a truncated JPEG says why it was not checked: $out"
grep -q "^$T/damaged/bomb.png,unknown,,,,,,\"perceptual check not run: .*100000x100000" <<<"$out" ||
  fail "a decompression bomb says why it was not checked: $out"
grep -q '3 files, 3 images, 0 videos, 1 known, 2 unknown, 0 errors, 3 images not decoded' "$T/err" ||
  fail "summary with images not decoded: $(cat "$T/err")"
out=$("$VIGIE" scan --index "$T/d.vgx" --no-progress --format json "$T/damaged/garbage.gif" 2>/dev/null)
grep -q '"status":"known",.*"error":"perceptual check not run: ' <<<"$out" || fail "JSON: $out"
# A file known only by its digests (no picture to hash) still obeys the
# negative banks: listed as benign by its md5, its positive entry is
# outweighed and the scan says how many were left out.
printf 'signal_type,signal,id,polarity\nmd5,%s,garbage-benign,negative\n' "$GIF_MD5" > "$T/benign.csv"
"$VIGIE" index build -o "$T/dn.vgx" "$T/damaged.csv" "$T/benign.csv" || fail "negative index"
out=$("$VIGIE" scan --index "$T/dn.vgx" --no-progress "$T/damaged/garbage.gif" 2>"$T/err")
grep -q "^$T/damaged/garbage.gif,unknown,,,,,,perceptual check not run: " <<<"$out" ||
  fail "a digest-only file listed as benign is not a match: $out"
grep -q '1 matches left out' "$T/err" || fail "suppression reported: $(cat "$T/err")"
# vigie hash of the same files: digests, no PDQ, the reason in `error`.
while IFS=, read -r path bytes md5 sha1 sha256 quality pdq error; do
  [[ "$md5" =~ ^[0-9a-f]{32}$ && -z "$quality$pdq" && -n "$error" ]] ||
    fail "vigie hash of a damaged image: $path,$bytes,$md5,$quality,$pdq,$error"
done < <("$VIGIE" hash --no-progress "$T/damaged" 2>/dev/null | tail -n +2)

# A special file is an error row; the scan goes on, exit status 1.
mkfifo "$T/s/fifo"
out=$("$VIGIE" scan --index "$T/i.vgx" --no-progress "$T/s" 2>/dev/null)
check_eq $? 1 "exit status with an unreadable entry"
grep -q "^$T/s/fifo,error,,,,,,.*FIFO" <<<"$out" || fail "FIFO error row"
out=$("$VIGIE" scan --index "$T/i.vgx" --no-progress --format json "$T/s/city/city.ppm" 2>/dev/null)
grep -q '"status":"known","signal_type":"md5","match":"city-md5","distance":0' <<<"$out" ||
  fail "JSON row: $out"

"$VIGIE" scan "$T/s" 2>/dev/null; check_eq $? 2 "--index is required"
"$VIGIE" scan --index "$T/i.vgx" 2>/dev/null; check_eq $? 2 "no PATH"
"$VIGIE" scan --index "$T/bank.csv" "$T/s" 2>/dev/null; check_eq $? 2 "not an index"
"$VIGIE" scan --index "$T/i.vgx" --radius 99 "$T/s" 2>/dev/null; check_eq $? 2 "bad radius"

exit $((failures > 0))
