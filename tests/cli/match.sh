#!/usr/bin/env bash
# The `vigie match` contract (docs/match.md): CSV and JSON rows, 0-based
# query numbers, 32 digits as md5, 40 as sha1, 64 tried as sha256 and pdq, sorting by distance,
# --radius, bad query lines (stderr, exit 1), usage errors (exit 2), and
# identical output whatever the thread count.
set -u
: "${VIGIE:?path of the vigie binary}"
T="${VIGIE_TMP:-/tmp}/match-$$"
rm -rf "$T" && mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

MD5=d41d8cd98f00b204e9800998ecf8427e
SHA1=da39a3ee5e6b4b0d3255bfef95601890afd80709
F64=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
F60=fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0
Z64=0000000000000000000000000000000000000000000000000000000000000000
A64=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

cat > "$T/bank.csv" <<CSV
signal_type,signal,id,source
md5,$MD5,"m,1",x
sha1,$SHA1,s-1,x
pdq,$F64,p-all-ones,y
pdq,$F60,p-four-off,y
sha256,$A64,s1,z
pdq,$A64,p-a,z
CSV
"$VIGIE" index build -o "$T/i.vgx" "$T/bank.csv" || fail "build"

printf '%s\n\n%s\n%s\nnot-hex\n%s\n%s\n' "$F64" "$MD5" "$Z64" "$A64" "$SHA1" > "$T/q.txt"
out=$("$VIGIE" match --index "$T/i.vgx" "$T/q.txt" 2>"$T/err")
check_eq $? 1 "a bad query line gives exit status 1"
expected='query,match,distance,signal_type,score
0,p-all-ones,0,pdq,
0,p-four-off,4,pdq,
2,"m,1",0,md5,
5,s1,0,sha256,
5,p-a,0,pdq,
6,s-1,0,sha1,'
check_eq "$out" "$expected" "CSV rows (blank line counted, no row for no match)"
grep -q 'line 5 (query 4)' "$T/err" || fail "bad line reported: $(cat "$T/err")"

out=$("$VIGIE" match --index "$T/i.vgx" --radius 3 - < <(echo "$F64"))
check_eq $? 0 "stdin, exit 0"
check_eq "$(tail -n +2 <<<"$out")" "0,p-all-ones,0,pdq," "--radius 3 excludes distance 4"

out=$(echo "$F64" | "$VIGIE" match --index "$T/i.vgx" --format json)
check_eq "$(grep -c '"match":' <<<"$out")" 2 "JSON rows"
grep -q '"query":0,"match":"p-four-off","distance":4,"score":0,"signal_type":"pdq","bank":"bank","metadata":{"source":"y"}}' \
  <<<"$out" || fail "JSON row content: $out"
[ "$(head -c1 <<<"$out")" == "[" ] || fail "JSON is an array"
out=$(echo "$Z64" | "$VIGIE" match --index "$T/i.vgx" --format json)
check_eq "$(tr -d '\n ' <<<"$out")" "[]" "JSON with no match"

# Many queries: the same output with 1 and 4 threads.
for i in $(seq 1 3000); do
  if [ $((i % 3)) -eq 0 ]; then echo "$F64"; else printf '%064x\n' "$i"; fi
done > "$T/many.txt"
one=$("$VIGIE" match --index "$T/i.vgx" --threads 1 "$T/many.txt" | md5sum)
four=$("$VIGIE" match --index "$T/i.vgx" --threads 4 "$T/many.txt" | md5sum)
check_eq "$four" "$one" "output independent of thread count"
rows=$("$VIGIE" match --index "$T/i.vgx" "$T/many.txt" | wc -l)
check_eq "$rows" $((1 + 2 * 1000)) "rows for 1000 matching queries"

# Usage errors.
"$VIGIE" match "$T/q.txt" 2>/dev/null; check_eq $? 2 "--index is required"
"$VIGIE" match --index "$T/i.vgx" --radius 65 "$T/q.txt" 2>/dev/null
check_eq $? 2 "radius out of range"
"$VIGIE" match --index "$T/i.vgx" --format xml "$T/q.txt" 2>/dev/null
check_eq $? 2 "unknown format"
"$VIGIE" match --index "$T/i.vgx" --threads 0 "$T/q.txt" 2>/dev/null
check_eq $? 2 "zero threads"
"$VIGIE" match --index "$T/bank.csv" "$T/q.txt" 2>/dev/null
check_eq $? 2 "not an index"
"$VIGIE" match --index "$T/i.vgx" "$T/nope.txt" 2>/dev/null
check_eq $? 2 "missing query file"

exit $((failures > 0))
