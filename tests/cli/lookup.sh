#!/bin/bash
# vigie lookup: rows, formats, exit statuses, against a DNS and an RDAP
# server on 127.0.0.1 (fake_net) and a location database written for the
# test. Expected values are those of the descriptions below.
set -u
: "${VIGIE:?path of the vigie binary}"
: "${FAKE_NET:?path of the fake DNS and RDAP servers}"
T="${VIGIE_TMP:-/tmp}/lookup-$$"
rm -rf "$T" && mkdir -p "$T/rdap"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

cat > "$T/locations" <<'X'
as 64500 Example Hosting GmbH
net 192.0.2.0/24 DE 64500
as 64501 Example CDN Inc
net 198.51.100.0/24 US 64501 anycast
X
printf 'files.example.test 192.0.2.7\ncdn.example.test 198.51.100.9\nslow.example.test silent\n' > "$T/names"
cat > "$T/rdap/ip_192.0.2.7.json" <<'X'
{"objectClassName": "ip network", "entities": [{"objectClassName": "entity", "roles": ["abuse"],
 "vcardArray": ["vcard", [["fn", {}, "text", "Abuse, Example Hosting"], ["email", {}, "text", "abuse@hosting.example"]]]}]}
X
printf 'match,name,contact,language,cdn\nAS64501,Example CDN,https://cdn.example/abuse,en,yes\n' > "$T/providers.csv"

coproc NET { "$FAKE_NET" "$T/locations" "$T/location.db" "$T/names" "$T/rdap"; }
read -r dns_port rdap_port <&"${NET[0]}"
[ -n "${rdap_port:-}" ] || { echo "cannot start the fake servers" >&2; exit 1; }
cleanup() {
    exec {NET[1]}>&- 2>/dev/null
    wait "$NET_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

export VIGIE_HOSTING_TEST_ALLOW_LOCAL=1
common=(--location-db "$T/location.db" --providers "$T/providers.csv"
        --rdap-url "http://127.0.0.1:$rdap_port" --dns-servers "127.0.0.1:$dns_port" --timeout-ms 1500)

out=$("$VIGIE" lookup "${common[@]}" https://files.example.test/a.jpg cdn.example.test 2>/dev/null)
check_eq "$?" 0 "exit status when every input resolved"
want='input,host,ip,country,asn,as_name,anycast,abuse_contact,provider,contact_source,note
https://files.example.test/a.jpg,files.example.test,192.0.2.7,DE,64500,Example Hosting GmbH,no,abuse@hosting.example,"Abuse, Example Hosting",rdap,
cdn.example.test,cdn.example.test,198.51.100.9,US,64501,Example CDN Inc,yes,https://cdn.example/abuse,Example CDN,directory,'
check_eq "$out" "$want" "CSV rows"

out=$(printf 'slow.example.test\nnosuch.example.test\n' | "$VIGIE" lookup "${common[@]}" --format json - 2>/dev/null)
check_eq "$?" 1 "exit status when some inputs failed"
check_eq "$(echo "$out" | wc -l)" 2 "one JSON line per failed input"
echo "$out" | grep -q '"input":"slow.example.test".*"note":"DNS: the lookup.s deadline passed"' ||
    fail "a DNS server that never answers: $out"
echo "$out" | grep -q '"input":"nosuch.example.test".*"note":"DNS: no such host"' ||
    fail "an unknown name: $out"

# Without the test-only allowance the RDAP server on loopback is refused
# and documentation addresses are not looked up.
out=$(env -u VIGIE_HOSTING_TEST_ALLOW_LOCAL "$VIGIE" lookup "${common[@]/http:/https:}" 192.0.2.7 2>/dev/null)
echo "$out" | grep -q '192.0.2.7,,,,no,,,,"not a public address' || fail "a documentation address: $out"

"$VIGIE" lookup "${common[@]}" > /dev/null 2>&1
check_eq "$?" 2 "no input is a usage error"
"$VIGIE" lookup --format xml x > /dev/null 2>&1
check_eq "$?" 2 "a bad format is a usage error"
"$VIGIE" lookup --location-db "$T/providers.csv" 192.0.2.7 > /dev/null 2> "$T/err"
check_eq "$?" 2 "an unreadable database is a usage error"
grep -q "not a location database" "$T/err" || fail "the database error: $(cat "$T/err")"

[ "$failures" -eq 0 ] && echo "lookup: all checks passed"
exit $((failures > 0))
