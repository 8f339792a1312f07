#!/usr/bin/env bash
# Videos on the command line (docs/cli.md, docs/match.md): `vigie hash`'s
# video columns, --video-interval, --vpdq-dir (one hash file per video,
# names never overwritten within a run), damaged videos, usage errors;
# videos in banks (hash files, directories, CSV signal strings), `vigie
# match` with hash files (shares checked against the python-threatexchange
# definition recomputed here) and `vigie scan`; with ../shared, the hash
# files of the reference videos must equal the reference's byte for byte.
set -u
: "${VIGIE:?path of the vigie binary}"
: "${VIGIE_SAMPLE_VIDEOS:?path of vigie-sample-videos}"
T="${VIGIE_TMP:-/tmp}/video-$$"
rm -rf "$T" && mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

"$VIGIE_SAMPLE_VIDEOS" "$T/videos" || { echo "cannot make the sample videos" >&2; exit 1; }
V="$T/videos"
field() { # CSV row, column name -> value (no quoted fields in these rows)
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                          { print $c }' <<<"$1"
}

# --- columns of a video: one frame a second by default ----------------------
out=$("$VIGIE" hash --no-progress "$V/pan.mp4")
check_eq "$?" 0 "exit status of a video"
check_eq "$(field "$out" video_frames)" 4 "frames of a 4-second 25 fps video, one a second"
check_eq "$(field "$out" video_seconds)" 4.000 "seconds of the video"
check_eq "$(field "$out" quality)$(field "$out" pdq)$(field "$out" error)" "" \
    "a video has no picture PDQ and no error"
check_eq "$(field "$out" sha256)" "$(sha256sum < "$V/pan.mp4" | cut -d' ' -f1)" "digests of a video"
out=$("$VIGIE" hash --no-progress --video-interval 0 "$V/pan.mp4")
check_eq "$(field "$out" video_frames)" 100 "--video-interval 0 hashes every frame"
out=$("$VIGIE" hash --no-progress --video-interval 0.5 "$V/pan.mp4")
check_eq "$(field "$out" video_frames)" 9 "every 12th frame of 100 at 0.5 s"
out=$("$VIGIE" hash --no-progress --no-pdq "$V/pan.mp4")
check_eq "$(field "$out" video_frames)" "" "--no-pdq decodes no video"
out=$("$VIGIE" hash --no-progress "$V/pan-still.png")
check_eq "$(field "$out" video_frames)" "" "a picture is not a video"
[[ "$(field "$out" pdq)" =~ ^[0-9a-f]{64}$ ]] || fail "the still has a PDQ"
json=$("$VIGIE" hash --no-progress --format json "$V/pan.mp4")
python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["video_frames"] == 4 and o["video_seconds"] == 4.0 and o["pdq"] is None, o' "$json" ||
    fail "JSON video columns: $json"

# --- --vpdq-dir ---------------------------------------------------------------
mkdir "$T/hashes"
"$VIGIE" hash --no-progress --threads 3 --vpdq-dir "$T/hashes" "$V" > "$T/run.csv"
check_eq "$?" 1 "exit status when two videos share a name"
check_eq "$(cd "$T/hashes" && ls | tr '\n' ' ')" "other.txt pan-part.txt pan-small.txt pan.txt " \
    "one hash file per video name"
# Walk order: pan.avi comes before pan.mp4 and keeps the name.
grep -q "pan.mp4,.*already written" "$T/run.csv" || fail "the second 'pan' video gets an error row"
check_eq "$(grep -c . "$T/hashes/pan.txt")" 4 "lines of pan.txt"
grep -vqE '^[0-9]+,[0-9]+,[0-9a-f]{64},[0-9]+\.[0-9]{3}$' "$T/hashes/pan.txt" &&
    fail "hash file lines: $(head -2 "$T/hashes/pan.txt")"
check_eq "$(cut -d, -f1,4 "$T/hashes/pan.txt" | tr '\n' ' ')" "0,0.000 25,1.000 50,2.000 75,3.000 " \
    "frame numbers and timestamps"
