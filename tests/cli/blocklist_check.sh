#!/bin/bash
# vigie blocklist check against a real vigie serve on loopback: entries
# planted through two people's proposal and approval (blocklist_plant),
# listed and unlisted URLs, the state file (a second run asks only for the
# update, a removal arrives as one), a damaged state, formats and exit
# statuses. Which URLs are listed follows from the Safe Browsing v4
# expressions (host suffixes times path prefixes) of the planted entries.
set -u
: "${VIGIE:?path of the vigie binary}" "${BLOCKLIST_PLANT:?path of blocklist_plant}"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }
tmp=$(mktemp -d "${VIGIE_TMP:-/tmp}/blcheck.XXXXXX" 2>/dev/null || mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export VIGIE_BLOCKLIST_TEST_ALLOW_LOCAL=1

"$BLOCKLIST_PLANT" "$tmp" add >"$tmp/planted" || { echo "planting failed" >&2; exit 1; }
key=$(head -n 1 "$tmp/planted")
report0=$(sed -n 's|^http://www.evil.com/blah#frag \([0-9]*\)$|\1|p' "$tmp/planted")
printf 'data_dir = %s/data\nlisten = 127.0.0.1:0\nrouting.country = FR\nblocklist.legal_bases = Art. 6-1, LCEN\nblocklist.stop_host = stop.hotline.example\n' \
    "$tmp" >"$tmp/server.conf"

serve() {
    "$VIGIE" serve --config "$tmp/server.conf" 2>"$tmp/log" &
    pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/.*"msg":"listening","port":\([0-9]*\).*/\1/p' "$tmp/log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "the server did not start" >&2; cat "$tmp/log" >&2; exit 1; }
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }
check() { "$VIGIE" blocklist check --server "http://127.0.0.1:$port" --key "$key" "$@"; }

serve
state=$tmp/member.state
out=$(check --state "$state" "http://www.evil.com/blah" "http://HOST.com/ab%23cd?" \
      "http://x.notrailingslash.com/a/b.html" "http://evil.com/blah" "http://unlisted.example/" \
      2>"$tmp/err")
check_eq "$?" 0 "exit status when every URL was checked"
check_eq "$out" "url,listed,expression
http://www.evil.com/blah,yes,www.evil.com/blah
http://HOST.com/ab%23cd?,yes,host.com/ab%23cd
http://x.notrailingslash.com/a/b.html,yes,notrailingslash.com/
http://evil.com/blah,no,
http://unlisted.example/,no," "first run"
grep -q "version 4 (from 0), whole list: 4 added, 0 removed, 4 prefixes" "$tmp/err" ||
    fail "the first run downloads the whole list: $(cat "$tmp/err")"

# a second run asks only for the update since version 4 (none)
out=$(check --state "$state" --format json "http://www.evil.com/blah" 2>"$tmp/err")
check_eq "$out" '{"url":"http://www.evil.com/blah","listed":"yes","expression":"www.evil.com/blah"}' "json"
grep -q "version 4 (from 4), update: 0 added, 0 removed, 4 prefixes" "$tmp/err" ||
    fail "the second run asks only for the update: $(cat "$tmp/err")"

# the page's material gone: the next run's update removes it (the server
# again at the same address, which the state file names)
stop
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" "$tmp/server.conf"
"$BLOCKLIST_PLANT" "$tmp" remove "$report0" "http://www.evil.com/blah#frag" || fail "removal"
serve
out=$(check --state "$state" "http://www.evil.com/blah" "http://host.com/ab%23cd" 2>"$tmp/err")
check_eq "$out" "url,listed,expression
http://www.evil.com/blah,no,
http://host.com/ab%23cd,yes,host.com/ab%23cd" "after the removal"
grep -q "version 5 (from 4), update: 0 added, 1 removed, 3 prefixes" "$tmp/err" ||
    fail "the removal comes as an update: $(cat "$tmp/err")"

# a damaged state: a message, the whole list again, the same answers, and
# a good state written for the next run
printf 'X' | dd of="$state" bs=1 seek=$(( $(stat -c %s "$state") - 1 )) conv=notrunc 2>/dev/null
out=$(check --state "$state" "http://host.com/ab%23cd" 2>"$tmp/err")
check_eq "$?" 0 "exit status with a damaged state"
check_eq "$out" "url,listed,expression
http://host.com/ab%23cd,yes,host.com/ab%23cd" "with a damaged state"
grep -q "do not match its checksum; downloading the whole list" "$tmp/err" ||
    fail "the damaged state is reported: $(cat "$tmp/err")"
grep -q "version 5 (from 0), whole list" "$tmp/err" || fail "whole list after damage"
check --state "$state" "http://host.com/" 2>"$tmp/err" >/dev/null
grep -q "(from 5), update" "$tmp/err" || fail "the state is good again: $(cat "$tmp/err")"

# a URL that is no address: an error row, status 1
out=$(check "http://host.com/ab%23cd" "/nohost" 2>"$tmp/err")
check_eq "$?" 1 "exit status when one URL could not be checked"
check_eq "$out" "url,listed,expression
http://host.com/ab%23cd,yes,host.com/ab%23cd
/nohost,error," "error row"

# a wrong key: no verdicts, status 1
"$VIGIE" blocklist check --server "http://127.0.0.1:$port" --key vg_nokey "http://a.example/" \
    >"$tmp/out" 2>"$tmp/err"
check_eq "$?" 1 "exit status with a refused key"
check_eq "$(cat "$tmp/out")" "" "no verdict with a refused key"
grep -q "401" "$tmp/err" || fail "the refusal names the answer: $(cat "$tmp/err")"
stop

# plain http to loopback without the test allowance is refused
VIGIE_BLOCKLIST_TEST_ALLOW_LOCAL= "$VIGIE" blocklist check --server "http://127.0.0.1:$port" \
    --key "$key" "http://a.example/" >/dev/null 2>"$tmp/err"
check_eq "$?" 1 "exit status without the allowance"
grep -q "https://" "$tmp/err" || fail "the refusal says https: $(cat "$tmp/err")"

# usage
"$VIGIE" blocklist check --server "http://127.0.0.1:1" "http://a.example/" >/dev/null 2>&1
check_eq "$?" 2 "no key"
"$VIGIE" blocklist check --server "http://127.0.0.1:1" --key k >/dev/null 2>&1
check_eq "$?" 2 "no URL"
"$VIGIE" blocklist check --server "http://127.0.0.1:1" --key k --format xml x >/dev/null 2>&1
check_eq "$?" 2 "unknown format"

[ "$failures" -eq 0 ] || exit 1
echo "ok"
