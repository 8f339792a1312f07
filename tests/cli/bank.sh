#!/usr/bin/env bash
# The `vigie bank` contract (docs/exchange.md): import and export in the four
# formats, signed lists and deltas, and synchronisation and feedback against
# the fake hash sharing service, started here on loopback.
set -u
: "${VIGIE:?path of the vigie binary}"
: "${FAKE_HASHSHARING:?path of the fake hash sharing service}"
T="${VIGIE_TMP:-/tmp}/bank-$$"
rm -rf "$T" && mkdir -p "$T"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

MD5=d41d8cd98f00b204e9800998ecf8427e
MD5A=cab08b36195edb1a1231d2d09fa450e0
SHA1=da39a3ee5e6b4b0d3255bfef95601890afd80709
PDQ=f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22

# --- import ---------------------------------------------------------------------
printf 'pdq %s\nvideo_md5 %s\nurl_md5 %s\n' "$PDQ" "${MD5^^}" "$MD5" > "$T/list.te"
out=$("$VIGIE" bank import --format te "$T/list.te" 2>"$T/err")
check_eq $? 0 "te import exit status"
check_eq "$out" "signal_type,signal,id,te_type
pdq,$PDQ,1,pdq
md5,$MD5,2,video_md5" "te import"
grep -q '1 url_md5 signals skipped' "$T/err" || fail "unsupported types reported: $(cat "$T/err")"

printf 'pdq %s\npdq 1234\n' "$PDQ" > "$T/bad.te"
"$VIGIE" bank import --format te "$T/bad.te" > /dev/null 2>"$T/err"
check_eq $? 1 "a list with a bad line is refused"
grep -q 'line 2' "$T/err" || fail "bad line 2 reported: $(cat "$T/err")"
"$VIGIE" bank import --format te --skip-bad "$T/bad.te" > /dev/null 2>&1
check_eq $? 0 "--skip-bad"
"$VIGIE" bank import --format csv "$T/list.te" 2>/dev/null; check_eq $? 2 "unknown format"
"$VIGIE" bank import --format te 2>/dev/null; check_eq $? 2 "no file"
"$VIGIE" bank import --format te "$T/missing" > /dev/null 2>&1; check_eq $? 1 "missing file"

cat > "$T/vics.json" <<EOF
{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/\$metadata#Media",
 "value":[{"MediaID":5,"Category":1,"MD5":"${MD5^^}","SHA1":"${SHA1^^}","IsDistributed":"True"},
          {"MediaID":6,"Category":2,"MD5":"${MD5A^^}"}]}
EOF
out=$("$VIGIE" bank import --format vics --categories uk "$T/vics.json" 2>/dev/null)
check_eq "$out" "signal_type,signal,id,vics_category,legal,severity,series,victim_identified,offender_identified,is_distributed,media_size
md5,$MD5,5,1,illegal_csam,A,,,,true,
sha1,$SHA1,5,1,illegal_csam,A,,,,true,
md5,$MD5A,6,2,illegal_csam,B,,,,," "vics import with the uk table"
iconv -f UTF-8 -t UTF-16 "$T/vics.json" > "$T/vics16.json"
out16=$("$VIGIE" bank import --format vics --categories uk "$T/vics16.json" 2>/dev/null)
check_eq "$out16" "$out" "UTF-16 with a byte order mark"

# --- export, and back -------------------------------------------------------------
"$VIGIE" bank import --format vics --categories uk "$T/vics.json" > "$T/vics.csv" 2>/dev/null
for fmt in te vics ncmec stopncii; do
    "$VIGIE" bank export --format "$fmt" --categories uk "$T/vics.csv" > "$T/out.$fmt" 2>"$T/err"
    check_eq $? 0 "export $fmt"
done
back=$("$VIGIE" bank import --format vics --categories uk "$T/out.vics" 2>/dev/null)
check_eq "$back" "$out" "vics round trip"
check_eq "$(cat "$T/out.te")" "video_md5 $MD5
video_md5 $MD5A" "te export: ThreatExchange knows no sha1"
grep -q '1 of a type te cannot carry' "$T/err" || true
"$VIGIE" bank import --format ncmec "$T/out.ncmec" > "$T/back.csv" 2>/dev/null
check_eq "$(cut -d, -f1-3 "$T/back.csv" | tail -n +2)" "md5,$MD5,5
sha1,$SHA1,5
md5,$MD5A,6" "ncmec round trip"
"$VIGIE" bank export --format te "$T/missing.csv" 2>/dev/null; check_eq $? 1 "export of a missing bank"