ls -a "$T/hashes" | grep -q '^\.' && [ "$(ls -a "$T/hashes" | grep -c '^\.[^.]')" != 0 ] &&
    fail "temporary files left: $(ls -a "$T/hashes")"
# The same run again replaces the files of the previous run.
"$VIGIE" hash --no-progress --vpdq-dir "$T/hashes" "$V/pan.avi" > /dev/null
check_eq "$?" 0 "a later run replaces its own earlier files"

# --- damaged videos ----------------------------------------------------------
head -c 30000 "$V/pan.mp4" > "$T/cut.mp4"
"$VIGIE" hash --no-progress "$T/cut.mp4" > "$T/cut.csv"
check_eq "$?" 1 "exit status of a truncated video"
row=$(cat "$T/cut.csv")
check_eq "$(field "$row" md5)" "$(md5sum < "$T/cut.mp4" | cut -d' ' -f1)" "a damaged video keeps its digests"
[ -n "$(field "$row" error)" ] || fail "a truncated video has an error: $row"
# A container with no video stream (here an AVI header and noise) is not a
# video: no video columns, no error.
head -c 5000 /dev/urandom > "$T/noise.bin"
printf 'RIFF\0\0\0\0AVI LIST' | cat - "$T/noise.bin" > "$T/fake.avi"
"$VIGIE" hash --no-progress "$T/fake.avi" > "$T/fake.csv"
check_eq "$?" 0 "exit status of an AVI without streams"
check_eq "$(field "$(cat "$T/fake.csv")" video_frames)" "" "an AVI without streams is no video"

# --- usage errors ------------------------------------------------------------
for bad in "--video-interval -1" "--video-interval abc" "--vpdq-dir $T/none"; do
    "$VIGIE" hash --no-progress $bad "$V/pan.mp4" > /dev/null 2>&1
    check_eq "$?" 2 "usage error: $bad"
done

# --- videos in banks: index build, match, scan --------------------------------
# The bank: hash files of three videos (a directory: one bank) and the same
# three as a CSV of ThreatExchange signal strings.
mkdir "$T/bank"
"$VIGIE" hash --no-progress --vpdq-dir "$T/bank" "$V/pan-small.mkv" "$V/other.mp4" \
    "$V/pan-part.mp4" > /dev/null
python3 - "$T/bank" > "$T/bank.csv" <<'PY'
import os, sys
print("signal_type,signal,id,category")
for name in sorted(os.listdir(sys.argv[1])):
    frames = [l.strip().split(",") for l in open(os.path.join(sys.argv[1], name)) if l.strip()]
    signal = "[" + ",".join('""%s,%s,%s""' % (f[2], f[1], f[3]) for f in frames) + "]"
    print('vpdq,"%s",%s-csv,demo' % (signal, name[:-4]))
PY
"$VIGIE" index build -o "$T/v.idx" "$T/bank" "$T/bank.csv" > /dev/null
check_eq "$?" 0 "index build from hash files and signal strings"
check_eq "$("$VIGIE" index info "$T/v.idx" | grep '^vpdq:')" "vpdq: 6" "videos in the index"
# Queries: every video of the samples, hashed every second.
mkdir "$T/queries"
for f in pan.avi pan.mp4 pan-small.mkv other.mp4 pan-part.mp4; do
    "$VIGIE" hash --no-progress --vpdq-dir "$T/queries" "$V/$f" > /dev/null
    mv "$T/queries/${f%.*}.txt" "$T/queries/${f//./-}.txt"
done
out=$("$VIGIE" match --index "$T/v.idx" "$T/queries/pan-avi.txt")
check_eq "$(sed -n 1p <<<"$out")" "query,match,query_percent,compared_percent" "match header"
grep -q "pan-avi.txt,pan-small,100.000,100.000$" <<<"$out" ||
    fail "a re-encoded, resized copy matches: $out"
