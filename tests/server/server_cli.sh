#!/bin/bash
# vigie serve, admin and audit from the command line: keys shown once as
# the last line, accounts, configuration errors, TLS, SIGTERM.
set -u
fail=0
check() { # description, then a command that must succeed
    local what=$1; shift
    if ! "$@"; then echo "FAIL: $what" >&2; fail=1; fi
}
command -v curl >/dev/null || { echo "curl missing" >&2; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 missing (deps/debian.txt, group test)" >&2; exit 77; }
tmp=$(mktemp -d "${VIGIE_TMP:-/tmp}/server-cli.XXXXXX" 2>/dev/null || mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
pid=
data=$tmp/data

# accounts and keys
echo 'a password long enough' | "$VIGIE" admin --data-dir "$data" create-admin --user root >/dev/null
check "create-admin" test $? -eq 0
echo 'short' | "$VIGIE" admin --data-dir "$data" create-user --user bob --role analyst 2>/dev/null
check "short password refused (exit 2)" test $? -eq 2
echo 'a password long enough' | "$VIGIE" admin --data-dir "$data" create-user --user bob --role king 2>/dev/null
check "unknown role refused" test $? -eq 2
echo 'a password long enough' | "$VIGIE" admin --data-dir "$data" create-user --user bob --role analyst >/dev/null
check "create-user" test $? -eq 0
echo 'a password long enough' | "$VIGIE" admin --data-dir "$data" create-user --user bob --role analyst 2>/dev/null
check "duplicate user refused" test $? -eq 2
"$VIGIE" admin --data-dir "$data" create-api-key --org "Example Platform" --rate 50 >"$tmp/key.out"
check "create-api-key" test $? -eq 0
key=$(tail -n 1 "$tmp/key.out")
check "the key is the last line" grep -Eq '^vg_[0-9a-f]{64}$' <<<"$key"
# grep exits 1 when it read every file and found nothing (2 when it could
# not read one): only 1 passes
stored=("$data/vigie.db")
[ -e "$data/vigie.db-wal" ] && stored+=("$data/vigie.db-wal")
grep -aq -- "${key#vg_}" "${stored[@]}"
check "the key is not stored" test $? -eq 1
check "list-api-keys shows the prefix, not the key" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^1,${key:0:11},Example Platform,50,no,50,\"report\"$'"
check "list-api-keys: trust, then scopes, are the last columns" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | head -n 1 | grep -qx 'id,prefix,org,rate,revoked,trust,scopes'"
# per-key trust: 0 to 100, stored, listed, changed
"$VIGIE" admin --data-dir "$data" create-api-key --org "Police Unit" --trust 80 >"$tmp/key2.out"
check "create-api-key --trust 80" test $? -eq 0
check "list-api-keys shows trust 80" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^2,vg_[0-9a-f]*,Police Unit,0,no,80,\"report\"$'"
for bad in 101 -1 x '' 5x; do
    "$VIGIE" admin --data-dir "$data" create-api-key --org "Bad Trust" --trust "$bad" >/dev/null 2>"$tmp/err"
    check "create-api-key --trust '$bad' refused (exit 2)" test $? -eq 2
done
check "the refusal says why" grep -q -- '--trust is a whole number from 0 to 100' "$tmp/err"
"$VIGIE" admin --data-dir "$data" list-api-keys >"$tmp/keys"
check "list-api-keys after the refusals" test $? -eq 0
check "refused keys are not created" test "$(grep -c 'Bad Trust' "$tmp/keys")" = 0
"$VIGIE" admin --data-dir "$data" set-api-key-trust --id 2 --trust 20 >/dev/null
check "set-api-key-trust --id" test $? -eq 0
check "set-api-key-trust changes it" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^2,vg_[0-9a-f]*,Police Unit,0,no,20,\"report\"$'"
"$VIGIE" admin --data-dir "$data" set-api-key-trust --prefix "${key:0:11}" --trust 100 >/dev/null
check "set-api-key-trust --prefix" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^1,${key:0:11},Example Platform,50,no,100,\"report\"$'"
"$VIGIE" admin --data-dir "$data" set-api-key-trust --id 2 --trust 101 2>/dev/null
check "set-api-key-trust --trust 101 refused" test $? -eq 2
"$VIGIE" admin --data-dir "$data" set-api-key-trust --id 2 2>/dev/null
check "set-api-key-trust without --trust refused" test $? -eq 2
"$VIGIE" admin --data-dir "$data" set-api-key-trust --trust 10 2>/dev/null
check "set-api-key-trust without a key refused" test $? -eq 2
"$VIGIE" admin --data-dir "$data" set-api-key-trust --id 99 --trust 10 2>/dev/null
check "set-api-key-trust of an unknown key: exit 2" test $? -eq 2
check "trust still 20 after the refusals" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^2,vg_[0-9a-f]*,Police Unit,0,no,20,\"report\"$'"
audit_detail() { sqlite3 "$data/vigie.db" "SELECT detail FROM audit WHERE action = '$1' AND target = '$2'"; }
check "key creation audits its trust and scopes" test "$(audit_detail apikey.create key:2)" = '{"org":"Police Unit","scopes":"report","trust":80}'
# scopes: given at creation, changed, refused when they are not scopes
"$VIGIE" admin --data-dir "$data" create-api-key --org "Matcher" --scopes match,hash >"$tmp/key3.out"
check "create-api-key --scopes match,hash" test $? -eq 0
check "list-api-keys shows the scopes in their order" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^3,vg_[0-9a-f]*,Matcher,0,no,50,\"hash,match\"$'"
for bad in admin '' 'hash,,x' Match; do
    "$VIGIE" admin --data-dir "$data" create-api-key --org "Bad Scope" --scopes "$bad" >/dev/null 2>"$tmp/err"
    check "create-api-key --scopes '$bad' refused (exit 2)" test $? -eq 2
done
check "the scope refusal says why" grep -q -- '--scopes is a comma-separated list' "$tmp/err"
"$VIGIE" admin --data-dir "$data" set-api-key-scopes --id 3 --scopes all >/dev/null
check "set-api-key-scopes --id" test $? -eq 0
check "set-api-key-scopes changes them" bash -c "'$VIGIE' admin --data-dir '$data' list-api-keys | grep -q '^3,vg_[0-9a-f]*,Matcher,0,no,50,\"report,hash,match,curate,stats,blocklist\"$'"
"$VIGIE" admin --data-dir "$data" set-api-key-scopes --id 3 2>/dev/null
check "set-api-key-scopes without --scopes refused" test $? -eq 2
"$VIGIE" admin --data-dir "$data" set-api-key-scopes --id 99 --scopes hash 2>/dev/null
check "set-api-key-scopes of an unknown key: exit 2" test $? -eq 2
check "a scope change is audited" test "$(audit_detail apikey.scopes key:3)" = '{"scopes":"report,hash,match,curate,stats,blocklist"}'
check "a trust change is audited" test "$(audit_detail apikey.trust key:2)" = '{"trust":20}'
check "list-users" bash -c "'$VIGIE' admin --data-dir '$data' list-users | grep -q '^bob,analyst,no,no,0,0,$'"
"$VIGIE" admin --data-dir "$data" set-language --user bob --language de >/dev/null
check "set-language" test $? -eq 0
check "list-users shows the language" bash -c "'$VIGIE' admin --data-dir '$data' list-users | grep -q '^bob,analyst,no,no,0,0,de$'"
check "a language change is audited" test "$(audit_detail account.language bob)" = '{"language":"de"}'
"$VIGIE" admin --data-dir "$data" set-language --user bob --language xx 2>/dev/null
check "set-language to a language with no catalogue: exit 2" test $? -eq 2
check "... and nothing changed" bash -c "'$VIGIE' admin --data-dir '$data' list-users | grep -q '^bob,analyst,no,no,0,0,de$'"
"$VIGIE" admin --data-dir "$data" set-language --user nobody --language fr 2>/dev/null
check "set-language of an unknown user: exit 2" test $? -eq 2
"$VIGIE" admin --data-dir "$data" set-language --user bob --language none >/dev/null
check "set-language none clears it" bash -c "'$VIGIE' admin --data-dir '$data' list-users | grep -q '^bob,analyst,no,no,0,0,$'"
"$VIGIE" admin --data-dir "$data" enable-totp --user bob | tail -n 1 | grep -Eq '^otpauth://totp/vigie:bob\?secret=[A-Z2-7]{32}&'
check "enable-totp prints the URI" test $? -eq 0
"$VIGIE" admin --data-dir "$data" disable-user --user nobody 2>/dev/null
check "unknown user: exit 2" test $? -eq 2
"$VIGIE" admin create-user 2>/dev/null
check "no data dir: exit 2" test $? -eq 2

# configuration errors name the line
printf 'data_dir = %s\nlisten = 127.0.0.1:0\nlisten = 127.0.0.1:1\n' "$data" >"$tmp/dup.conf"
"$VIGIE" serve --config "$tmp/dup.conf" 2>"$tmp/err"
check "duplicate key: exit 2" test $? -eq 2
check "duplicate key: line named" grep -q 'dup.conf:3' "$tmp/err"
printf 'data_dir = %s\nhttp.body_limit = lots\n' "$data" >"$tmp/bad.conf"
"$VIGIE" serve --config "$tmp/bad.conf" 2>"$tmp/err"
check "bad value: exit 2" test $? -eq 2
check "bad value: key named" grep -q 'http.body_limit' "$tmp/err"

# serve, with TLS when openssl can make a certificate
printf 'data_dir = %s\nlisten = 127.0.0.1:0\nhttp.secure_cookies = true\n' "$data" >"$tmp/server.conf"
scheme=http
if command -v openssl >/dev/null && openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
        -subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
    printf 'tls.cert = %s\ntls.key = %s\n' "$tmp/cert.pem" "$tmp/key.pem" >>"$tmp/server.conf"
    scheme=https
fi
"$VIGIE" serve --config "$tmp/server.conf" 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*"msg":"listening","port":\([0-9]*\).*/\1/p' "$tmp/log")
    [ -n "$port" ] && break
    sleep 0.1
done
check "the server says where it listens" test -n "$port"
body=$(curl -sk "$scheme://127.0.0.1:$port/healthz")
check "healthz over $scheme" test "$body" = '{"status":"ok"}'
status=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$scheme://127.0.0.1:$port/console")
check "a partner key does not open the console" test "$status" = 403
# two reports for the statistics below
for body in '{"category":"image_video","urls":["https://a.example/1"]}' \
            '{"category":"livestream","urls":["https://a.example/2","https://a.example/3"]}'; do
    status=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -d "$body" "$scheme://127.0.0.1:$port/api/v1/reports")
    check "a report for the statistics: 201" test "$status" = 201
done
kill -TERM "$pid"
wait "$pid"
check "SIGTERM: exit 0" test $? -eq 0
pid=
check "stopped is logged" grep -q '"msg":"stopped"' "$tmp/log"
check "every log line is JSON" bash -c "grep -vc '^{\"ts\":\"' '$tmp/log' | grep -qx 0"

# a second start with another configuration: audited as a change
printf 'login.max_failures = 7\n' >>"$tmp/server.conf"
"$VIGIE" serve --config "$tmp/server.conf" 2>"$tmp/log2" &
pid=$!
for _ in $(seq 100); do
    grep -q '"msg":"listening"' "$tmp/log2" && break
    sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
pid=

"$VIGIE" audit verify --data-dir "$data" >"$tmp/audit"
check "audit verify: exit 0" test $? -eq 0
# 11 admin changes (3 of them for key trust: a key created, 2 trust
# changes; 2 for scopes: a key created with scopes, a change; 2 languages:
# set, then cleared), the first configuration, one configuration change,
# and the alert the live-stream report raised
check "audit verify counts every entry" grep -q 'holds: 14 entries' "$tmp/audit"

# statistics (docs/stats.md): the two reports, by category, as CSV and JSON
"$VIGIE" stats --data-dir "$data" --by category >"$tmp/stats"
check "stats: exit 0" test $? -eq 0
check "stats: a column per dimension, then the measures" \
    grep -qx 'category,reports,cases,duplicates,files,known_files,new_files,videos,urls,assessed,csam,other_illegal,not_illegal,age_undetermined,automatic,looked,routed,noticed,notices,renotices,escalations,removed,reappearances,blocked,appeals,flag_self_generated,flag_ai_suspected,flag_livestreamed,flag_commercial,flag_grooming,flag_sextortion,interpol_baseline,first_look_24h,first_look_3d,first_look_7d,first_look_over_42d,assessed_24h,assessed_3d,assessed_7d,assessed_over_42d,notice_24h,notice_3d,notice_7d,notice_over_42d,removal_24h,removal_3d,removal_7d,removal_over_42d,first_look_median_h,assessed_median_h,assessed_p90_h,first_look_p90_h,notice_median_h,notice_p90_h,removal_median_h,removal_p90_h' "$tmp/stats"
check "stats: one row per category, counted" \
    bash -c "grep -qx 'image_video,1,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,,,,,' '$tmp/stats' &&
             grep -qx 'livestream,1,1,0,0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,,,,,' '$tmp/stats' &&
             test \$(wc -l < '$tmp/stats') -eq 3"
today=$(date -u +%Y-%m-%d)
"$VIGIE" stats --data-dir "$data" --by decided --format json --to "$today" >"$tmp/stats"
check "stats --to today excludes today's reports" test ! -s "$tmp/stats"
"$VIGIE" stats --data-dir "$data" --by decided --format json >"$tmp/stats"
check "stats --format json" grep -qx '{"decided":"pending","reports":2,.*"urls":3,.*"removal_p90_h":null}' "$tmp/stats"
"$VIGIE" stats --data-dir "$data" --by colour 2>/dev/null
check "stats --by an unknown dimension: exit 2" test $? -eq 2
"$VIGIE" stats --data-dir "$data" --from 2026-02-30 2>/dev/null
check "stats --from a date that does not exist: exit 2" test $? -eq 2
"$VIGIE" audit verify 2>/dev/null
check "audit verify without data dir: exit 2" test $? -eq 2
exit $fail
