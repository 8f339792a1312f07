#!/usr/bin/env bash
# The `vigie hash` contract (docs/cli.md): columns, digests, PDQ plumbing,
# JSON, determinism across thread counts, error rows, quoting, exit codes.
set -u
: "${VIGIE:?path of the vigie binary}"
T="${VIGIE_TMP:-/tmp}/hash-$$"
rm -rf "$T" && mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }

HEADER='path,bytes,md5,sha1,sha256,quality,pdq,video_frames,video_seconds,error'
DIHEDRAL_HEADER='path,bytes,md5,sha1,sha256,quality,pdq,pdq_rot90,pdq_rot180,pdq_rot270,pdq_flipx,pdq_flipy,pdq_flip_plus1,pdq_flip_minus1,video_frames,video_seconds,error'

# A tree of ordinary files, created out of order to check sorting.
mkdir -p "$T/tree/sub/deeper" "$T/tree/b-dir"
printf 'hello\n' > "$T/tree/zeta.txt"
: > "$T/tree/empty"
head -c 3000000 /dev/urandom > "$T/tree/sub/random.bin"
printf 'abc' > "$T/tree/sub/deeper/abc"
printf 'x' > "$T/tree/b-dir/x"
printf 'y' > "$T/tree/a.txt"

# --- header and column order ----------------------------------------------
out=$("$VIGIE" hash --no-progress "$T/tree/a.txt")
check_eq "$(head -1 <<<"$out")" "$HEADER" "CSV header"
out=$("$VIGIE" hash --no-progress --dihedral "$T/tree/a.txt")
check_eq "$(head -1 <<<"$out")" "$DIHEDRAL_HEADER" "CSV header with --dihedral"
check_eq "$(sed -n 2p <<<"$out" | awk -F, '{print NF}')" 17 "fields with --dihedral"

# --- walk order and digests against coreutils -------------------------------
"$VIGIE" hash --no-progress "$T/tree" > "$T/tree.csv" 2> "$T/tree.err"
check_eq "$?" 0 "exit status of a clean tree"
check_eq "$(cat "$T/tree.err")" "" "stderr of a clean run without a terminal"
check_eq "$(tail -n +2 "$T/tree.csv" | cut -d, -f1 | sed "s|^$T/tree/||" | tr '\n' ' ')" \
    "a.txt b-dir/x empty sub/deeper/abc sub/random.bin zeta.txt " "walk order"
while IFS=, read -r path bytes md5 sha1 sha256 quality pdq vframes vseconds error; do
    [ "$path" == path ] && continue
    check_eq "$bytes" "$(stat -c %s "$path")" "bytes of $path"
    check_eq "$md5" "$(md5sum < "$path" | cut -d' ' -f1)" "md5 of $path"
    check_eq "$sha1" "$(sha1sum < "$path" | cut -d' ' -f1)" "sha1 of $path"
    check_eq "$sha256" "$(sha256sum < "$path" | cut -d' ' -f1)" "sha256 of $path"
    check_eq "$quality$pdq$vframes$vseconds$error" "" "image, video and error columns of $path"
done < "$T/tree.csv"
grep -q '^'"$T"'/tree/empty,0,d41d8cd98f00b204e9800998ecf8427e,' "$T/tree.csv" ||
    fail "empty file row"

# --- hashing evidence leaves access times alone ---------------------------
touch -a -d '2000-01-01 00:00:00 UTC' "$T/tree/zeta.txt"
"$VIGIE" hash --no-progress "$T/tree/zeta.txt" > /dev/null
check_eq "$(stat -c %X "$T/tree/zeta.txt")" 946684800 "access time after hashing"

