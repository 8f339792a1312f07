#!/bin/bash
# vigie-samples: usage errors exit 2, an unwritable folder exits 1, and a
# run writes the same 20-40 files every time (images in nested folders
# plus one text file).
set -u
fail=0
check() { # description, then a command that must succeed
    local what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what" >&2
        fail=1
    fi
}

samples=${VIGIE_SAMPLES:?VIGIE_SAMPLES is not set}
tmp=${VIGIE_TMP:-/tmp}/test-samples.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

"$samples" > /dev/null 2>&1
check "no argument exits 2" test $? -eq 2
"$samples" a b > /dev/null 2>&1
check "two arguments exit 2" test $? -eq 2
"$samples" --help | grep -q '^usage: vigie-samples DIR'
check "--help prints the usage" test $? -eq 0
touch "$tmp/file"
"$samples" "$tmp/file/sub" > /dev/null 2>&1
check "an unwritable folder exits 1" test $? -eq 1

"$samples" "$tmp/one" 2> /dev/null
check "first run succeeds" test $? -eq 0
"$samples" "$tmp/two" 2> /dev/null
check "second run succeeds" test $? -eq 0
count=$(find "$tmp/one" -type f | wc -l)
check "20 to 40 files (got $count)" test "$count" -ge 20 -a "$count" -le 40
check "a text file" test -f "$tmp/one/README.txt"
deep=$(find "$tmp/one" -mindepth 3 -type f | wc -l)
check "files in nested folders" test "$deep" -ge 1
for ext in jpg png gif webp bmp tif heic avif ppm pgm; do
    n=$(find "$tmp/one" -type f -name "*.$ext" | wc -l)
    check "a .$ext file" test "$n" -ge 1
done
check "deterministic output" diff -r "$tmp/one" "$tmp/two"
exit $fail