# Every pair's shares against python-threatexchange's definition (quality
# >= 50, unique hashes, distance <= 31, both directions), recomputed here.
"$VIGIE" match --index "$T/v.idx" --query-percent 0 "$T"/queries/*.txt | tail -n +2 | sort \
    > "$T/shares.got"
python3 - "$T/queries" "$T/bank" > "$T/shares.want" <<'PY'
import os, sys
def frames(path):
    rows = [l.strip().split(",") for l in open(path) if l.strip()]
    return sorted({int(r[2], 16) for r in rows if int(r[1]) >= 50})
def share(a, b):
    return sum(any(bin(x ^ y).count("1") <= 31 for y in b) for x in a) * 100 / len(a)
qdir, bdir = sys.argv[1], sys.argv[2]
rows = []
for q in sorted(os.listdir(qdir)):
    qf = frames(os.path.join(qdir, q))
    for b in sorted(os.listdir(bdir)):
        bf = frames(os.path.join(bdir, b))
        qp, cp = share(qf, bf), share(bf, qf)
        if qp > 0:
            for suffix in ("", "-csv"):
                rows.append("%s,%s%s,%.3f,%.3f" % (os.path.join(qdir, q), b[:-4], suffix, qp, cp))
print("\n".join(sorted(rows)))
PY
check_eq "$(cat "$T/shares.got")" "$(cat "$T/shares.want")" "shares of every pair"
[ "$(wc -l < "$T/shares.want")" -ge 8 ] || fail "too few matching pairs to prove much"
out=$("$VIGIE" match --index "$T/v.idx" --format json "$T/queries/other-mp4.txt")
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert {m["match"] for m in r} == {"other", "other-csv"} and all(m["signal_type"] == "vpdq" and m["compared_frames"] == 4 for m in r), r' "$out" ||
    fail "JSON video matches: $out"
"$VIGIE" match --index "$T/v.idx" --query-percent 101 "$T/queries/pan-avi.txt" > /dev/null 2>&1
check_eq "$?" 2 "usage error: --query-percent 101"
"$VIGIE" match --index "$T/v.idx" "$T/queries/pan-avi.txt" "$T/bank.csv" > /dev/null 2>&1
check_eq "$?" 2 "usage error: a hash file and something else"

out=$("$VIGIE" scan --no-progress --index "$T/v.idx" "$V" 2> "$T/scan.err")
check_eq "$?" 0 "exit status of scan"
check_eq "$(head -1 <<<"$out")" \
    "path,status,signal_type,match,distance,query_percent,compared_percent,error,score" \
    "scan header"
grep -q "^$V/pan.avi,known,vpdq,pan-small,,100.000,100.000,,$" <<<"$out" ||
    fail "scan: a copy of a known video: $out"
grep -q "^$V/pan-still.png,known,pdq,pan-small" <<<"$out" ||
    fail "scan: a still of a known video finds the video: $out"
grep -q '6 files, 1 images, 5 videos, 6 known, 0 unknown, 0 errors' "$T/scan.err" ||
    fail "scan summary: $(cat "$T/scan.err")"
"$VIGIE" index remove "$T/v.idx" pan-small pan-small-csv > /dev/null
out=$("$VIGIE" scan --no-progress --index "$T/v.idx" "$V/pan.avi" 2> /dev/null)
grep -q "^$V/pan.avi,unknown," <<<"$out" || fail "a removed video no longer matches: $out"

# --- the reference's hash files, byte for byte -------------------------------
if [ -n "${VIGIE_SHARED:-}" ] && [ -d "$VIGIE_SHARED/testdata/vpdq/hashes" ]; then
    mkdir "$T/ref"
    "$VIGIE" hash --no-progress --video-interval 0 --vpdq-dir "$T/ref" \
        "$VIGIE_SHARED/testdata/vpdq/videos" > "$T/ref.csv"
    check_eq "$?" 0 "exit status on the reference videos"
    for ref in "$VIGIE_SHARED"/testdata/vpdq/hashes/*.txt; do
        cmp -s "$ref" "$T/ref/$(basename "$ref")" || fail "hash file of $(basename "$ref") differs"
    done
else
    echo "../shared absent: reference hash files not compared" >&2
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "video hash tests passed"