# --- PDQ plumbing against the reference ------------------------------------
IMAGES=""
if [ -n "${VIGIE_SHARED:-}" ] && [ -d "$VIGIE_SHARED/testdata/pdq/images" ]; then
    IMAGES="$VIGIE_SHARED/testdata/pdq/images"
    REF="$VIGIE_SHARED/testdata/pdq/reference.csv"
    "$VIGIE" hash --no-progress "$IMAGES" > "$T/images.csv"
    check_eq "$?" 0 "exit status on the reference images"
    check_eq "$(($(wc -l < "$T/images.csv") - 1))" "$(ls "$IMAGES" | wc -l)" "one row per image"
    # Decoders exact on these: the canonical PDQ must come through unchanged.
    for name in bridge-1-original.jpg mode-L.png; do
        want=$(grep "^$name," "$REF" | cut -d, -f2,3)
        got=$(grep "/$name," "$T/images.csv" | cut -d, -f6,7)
        check_eq "$got" "$want" "quality,pdq of $name"
    done
    while IFS=, read -r path bytes md5 sha1 sha256 quality pdq vframes vseconds error; do
        [ "$path" == path ] && continue
        [[ "$pdq" =~ ^[0-9a-f]{64}$ ]] || fail "no PDQ for $path: $error"
        [[ "$quality" =~ ^[0-9]+$ ]] || fail "no quality for $path"
        check_eq "$sha256" "$(sha256sum < "$path" | cut -d' ' -f1)" "sha256 of $path"
    done < "$T/images.csv"
    # The dihedral columns of the original equal the PDQ of the rotated files.
    row=$("$VIGIE" hash --no-progress --dihedral "$IMAGES/bridge-1-original.jpg" | sed -n 2p)
    check_eq "$(cut -d, -f7 <<<"$row")" "$(grep '/bridge-1-original.jpg,' "$T/images.csv" | cut -d, -f7)" \
        "pdq column with --dihedral"
    [[ "$(cut -d, -f8-14 <<<"$row")" =~ ^([0-9a-f]{64},){6}[0-9a-f]{64}$ ]] ||
        fail "seven dihedral hashes: $row"
    # --no-pdq: the same digests, no image columns, no error.
    "$VIGIE" hash --no-progress --no-pdq "$IMAGES" > "$T/nopdq.csv"
    check_eq "$?" 0 "exit status with --no-pdq"
    check_eq "$(cut -d, -f1-5 "$T/nopdq.csv")" "$(cut -d, -f1-5 "$T/images.csv")" "--no-pdq digests"
    check_eq "$(tail -n +2 "$T/nopdq.csv" | cut -d, -f6- | sort -u)" ",,,," "--no-pdq image and video columns"
    # --max-pixels: an image over the limit keeps its digests and gets an error.
    "$VIGIE" hash --no-progress --max-pixels 1000 "$IMAGES/bridge-1-original.jpg" > "$T/maxpix.csv"
    check_eq "$?" 1 "exit status with an image over --max-pixels"
    row=$(sed -n 2p "$T/maxpix.csv")
    check_eq "$(cut -d, -f1-5 <<<"$row")" "$(grep '/bridge-1-original.jpg,' "$T/images.csv" | cut -d, -f1-5)" \
        "digests of an image over --max-pixels"
    check_eq "$(cut -d, -f6,7 <<<"$row")" "," "no PDQ over --max-pixels"
    [ -n "$(cut -d, -f10- <<<"$row")" ] || fail "error over --max-pixels: $row"
else
    echo "VIGIE_SHARED absent: PDQ reference checks skipped" >&2
fi

# --- error rows -------------------------------------------------------------
mkdir -p "$T/bad"
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00garbage garbage garbage garbage' > "$T/bad/corrupt.jpg"
mkfifo "$T/bad/fifo"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/bad/socket"
ln -s "$T/nowhere" "$T/bad/dangling"
ln -s "$T/tree" "$T/bad/dirlink"          # skipped: links to directories can loop
ln -s "$T/tree/a.txt" "$T/bad/filelink"   # hashed
printf 'fine' > "$T/bad/fine.txt"
timeout 60 "$VIGIE" hash --no-progress "$T/bad" "$T/missing" > "$T/bad.csv" 2> "$T/bad.err"
check_eq "$?" 1 "exit status with error rows"
check_eq "$(tail -n +2 "$T/bad.csv" | cut -d, -f1 | sed "s|^$T/||" | tr '\n' ' ')" \
    "bad/corrupt.jpg bad/dangling bad/fifo bad/filelink bad/fine.txt bad/socket missing " \
    "rows with errors"
row=$(grep "/corrupt.jpg," "$T/bad.csv")
check_eq "$(cut -d, -f3 <<<"$row")" "$(md5sum < "$T/bad/corrupt.jpg" | cut -d' ' -f1)" \
    "a corrupt image keeps its md5"
