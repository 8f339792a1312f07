#!/bin/bash
# vigie blocklist canonicalize: one line per URL in order, exit statuses.
# Expected forms are examples of the Safe Browsing v4 "URLs and Hashing" page.
set -u
: "${VIGIE:?path of the vigie binary}"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

out=$("$VIGIE" blocklist canonicalize "http://www.GOOgle.com/" "http://3279880203/blah" \
      "http://host/%25%32%35" 2>/dev/null)
check_eq "$out" $'http://www.google.com/\nhttp://195.127.0.11/blah\nhttp://host/%25' "three URLs"
"$VIGIE" blocklist canonicalize "www.google.com" >/dev/null 2>&1
check_eq "$?" 0 "exit status when all succeed"

# a URL without a host: an empty line in its place, a message, status 1
T=$(mktemp -d)
out=$("$VIGIE" blocklist canonicalize "http://a.example/" "/blah" "b.example" 2>"$T/err")
status=$?
check_eq "$out" $'http://a.example/\n\nhttp://b.example/' "lines stay in order"
check_eq "$status" 1 "exit status when one fails"
grep -q "/blah" "$T/err" || fail "the message names the URL"
rm -rf "$T"

"$VIGIE" blocklist canonicalize >/dev/null 2>&1
check_eq "$?" 2 "no URL is a usage error"
"$VIGIE" blocklist frobnicate >/dev/null 2>&1
check_eq "$?" 2 "unknown subcommand"

[ "$failures" -eq 0 ] || exit 1
echo "ok"