# --- signed lists -------------------------------------------------------------------
"$VIGIE" bank keygen --name hotline-a -o "$T/a.key" > "$T/ring"
check_eq $? 0 "keygen"
check_eq "$(stat -c %a "$T/a.key")" 600 "secret key mode"
"$VIGIE" bank keygen --name hotline-a -o "$T/a.key" > /dev/null 2>&1
check_eq $? 1 "keygen never overwrites a key"
"$VIGIE" bank sign --key "$T/a.key" --list known --version 1 -o "$T/v1.csv" "$T/vics.csv" 2>/dev/null
check_eq $? 0 "sign"
out=$("$VIGIE" bank verify --keys "$T/ring" "$T/v1.csv")
check_eq $? 0 "verify"
check_eq "$(echo "$out" | tail -1)" "$T/v1.csv,verified,full,hotline-a,known,1,3," "verify row"
grep -v "^md5,$MD5A" "$T/vics.csv" > "$T/vics2.csv"
echo "pdq,$PDQ,7,,,,,,,," >> "$T/vics2.csv"
"$VIGIE" bank sign --key "$T/a.key" --list known --version 2 -o "$T/v2.csv" "$T/vics2.csv" 2>/dev/null
"$VIGIE" bank diff --key "$T/a.key" --version 2 -o "$T/d2.csv" "$T/v1.csv" "$T/v2.csv" 2>/dev/null
check_eq $? 0 "diff"
check_eq "$(tail -n +2 "$T/d2.csv" | cut -d, -f1-4)" "withdraw,md5,$MD5A,6
add,pdq,$PDQ,7" "delta lines"
"$VIGIE" bank patch --keys "$T/ring" -o "$T/mine.csv" "$T/v1.csv" "$T/d2.csv" 2>/dev/null
check_eq $? 0 "patch"
cmp -s "$T/mine.csv" "$T/v2.csv" || fail "the patched list is the publisher's version 2"
"$VIGIE" bank verify --keys "$T/ring" "$T/mine.csv" > /dev/null
check_eq $? 0 "the patched list verifies"
sed -i 's/,7,/,8,/' "$T/mine.csv"
"$VIGIE" bank verify --keys "$T/ring" "$T/mine.csv" > /dev/null
check_eq $? 1 "an altered list does not verify"
"$VIGIE" bank keygen --name hotline-b -o "$T/b.key" > "$T/ring-b"
"$VIGIE" bank verify --keys "$T/ring-b" "$T/v1.csv" > /dev/null
check_eq $? 1 "another publisher's keyring does not verify"
"$VIGIE" bank patch --keys "$T/ring" -o "$T/x.csv" "$T/v2.csv" "$T/d2.csv" 2>/dev/null
check_eq $? 1 "a delta on the wrong version is refused"
[ -e "$T/x.csv" ] && fail "nothing written when a patch is refused"

# --- negative banks in vigie match ---------------------------------------------
P20=fffff00000000000000000000000000000000000000000000000000000000000
P8=ff00000000000000000000000000000000000000000000000000000000000000
Z64=0000000000000000000000000000000000000000000000000000000000000000
printf 'signal_type,signal,id\npdq,%s,listed\n' "$P20" > "$T/known.csv"
printf 'signal_type,signal,id,polarity\npdq,%s,benign,negative\n' "$P8" > "$T/fp.csv"
"$VIGIE" index build -o "$T/neg.vgx" "$T/known.csv" "$T/fp.csv" 2>/dev/null
out=$(echo "$Z64" | "$VIGIE" match --index "$T/neg.vgx" 2>"$T/err")
check_eq "$out" "query,match,distance,signal_type,score" "a match a negative entry outweighs is left out"
grep -q '1 matches left out' "$T/err" || fail "suppression reported: $(cat "$T/err")"
out=$(echo "$P20" | "$VIGIE" match --index "$T/neg.vgx" 2>/dev/null)
check_eq "$out" "query,match,distance,signal_type,score
0,listed,0,pdq," "the listed picture itself still matches; negative entries are never matches"

