#!/usr/bin/env bash
# The `vigie crawl` contract (vigie crawl --help, docs/cli.md): a synthetic
# web site on loopback (python3's http.server over a folder of the test's
# own) with pages linking pictures of vigie-samples and the shared test
# images and a video of vigie-sample-videos, some of them known to a bank:
# known by digest, by PDQ (also through a rotated copy) and by vPDQ,
# unknown pictures, a page that is gone, robots.txt obeyed but for the URL
# given, the depth bound, a takedown (the picture deleted: an error row)
# and a re-upload (known again, on another page too), loopback refused
# without --allow-private, exit codes.
set -u
: "${VIGIE:?path of the vigie binary}"
: "${VIGIE_SAMPLE_VIDEOS:?path of vigie-sample-videos}"
T="${VIGIE_TMP:-/tmp}/crawl-$$"
rm -rf "$T" && mkdir -p "$T"
server=
trap '[ -n "$server" ] && kill "$server"; rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

if [ -z "${VIGIE_SAMPLES:-}" ] || ! "$VIGIE_SAMPLES" "$T/s" > /dev/null 2>&1 ||
    [ ! -f "$T/s/city/city.jpg" ] || [ -z "${VIGIE_SHARED:-}" ]; then
  echo "vigie-samples or ../shared unavailable: skipped"
  exit 77
fi
"$VIGIE_SAMPLE_VIDEOS" "$T/v" > /dev/null || { echo "cannot make the sample videos" >&2; exit 1; }
BRIDGE="$VIGIE_SHARED/testdata/pdq/images/bridge-1-original.jpg"

# --- the site ----------------------------------------------------------------
W="$T/www"
mkdir -p "$W/img" "$W/private" "$W/mirror"
cp "$T/s/city/city.jpg" "$T/s/city/city-rot90.png" "$T/s/landscape/landscape.jpg" "$W/img/"
cp "$BRIDGE" "$W/img/bridge.jpg"
cp "$T/v/pan.mp4" "$W/img/pan.mp4"
cat > "$W/index.html" <<'EOF'
<html><body><h1>gallery</h1>
<a href="page2.html">next</a> <a href="private/hidden.html">hidden</a>
<a href="gone.html">gone</a> <a href="http://elsewhere.example/x.html">elsewhere</a>
<img src="img/city.jpg"><img src="/img/landscape.jpg" alt="unknown">
</body></html>
EOF
cat > "$W/page2.html" <<'EOF'
<html><body><a href="page3.html">deeper</a>
<img srcset="img/city-rot90.png 2x"><img src="img/bridge.jpg"><video src="img/pan.mp4"></video>
<div><table><tr><td><a href=broken.html<img src=<<"
</body></html>
EOF
echo '<p>three</p><a href="mirror/again.html">again</a>' > "$W/page3.html"
echo '<img src="../img/bridge.jpg">' > "$W/private/hidden.html"
printf 'User-agent: *\nDisallow: /private/\n' > "$W/robots.txt"

# The bank: city by PDQ, the bridge by MD5, the video by vPDQ.
row() { "$VIGIE" hash --no-progress "$1" | tail -1; }
PDQ=$(row "$T/s/city/city.jpg" | cut -d, -f7)
MD5=$(md5sum < "$BRIDGE" | cut -d' ' -f1)
printf 'signal_type,signal,id\npdq,%s,city-pdq\nmd5,%s,bridge-md5\n' "$PDQ" "$MD5" > "$T/bank.csv"
mkdir "$T/videos"
"$VIGIE" hash --no-progress --vpdq-dir "$T/videos" "$T/v/pan.mp4" > /dev/null
"$VIGIE" index build -o "$T/i.vgx" "$T/bank.csv" "$T/videos" > /dev/null || fail "index build"

# python3's web server on an ephemeral loopback port; its first line names it.
mkfifo "$T/fifo"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$W" > "$T/fifo" 2> "$T/server.log" &
server=$!
exec 3< "$T/fifo"
read -r line <&3
PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' <<<"$line")
[ -n "$PORT" ] || { echo "the test's web server did not start: $line" >&2; exit 1; }
SITE="http://127.0.0.1:$PORT"

crawl() { "$VIGIE" crawl --index "$T/i.vgx" --rate 0 "$@" 2> "$T/err"; }

