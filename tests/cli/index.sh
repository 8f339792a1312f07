#!/usr/bin/env bash
# The `vigie index` contract (docs/match.md): build from CSV and plain banks,
# bad lines with line numbers and --skip-bad, --type pdq, info, verify,
# add/remove/compact, refusal of damaged or foreign files, exit codes.
set -u
: "${VIGIE:?path of the vigie binary}"
T="${VIGIE_TMP:-/tmp}/index-$$"
rm -rf "$T" && mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }
info() { "$VIGIE" index info "$1" | sed -n "s/^$2: //p"; }

MD5=d41d8cd98f00b204e9800998ecf8427e
SHA1=da39a3ee5e6b4b0d3255bfef95601890afd80709
F64=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
Z64=0000000000000000000000000000000000000000000000000000000000000000

printf 'signal_type,signal,id,category\nmd5,%s,m1,A1\npdq,%s,p1,B\nsha1,%s,s1,\n' \
  "$MD5" "$F64" "$SHA1" > "$T/bank.csv"
printf '%s\n%s\n' "$Z64" "$F64" > "$T/plain.txt"

# --- build --------------------------------------------------------------------
"$VIGIE" index build -o "$T/a.vgx" "$T/bank.csv" "$T/plain.txt"
check_eq $? 0 "build exit status"
check_eq "$(info "$T/a.vgx" entries)" 5 "entries"
check_eq "$(info "$T/a.vgx" sha256)" 2 "plain 64-digit lines are sha256 by default"
check_eq "$(info "$T/a.vgx" banks)" 2 "banks"
check_eq "$("$VIGIE" index info "$T/a.vgx" | grep -c '^bank: ')" 2 "bank names listed"
"$VIGIE" index build --type pdq -o "$T/b.vgx" "$T/plain.txt"
check_eq "$(info "$T/b.vgx" pdq)" 2 "--type pdq"
out=$("$VIGIE" index verify "$T/a.vgx")
check_eq $? 0 "verify exit status"

# --- bad lines ----------------------------------------------------------------
printf '%s\nnot-a-hash\n%s\n12345\n' "$MD5" "$MD5" > "$T/bad.txt"
err=$("$VIGIE" index build -o "$T/c.vgx" "$T/bad.txt" 2>&1 >/dev/null)
check_eq $? 1 "a bank with bad lines is refused"
[ -e "$T/c.vgx" ] && fail "no index is written when a bank is refused"
grep -q 'line 2' <<<"$err" || fail "bad line 2 reported: $err"
grep -q 'line 4' <<<"$err" || fail "bad line 4 reported: $err"
"$VIGIE" index build --skip-bad -o "$T/c.vgx" "$T/bad.txt" 2>/dev/null
check_eq $? 0 "--skip-bad builds"
check_eq "$(info "$T/c.vgx" entries)" 2 "--skip-bad keeps the good lines"

# --- usage errors -------------------------------------------------------------
"$VIGIE" index build "$T/bank.csv" 2>/dev/null; check_eq $? 2 "build without -o"
"$VIGIE" index build -o "$T/d.vgx" 2>/dev/null; check_eq $? 2 "build without banks"
"$VIGIE" index build --type blake3 -o "$T/d.vgx" "$T/plain.txt" 2>/dev/null
check_eq $? 2 "unknown --type"
"$VIGIE" index frobnicate 2>/dev/null; check_eq $? 2 "unknown subcommand"
"$VIGIE" index build -o "$T/d.vgx" "$T/missing.csv" 2>/dev/null
check_eq $? 1 "missing bank file"

# --- add, remove, compact -----------------------------------------------------
printf 'signal_type,signal,id\npdq,%s,new\n' "$Z64" > "$T/more.csv"
cp "$T/b.vgx" "$T/m.vgx"
"$VIGIE" index add "$T/m.vgx" "$T/more.csv"; check_eq $? 0 "add"
check_eq "$(info "$T/m.vgx" delta-entries)" 1 "added entries sit in the delta"
out=$("$VIGIE" index remove "$T/m.vgx" 0 new)
check_eq "$out" "removed 2 entries" "remove by id"
check_eq "$(info "$T/m.vgx" live-entries)" 1 "live entries after remove"
"$VIGIE" index compact "$T/m.vgx"; check_eq $? 0 "compact"
check_eq "$(info "$T/m.vgx" entries)" 1 "compact drops removed entries"
check_eq "$(info "$T/m.vgx" removed)" 0 "compact clears tombstones"
"$VIGIE" index verify "$T/m.vgx" >/dev/null; check_eq $? 0 "verify after compact"

# --- damaged and foreign files ------------------------------------------------
err=$("$VIGIE" index info "$T/bank.csv" 2>&1); check_eq $? 1 "info on a CSV"
grep -q 'not a vigie index' <<<"$err" || fail "foreign file message: $err"
head -c 5000 "$T/a.vgx" > "$T/trunc.vgx"
err=$("$VIGIE" index info "$T/trunc.vgx" 2>&1); check_eq $? 1 "truncated index"
grep -q 'truncated' <<<"$err" || fail "truncation message: $err"
cp "$T/a.vgx" "$T/flip.vgx"
size=$(stat -c %s "$T/flip.vgx")
printf '\x55' | dd of="$T/flip.vgx" bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
"$VIGIE" index verify "$T/flip.vgx" >/dev/null 2>&1
check_eq $? 1 "a flipped byte is found"

exit $((failures > 0))
