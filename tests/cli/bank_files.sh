#!/usr/bin/env bash
# The `vigie bank from-files` contract (vigie bank from-files --help): every
# signal of every file as bank rows, digests equal to the system's md5sum,
# sha1sum and sha256sum, ids from the SHA-256 or the name, the trimmed PDQ of
# a letterboxed picture matching its original, exit codes.
set -u
: "${VIGIE:?path of the vigie binary}"
T="${VIGIE_TMP:-/tmp}/bank-files-$$"
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
S="$T/s"

out=$("$VIGIE" bank from-files --no-progress "$S/city/city.jpg" "$S/README.txt")
check_eq $? 0 "exit status"
check_eq "$(head -1 <<<"$out")" "signal_type,signal,id,quality" "header"
city_sha=$(sha256sum "$S/city/city.jpg" | cut -d' ' -f1)
check_eq "$(grep ",$city_sha," <<<"$out" | cut -d, -f1 | grep -v pdq_trimmed | tr '\n' ' ')" \
  "md5 sha1 sha256 pdq patchset " "the signals of a picture, id = its sha256"
check_eq "$(grep "^md5,.*,$city_sha," <<<"$out" | cut -d, -f2)" \
  "$(md5sum "$S/city/city.jpg" | cut -d' ' -f1)" "md5 as md5sum says"
check_eq "$(grep "^sha1,.*,$city_sha," <<<"$out" | cut -d, -f2)" \
  "$(sha1sum "$S/city/city.jpg" | cut -d' ' -f1)" "sha1 as sha1sum says"
grep -qE "^pdq,[0-9a-f]{64},$city_sha,[0-9]+$" <<<"$out" || fail "pdq row with its quality"
grep -qE "^patchset,01[0-9a-f]{2}([0-9a-f]{24})+,$city_sha,$" <<<"$out" ||
  fail "patchset row: version 1, a count, 12-byte records"
readme_sha=$(sha256sum "$S/README.txt" | cut -d' ' -f1)
check_eq "$(grep -c ",$readme_sha," <<<"$out")" 3 "a text file has its three digests only"

# Ids from the name; the same rows whatever the thread count.
names=$("$VIGIE" bank from-files --no-progress --id-from name "$S/city")
grep -q "^sha256,$city_sha,city.jpg,$" <<<"$names" || fail "--id-from name"
one=$("$VIGIE" bank from-files --no-progress --threads 1 "$S" | md5sum)
three=$("$VIGIE" bank from-files --no-progress --threads 3 "$S" | md5sum)
check_eq "$three" "$one" "output independent of thread count"