# --- a crawl -----------------------------------------------------------------
out=$(crawl --allow-private --depth 1 "$SITE/")
check_eq "$?" 1 "exit status with a page gone"
check_eq "$(head -1 <<<"$out")" "page,media,status,signal_type,match,distance,error" "header"
grep -q "^$SITE/,$SITE/img/city.jpg,known,pdq,city-pdq,0,$" <<<"$out" || fail "known by PDQ: $out"
grep -q "^$SITE/,$SITE/img/landscape.jpg,unknown,,,,$" <<<"$out" || fail "unknown picture"
grep -q "^$SITE/page2.html,$SITE/img/city-rot90.png,known,pdq_[a-z0-9_]*,city-pdq," <<<"$out" ||
  fail "a rotated copy known through a dihedral variant"
grep -q "^$SITE/page2.html,$SITE/img/bridge.jpg,known,md5,bridge-md5,0,$" <<<"$out" ||
  fail "known by MD5"
grep -q "^$SITE/page2.html,$SITE/img/pan.mp4,known,vpdq,pan,,$" <<<"$out" || fail "known by vPDQ"
grep -q "^$SITE/gone.html,,error,,,,.*404" <<<"$out" || fail "a page gone is an error row"
grep -q "hidden.html\|elsewhere\|page3" <<<"$out" && fail "robots.txt, other hosts, depth: $out"
grep -q "hidden.html" "$T/server.log" && fail "robots.txt not obeyed"
grep -q "page3.html" "$T/server.log" && fail "depth 1 fetched a page at depth 2"
grep -q "1 refused by robots.txt" "$T/err" || fail "summary: $(cat "$T/err")"

# The URL given is fetched whatever robots.txt says.
out=$(crawl --allow-private "$SITE/private/hidden.html")
check_eq "$?" 0 "exit status, everything fetched"
grep -q "^$SITE/private/hidden.html,$SITE/img/bridge.jpg,known,md5,bridge-md5,0,$" <<<"$out" ||
  fail "a reported URL inside robots.txt's refusal: $out"

# Takedown: the bridge deleted; re-upload: put back under another page too.
rm "$W/img/bridge.jpg"
out=$(crawl --allow-private "$SITE/page2.html" --depth 0)
check_eq "$?" 1 "exit status after the takedown"
grep -q "^$SITE/page2.html,$SITE/img/bridge.jpg,error,,,,.*404" <<<"$out" ||
  fail "the picture taken down: $out"
cp "$BRIDGE" "$W/mirror/bridge-copy.jpg"
cp "$BRIDGE" "$W/img/bridge.jpg"
echo '<img src="bridge-copy.jpg">' > "$W/mirror/again.html"
out=$(crawl --allow-private --depth 3 "$SITE/page2.html")
grep -q "^$SITE/page2.html,$SITE/img/bridge.jpg,known,md5,bridge-md5,0,$" <<<"$out" ||
  fail "re-uploaded at the same URL: $out"
grep -q "^$SITE/mirror/again.html,$SITE/mirror/bridge-copy.jpg,known,md5,bridge-md5,0,$" <<<"$out" ||
  fail "found again elsewhere: $out"

# --max-pages: the seed alone.
out=$(crawl --allow-private --max-pages 1 "$SITE/")
grep -q "page2.html" <<<"$out" && fail "--max-pages 1 went on: $out"

# Loopback without --allow-private: refused, nothing asked of the server.
before=$(grep -c '"GET / ' "$T/server.log")
out=$(crawl "$SITE/")
check_eq "$?" 1 "exit status when refused"
grep -q "^$SITE/,,error,,,,.*127.0.0.1 is not a public one" <<<"$out" || fail "loopback refused: $out"
check_eq "$(grep -c '"GET / ' "$T/server.log")" "$before" "no request reached the server"

# Usage.
"$VIGIE" crawl "$SITE/" > /dev/null 2>&1
check_eq "$?" 2 "no --index"
"$VIGIE" crawl --index "$T/i.vgx" > /dev/null 2>&1
check_eq "$?" 2 "no URL"
"$VIGIE" crawl --index "$T/i.vgx" --depth x "$SITE/" > /dev/null 2>&1
check_eq "$?" 2 "bad --depth"
"$VIGIE" crawl --index "$T/i.vgx" "not a url" > /dev/null 2>&1
check_eq "$?" 2 "not a URL"
"$VIGIE" crawl --help | grep -q "^usage: vigie crawl" || fail "--help"

[ "$failures" -eq 0 ] || exit 1
echo "ok"
