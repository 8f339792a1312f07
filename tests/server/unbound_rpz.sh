#!/bin/bash
# The members' response policy zone (GET /api/v1/blocklist/rpz) loaded into
# a real Unbound on loopback: a listed domain and the names below it answer
# with the stop host, its parent and an unlisted name with their own data.
# Every name is in a zone this Unbound holds itself (nothing leaves the
# machine); the policy must win over it. Entries are planted through two people's
# proposal and approval (blocklist_plant).
set -u
: "${VIGIE:?path of the vigie binary}" "${BLOCKLIST_PLANT:?path of blocklist_plant}"
command -v unbound >/dev/null || { echo "unbound missing (deps/debian.txt, group test)" >&2; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing" >&2; exit 77; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }
tmp=$(mktemp -d "${VIGIE_TMP:-/tmp}/unbound-rpz.XXXXXX" 2>/dev/null || mktemp -d)
pid=
upid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$upid" ] && kill $upid 2>/dev/null; rm -rf "$tmp"' EXIT

"$BLOCKLIST_PLANT" "$tmp" add >"$tmp/planted" || { echo "planting failed" >&2; exit 1; }
key=$(head -n 1 "$tmp/planted")
printf 'data_dir = %s/data\nlisten = 127.0.0.1:0\nrouting.country = FR\nblocklist.legal_bases = Art. 6-1, LCEN\nblocklist.stop_host = stop.hotline.example\n' \
    "$tmp" >"$tmp/server.conf"
"$VIGIE" serve --config "$tmp/server.conf" 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*"msg":"listening","port":\([0-9]*\).*/\1/p' "$tmp/log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start" >&2; exit 1; }
status=$(curl -s -o "$tmp/rpz.zone" -w '%{http_code}' -H "Authorization: Bearer $key" \
    "http://127.0.0.1:$port/api/v1/blocklist/rpz")
check_eq "$status" 200 "the zone is served"
kill -TERM "$pid"; wait "$pid"; pid=

# the names' own data: a zone Unbound serves to itself as if it were the
# names' authority (local data would be answered before any policy)
cat >"$tmp/com.zone" <<ZONE
com. 300 IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300
com. 300 IN NS localhost.
notrailingslash.com. 300 IN A 198.51.100.1
a.b.notrailingslash.com. 300 IN A 198.51.100.2
www.gotaport.com. 300 IN A 198.51.100.3
gotaport.com. 300 IN A 198.51.100.4
unlisted.com. 300 IN A 198.51.100.5
ZONE
cat >"$tmp/hotline.zone" <<ZONE
hotline.example. 300 IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300
hotline.example. 300 IN NS localhost.
stop.hotline.example. 300 IN A 192.0.2.80
ZONE
# a free UDP and TCP port for Unbound
dns_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    port: $dns_port
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$tmp"
    pidfile: ""
    use-syslog: no
    logfile: "$tmp/unbound.log"
    verbosity: 1
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    module-config: "respip iterator"
auth-zone:
    name: "com."
    zonefile: "$tmp/com.zone"
    for-downstream: no
    for-upstream: yes
    fallback-enabled: no
auth-zone:
    name: "hotline.example."
    zonefile: "$tmp/hotline.zone"
    for-downstream: no
    for-upstream: yes
    fallback-enabled: no
rpz:
    name: "rpz.hotline.example."
    zonefile: "$tmp/rpz.zone"
CONF
unbound-checkconf "$tmp/unbound.conf" >/dev/null || { fail "unbound rejects the configuration"; exit 1; }
unbound -c "$tmp/unbound.conf" 2>"$tmp/unbound.err" &
upid=$!

# The A records a name resolves to (through the CNAME the policy answers
# with), one per line; empty for no answer.
resolve() {
    python3 - "$dns_port" "$1" <<'PY'
import socket, struct, sys
port, name = int(sys.argv[1]), sys.argv[2]
q = struct.pack(">HHHHHH", 0x5151, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, ("127.0.0.1", port))
r = s.recv(4096)
def skip(o):
    while True:
        n = r[o]
        if n == 0: return o + 1
        if n >= 0xC0: return o + 2
        o += n + 1
an = struct.unpack(">H", r[6:8])[0]
o = skip(12) + 4
for _ in range(an):
    o = skip(o)
    t, c, ttl, l = struct.unpack(">HHIH", r[o:o + 10])
    o += 10
    if t == 1:
        print(".".join(str(b) for b in r[o:o + 4]))
    o += l
PY
}
ready=
for _ in $(seq 100); do
    [ -n "$(resolve stop.hotline.example 2>/dev/null)" ] && { ready=1; break; }
    sleep 0.1
done
[ -n "$ready" ] || { fail "unbound did not answer"; cat "$tmp/unbound.err" "$tmp/unbound.log" >&2; exit 1; }

check_eq "$(resolve notrailingslash.com)" 192.0.2.80 "a listed domain leads to the stop host"
check_eq "$(resolve a.b.notrailingslash.com)" 192.0.2.80 "a name below a listed domain too"
check_eq "$(resolve www.gotaport.com)" 192.0.2.80 "the second listed domain"
check_eq "$(resolve gotaport.com)" 198.51.100.4 "the parent of a listed domain is not blocked"
check_eq "$(resolve unlisted.com)" 198.51.100.5 "an unlisted name is not blocked"
grep -q "notrailingslash.com CNAME stop.hotline.example." "$tmp/rpz.zone" || fail "the zone names the stop host"

[ "$failures" -eq 0 ] || exit 1
echo "ok"