# A letterboxed copy: canonical PDQ misses the original, its pdq_trimmed
# row finds it among the original's pdq and pdq_trimmed entries (the
# procedural landscape has a flat sky, which both lose).
"$VIGIE" bank from-files --no-progress --id-from name "$S/landscape/landscape.png" |
  grep '^pdq' > "$T/orig.rows"
{ echo "signal_type,signal,id,quality"; cat "$T/orig.rows"; } > "$T/bank.csv"
"$VIGIE" index build -o "$T/i.vgx" "$T/bank.csv" 2>/dev/null || fail "index build"
boxed=$("$VIGIE" bank from-files --no-progress "$S/landscape/edits/landscape-letterbox.jpg")
trimmed=$(grep '^pdq_trimmed,' <<<"$boxed" | cut -d, -f2)
canonical=$(grep '^pdq,' <<<"$boxed" | cut -d, -f2)
[ ${#trimmed} -eq 64 ] || fail "a letterboxed picture has a pdq_trimmed row"
check_eq "$(echo "$canonical" | "$VIGIE" match --index "$T/i.vgx" | wc -l)" 1 \
  "canonical PDQ of the letterboxed copy does not match (header only)"
echo "$trimmed" | "$VIGIE" match --index "$T/i.vgx" | grep -q '^0,landscape.png,0,pdq_trimmed,$' ||
  fail "trimmed PDQ of the letterboxed copy matches the original's"

# The whole flow: a bank from the originals, an index, a scan of the edits.
"$VIGIE" bank from-files --no-progress --id-from name "$S/city/city.jpg" \
  "$S/landscape/landscape.png" > "$T/robust.csv" || fail "from-files"
"$VIGIE" index build -o "$T/r.vgx" "$T/robust.csv" 2>/dev/null || fail "index build"
"$VIGIE" index verify "$T/r.vgx" > /dev/null || fail "index verify"
info=$("$VIGIE" index info "$T/r.vgx")
grep -q '^pdq_trimmed: 2$' <<<"$info" || fail "info counts pdq_trimmed: $info"
grep -q '^patchset: 1$' <<<"$info" || fail "info counts patchset (the smooth landscape has none)"
out=$("$VIGIE" scan --index "$T/r.vgx" --no-progress --min-quality 40 "$S" 2>/dev/null)
grep -qE "^$S/city/city-cropped.jpg,known,patchset,city.jpg,,,,,([4-9]|[1-9][0-9])$" <<<"$out" ||
  fail "a cropped copy is known by its patch set, with its score: $(grep cropped <<<"$out")"
grep -q "^$S/city/city-screenshot.png,known,pdq_trimmed,city.jpg,[0-9]*,,,,$" <<<"$out" ||
  fail "a framed copy is known by its trimmed PDQ"
grep -q "^$S/landscape/edits/landscape-letterbox.jpg,known,pdq_trimmed,landscape.png," <<<"$out" ||
  fail "a letterboxed copy is known by its trimmed PDQ"
grep -q "^$S/studio/still-life.png,unknown," <<<"$out" || fail "another picture stays unknown"
# The trimmed PDQ obeys --min-quality like PDQ (the letterboxed smooth
# landscape's is 49).
out=$("$VIGIE" scan --index "$T/r.vgx" --no-progress "$S/landscape/edits" 2>/dev/null)
grep -q "landscape-letterbox.jpg,unknown," <<<"$out" || fail "quality 49 is below 50"
# Without the robust rows, the crop is not found: the patch set did it.
grep -v '^patchset,' "$T/robust.csv" > "$T/plain.csv"
"$VIGIE" index build -o "$T/p.vgx" "$T/plain.csv" 2>/dev/null || fail "plain index"
"$VIGIE" scan --index "$T/p.vgx" --no-progress "$S/city/city-cropped.jpg" 2>/dev/null |
  grep -q ",unknown," || fail "canonical PDQ alone misses the crop"
# vigie match takes a bank's patchset row as a query.
grep '^patchset,' "$T/robust.csv" | cut -d, -f2 > "$T/ps.txt"
"$VIGIE" match --index "$T/r.vgx" "$T/ps.txt" | grep -qE '^0,city.jpg,,patchset,[0-9]+$' ||
  fail "vigie match with a patchset query"
# Adding a bank and compacting keep the patch sets searchable.
"$VIGIE" bank from-files --no-progress --id-from name "$S/studio/still-life.png" > "$T/more.csv"
"$VIGIE" index add "$T/r.vgx" "$T/more.csv" 2>/dev/null || fail "index add"
"$VIGIE" scan --index "$T/r.vgx" --no-progress "$S/studio/still-life.tif" 2>/dev/null |
  grep -q ',known,patchset,still-life.png,' || fail "patch sets of an added bank"
"$VIGIE" index compact "$T/r.vgx" 2>/dev/null || fail "compact"
"$VIGIE" index verify "$T/r.vgx" > /dev/null || fail "verify after compact"
"$VIGIE" scan --index "$T/r.vgx" --no-progress "$S/city/city-cropped.jpg" 2>/dev/null |
  grep -q ',known,patchset,city.jpg,' || fail "patch sets after compact"

# JSON lines carry the same keys.
json=$("$VIGIE" bank from-files --no-progress --format json "$S/README.txt" | head -1)
grep -q '^{"signal_type":"md5","signal":"[0-9a-f]*","id":"[0-9a-f]*","quality":null}$' <<<"$json" ||
  fail "json row: $json"

# Failures: a missing file is reported and the others still written (1);
# usage errors exit 2.
out=$("$VIGIE" bank from-files --no-progress "$T/missing.jpg" "$S/README.txt" 2>"$T/err")
check_eq $? 1 "exit status with a missing file"
grep -q "missing.jpg" "$T/err" || fail "the missing file is named on stderr"
check_eq "$(grep -c ",$readme_sha," <<<"$out")" 3 "the other files are still written"
"$VIGIE" bank from-files > /dev/null 2>&1
check_eq $? 2 "no PATH"
"$VIGIE" bank from-files --id-from colour "$S" > /dev/null 2>&1
check_eq $? 2 "bad --id-from"
"$VIGIE" bank nothing > /dev/null 2>&1
check_eq $? 2 "unknown bank subcommand"

[ "$failures" -eq 0 ] && echo "bank from-files: all checks passed"
exit $((failures > 0))