check_eq "$(cut -d, -f6,7 <<<"$row")" "," "a corrupt image has no PDQ"
[ -n "$(cut -d, -f10- <<<"$row")" ] || fail "a corrupt image has an error"
row=$(grep "/fifo," "$T/bad.csv")
[[ "$row" == *",,,,,,,"*"not a regular file"* ]] || fail "FIFO row: $row"
row=$(grep "/socket," "$T/bad.csv")
[[ "$row" == *",,,,,,,"*"not a regular file (socket)"* ]] || fail "socket row: $row"
row=$(grep "/dangling," "$T/bad.csv")
[[ "$row" == *"dangling symbolic link"* ]] || fail "dangling link row: $row"
row=$(grep "/filelink," "$T/bad.csv")
check_eq "$(cut -d, -f3 <<<"$row")" "$(md5sum < "$T/tree/a.txt" | cut -d' ' -f1)" "link to a file"
check_eq "$(cut -d, -f10 <<<"$row")" "" "no error for a link to a file"
grep -q "/missing,.*No such file" "$T/bad.csv" || fail "missing argument row"
check_eq "$(cat "$T/bad.err")" "" "error rows go to the output, not stderr"

# --- block devices: hashed when named, error rows inside a tree -----------
# Needs root and loop devices; skipped where the sandbox has neither.
head -c 3145728 /dev/urandom > "$T/disk.img"  # whole sectors
if loop=$(losetup -f --show "$T/disk.img" 2> /dev/null); then
    row=$("$VIGIE" hash --no-progress "$loop" | sed -n 2p)
    losetup -d "$loop"
    check_eq "$(cut -d, -f2,3 <<<"$row")" "3145728,$(md5sum < "$T/disk.img" | cut -d' ' -f1)" \
        "a block device named on the command line"
else
    echo "no loop device: block device check skipped" >&2
fi
if mknod "$T/devdir-blk" b 7 0 2> /dev/null; then
    mkdir "$T/devdir" && mv "$T/devdir-blk" "$T/devdir/blk"
    timeout 60 "$VIGIE" hash --no-progress "$T/devdir" > "$T/devdir.csv"
    check_eq "$?" 1 "exit status with a device inside a tree"
    grep -q "/blk,,,,,,,.*not a regular file (block device)" "$T/devdir.csv" ||
        fail "device inside a tree: $(cat "$T/devdir.csv")"
fi

# --- quoting ----------------------------------------------------------------
mkdir -p "$T/names"
for name in 'with,comma' 'with"quote' $'with\nnewline' 'with space' 'plain'; do
    printf '%s' "$name" > "$T/names/$name"
done
"$VIGIE" hash --no-progress "$T/names" > "$T/names.csv"
check_eq "$?" 0 "exit status of odd names"
python3 - "$T/names" "$T/names.csv" <<'PY' || fail "CSV quoting"
import csv, hashlib, os, sys
folder, table = sys.argv[1], sys.argv[2]
with open(table, newline="") as f:
    rows = list(csv.reader(f))
assert rows[0] == ["path", "bytes", "md5", "sha1", "sha256", "quality", "pdq", "video_frames",
                   "video_seconds", "error"], rows[0]
want = sorted(os.listdir(folder))
got = [os.path.basename(r[0]) for r in rows[1:]]
assert got == want, (got, want)
for r in rows[1:]:
    assert len(r) == 10, r
    data = open(r[0], "rb").read()
    assert r[2] == hashlib.md5(data).hexdigest(), r
PY

# --- JSON lines carry the same values as CSV ------------------------------
JSON_INPUTS=("$T/tree" "$T/bad" "$T/names")
[ -n "$IMAGES" ] && JSON_INPUTS+=("$IMAGES/bridge-1-original.jpg" "$IMAGES/mode-L.png")
for dihedral in "" --dihedral; do
    "$VIGIE" hash --no-progress $dihedral "${JSON_INPUTS[@]}" > "$T/all.csv"
    "$VIGIE" hash --no-progress $dihedral --format json "${JSON_INPUTS[@]}" > "$T/all.json"
    check_eq "$?" 1 "JSON exit status with error rows"
    python3 - "$T/all.csv" "$T/all.json" <<'PY' || fail "JSON equals CSV ($dihedral)"
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert len(lines) == len(rows), (len(lines), len(rows))
for line, row in zip(lines, rows):
    obj = json.loads(line)
    assert list(obj) == header, (list(obj), header)
    for key, text in zip(header, row):
        value = obj[key]
        if text == "":
            assert value is None, (key, value)
        elif key in ("bytes", "quality"):
            assert isinstance(value, int) and value == int(text), (key, value, text)
        else:
            assert value == text, (key, value, text)
PY
done