# --- synchronisation against the fake service ------------------------------------
coproc FAKE { "$FAKE_HASHSHARING" "$T/scenario" "$T/log"; }
read -r port <&"${FAKE[0]}"
[ -n "$port" ] || { echo "cannot start the fake service" >&2; exit 1; }
cleanup() {
    exec {FAKE[1]}>&- 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
url="http://127.0.0.1:$port"
printf 'user: user\npassword: secret\n' > "$T/ncmec.cred"
printf 'subscription-key: sub\nfetch-function-key: fn\n' > "$T/stopncii.cred"
chmod 600 "$T/ncmec.cred" "$T/stopncii.cred"
cat > "$T/scenario" <<EOF
page-size 1
entry image1 image 1508857200 42 A1 md5=$MD5 sha1=$SHA1
entry image2 image 1508857300 42 A1 pdq=$PDQ
deleted image9 image 1508857400 43
EOF
# The test-only allowance for loopback and plain http, and a fixed clock.
now=1600000000
sync() {
    VIGIE_SYNC_TEST_ALLOW_LOCAL=1 VIGIE_SYNC_TEST_NOW=$now "$VIGIE" bank sync --no-progress "$@"
}

"$VIGIE" bank sync --source ncmec --url "$url" --credentials "$T/ncmec.cred" \
    --bank "$T/n.csv" > /dev/null 2>&1
check_eq $? 2 "plain http to loopback is refused without the test-only allowance"
out=$(sync --source ncmec --url "$url" --credentials "$T/ncmec.cred" --bank "$T/n.csv" \
    --max-pages 1 2>/dev/null)
check_eq $? 1 "a run stopped early says so"
out=$(sync --source ncmec --url "$url" --credentials "$T/ncmec.cred" --bank "$T/n.csv" 2>/dev/null)
check_eq $? 0 "sync"
check_eq "$out" "change,signal_type,signal,id
added,md5,$MD5,image1
added,sha1,$SHA1,image1
added,pdq,$PDQ,image2
removed,,,image9" "changes of the first sync"
check_eq "$(cut -d, -f1-3 "$T/n.csv")" "signal_type,signal,id
md5,$MD5,image1
sha1,$SHA1,image1
pdq,$PDQ,image2" "the synchronised bank"
"$VIGIE" index build -o "$T/n.vgx" "$T/n.csv" 2>/dev/null
check_eq $? 0 "the synchronised bank is an index bank"
now=1700000000
echo "deleted image1 image 1650000000 42" > "$T/scenario"
out=$(sync --source ncmec --url "$url" --credentials "$T/ncmec.cred" --bank "$T/n.csv" 2>/dev/null)
check_eq "$out" "change,signal_type,signal,id
removed,,,image1" "a deletion is reported as a removal"
check_eq "$(cut -d, -f1-3 "$T/n.csv")" "signal_type,signal,id
pdq,$PDQ,image2" "and leaves the bank"

: > "$T/log"
VIGIE_SYNC_TEST_ALLOW_LOCAL=1 "$VIGIE" bank feedback --url "$url" --credentials "$T/ncmec.cred" \
    --member 42 --entry image2 --fingerprint pdq --affirm 2>/dev/null
check_eq $? 0 "feedback"
grep -q 'PUT /v2/entries/42/image2/PDQ/feedback' "$T/log" || fail "feedback request: $(cat "$T/log")"
out=$(VIGIE_SYNC_TEST_ALLOW_LOCAL=1 "$VIGIE" bank feedback --url "$url" \
    --credentials "$T/ncmec.cred" --reasons sha1 2>/dev/null)
check_eq "$out" "guid,name
01234567-abcd-0123-4567-012345678900,Example Reason 1" "feedback reasons"
"$VIGIE" bank feedback --url "$url" --credentials "$T/ncmec.cred" --member 42 2>/dev/null
check_eq $? 2 "incomplete feedback"

cat > "$T/scenario" <<EOF
hash ImagePDQ $PDQ Active 1625167804
hash VideoMD5 $MD5 Withdrawn 1625167805
EOF
out=$(sync --source stopncii --url "$url" --credentials "$T/stopncii.cred" --bank "$T/s.csv" 2>/dev/null)
check_eq $? 0 "stopncii sync"
check_eq "$out" "change,signal_type,signal,id
added,pdq,$PDQ,$PDQ
removed,md5,$MD5,$MD5" "stopncii changes"
sync --source stopncii --url "$url" --credentials "$T/ncmec.cred" --bank "$T/s2.csv" > /dev/null 2>&1
check_eq $? 2 "stopncii without its keys"

[ "$failures" -eq 0 ] || { echo "$failures failures" >&2; exit 1; }
echo "bank: all checks passed"
