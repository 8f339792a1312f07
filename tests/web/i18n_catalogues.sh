#!/bin/bash
# The message catalogues of i18n/ as gettext's own checker reads them
# (msgfmt --check: the header, and the {name} placeholders of every entry
# flagged python-brace-format, must match their English), then the
# converter's refusals on small catalogues written here.
#
#   i18n_catalogues.sh I18N_DIR VIGIE_PO2C
set -euo pipefail
dir=$1
po2c=$2
if ! command -v msgfmt >/dev/null; then
    echo "i18n: skipped: msgfmt is missing (scripts/setup test installs gettext)" >&2
    exit 77
fi
fail=0
for f in "$dir"/vigie.pot "$dir"/*.po; do
    # A warning is a failure too: a catalogue is shipped clean.
    if ! out=$(msgfmt --check -o /dev/null "$f" 2>&1) || [ -n "$out" ]; then
        echo "i18n: $f: msgfmt --check:" >&2
        echo "$out" >&2
        fail=1
    fi
done

tmp=$(mktemp -d "${VIGIE_TMP:-/tmp}/i18n.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
header='msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"
'
printf '%s\nmsgctxt "a"\nmsgid "Apple"\nmsgstr ""\n\nmsgctxt "b"\nmsgid "Bean"\nmsgstr ""\n' \
    "$header" >"$tmp/t.pot"
expect() { # status message-part args...
    local want=$1 part=$2
    shift 2
    local status=0
    "$po2c" "$@" >"$tmp/out" 2>&1 || status=$?
    if [ "$status" -ne "$want" ] || { [ -n "$part" ] && ! grep -qF -- "$part" "$tmp/out"; }; then
        echo "i18n: vigie-po2c $*: exit $status, expected $want with \"$part\":" >&2
        cat "$tmp/out" >&2
        fail=1
    fi
}
# A key the template does not have.
printf '%s\nmsgctxt "c"\nmsgid "Cherry"\nmsgstr "Cerise"\n' "$header" >"$tmp/fr.po"
expect 1 'fr.po:4: key c is not in' "$tmp/out.c" "$tmp/t.pot" "fr=$tmp/fr.po"
# A malformed file names its line.
printf '%s\nmsgctxt "a"\nmsgid "Apple"\nmsgstr "Pomme\n' "$header" >"$tmp/fr.po"
expect 1 'fr.po:6: the string is not closed' "$tmp/out.c" "$tmp/t.pot" "fr=$tmp/fr.po"
# English is the template, not a catalogue.
expect 1 'English is the template' "$tmp/out.c" "$tmp/t.pot" "en=$tmp/fr.po"
# A stale translation (its English changed) and a fuzzy one are left out.
printf '%s\nmsgctxt "a"\nmsgid "An apple"\nmsgstr "Une pomme"\n\n#, fuzzy\nmsgctxt "b"\nmsgid "Bean"\nmsgstr "Haricot"\n' \
    "$header" >"$tmp/fr.po"
expect 0 'fr.po:4: warning: a translates an older English text' "$tmp/out.c" "$tmp/t.pot" "fr=$tmp/fr.po"
if grep -q 'Pomme\|Haricot' "$tmp/out.c" || ! grep -q '{"fr", cat_fr, 0}' "$tmp/out.c"; then
    echo "i18n: a stale or fuzzy translation was embedded:" >&2
    cat "$tmp/out.c" >&2
    fail=1
fi
# And a good one is: UTF-8 in octal escapes, '?' escaped (no trigraphs).
printf '%s\nmsgctxt "a"\nmsgid "Apple"\nmsgstr "Pomme ??!"\n\nmsgctxt "b"\nmsgid "Bean"\nmsgstr "Fève"\n' \
    "$header" >"$tmp/fr.po"
expect 0 '' "$tmp/out.c" "$tmp/t.pot" "fr=$tmp/fr.po"
if ! grep -qF '{"a", "Pomme \?\?!"}' "$tmp/out.c" || ! grep -qF '{"b", "F\303\250ve"}' "$tmp/out.c"; then
    echo "i18n: the translations were not written as expected:" >&2
    cat "$tmp/out.c" >&2
    fail=1
fi
exit "$fail"