# --- same output whatever the number of threads ---------------------------
THREAD_INPUTS=("$T/tree" "$T/bad" "$T/names")
[ -n "$IMAGES" ] && THREAD_INPUTS+=("$IMAGES")
"$VIGIE" hash --no-progress --threads 1 --dihedral "${THREAD_INPUTS[@]}" > "$T/t1.csv"
"$VIGIE" hash --no-progress --threads 4 --dihedral "${THREAD_INPUTS[@]}" > "$T/t4.csv"
cmp -s "$T/t1.csv" "$T/t4.csv" || fail "--threads 1 and --threads 4 differ"

# --- usage errors -------------------------------------------------------------
expect_usage() {
    "$VIGIE" hash "$@" > /dev/null 2> "$T/usage.err"
    check_eq "$?" 2 "exit status of: vigie hash $*"
    [ -s "$T/usage.err" ] || fail "no message for: vigie hash $*"
}
expect_usage
expect_usage --bogus "$T/tree"
expect_usage --threads 0 "$T/tree"
expect_usage --threads abc "$T/tree"
expect_usage --threads -3 "$T/tree"
expect_usage --format xml "$T/tree"
expect_usage --max-pixels 0 "$T/tree"
expect_usage --max-pixels 12x "$T/tree"
expect_usage --dihedral=yes "$T/tree"
expect_usage "$T/tree" --threads
if [ -w /dev/full ]; then
    "$VIGIE" hash --no-progress "$T/tree" > /dev/full 2> "$T/full.err"
    check_eq "$?" 2 "exit status when the output cannot be written"
    grep -q "cannot write" "$T/full.err" || fail "no message when the output cannot be written"
fi
"$VIGIE" hash --help > "$T/help.txt"
check_eq "$?" 0 "exit status of --help"
grep -q "exit status" "$T/help.txt" || fail "--help documents exit codes"
grep -q "pdq_flip_minus1" "$T/help.txt" || fail "--help documents columns"

# --- progress line only on a terminal ------------------------------------
# A sparse file long enough (about half a second) for the line to be drawn.
if command -v script > /dev/null; then
    truncate -s 200M "$T/sparse"
    tty_err=$(script -qec "'$VIGIE' hash --threads 1 '$T/sparse' > /dev/null" /dev/null | cat -v)
    [[ "$tty_err" == *"files"*'^[[K' ]] ||
        fail "no progress line drawn and erased on a terminal: $tty_err"
    tty_err=$(script -qec "'$VIGIE' hash --threads 1 --no-progress '$T/sparse' > /dev/null" /dev/null)
    check_eq "$tty_err" "" "--no-progress on a terminal"
    rm -f "$T/sparse"
fi

# --- a tree of generated samples ------------------------------------------
if [ -n "${VIGIE_SAMPLES:-}" ] && [ -x "$VIGIE_SAMPLES" ] &&
    "$VIGIE_SAMPLES" "$T/samples" > /dev/null 2>&1 && [ -n "$(ls -A "$T/samples" 2>/dev/null)" ]; then
    "$VIGIE" hash --no-progress "$T/samples" > "$T/samples.csv"
    check_eq "$?" 0 "exit status on vigie-samples output"
    [ "$(wc -l < "$T/samples.csv")" -gt 1 ] || fail "no rows for the samples"
    # Every generated picture (all but text files) gets a PDQ.
    while IFS=, read -r path bytes md5 sha1 sha256 quality pdq vframes vseconds error; do
        case "$path" in path | *.txt) continue ;; esac
        [[ "$pdq" =~ ^[0-9a-f]{64}$ ]] || fail "no PDQ for sample $path: $error"
    done < "$T/samples.csv"
    # A truncated AVIF: libheif's message ends with a newline, the row must not.
    avif=$(find "$T/samples" -name '*.avif' | head -n 1)
    if [ -n "$avif" ]; then
        head -c 300 "$avif" > "$T/cut.avif"
        "$VIGIE" hash --no-progress "$T/cut.avif" > "$T/cut.csv"
        check_eq "$?" 1 "exit status of a truncated AVIF"
        check_eq "$(wc -l < "$T/cut.csv")" 2 "a truncated AVIF's error stays on one line"
        [[ "$(sed -n 2p "$T/cut.csv")" == *[!\ ] ]] || fail "trailing space in the error column"
    fi
else
    echo "vigie-samples produced nothing: sample tree check skipped" >&2
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all vigie hash checks passed"
