#!/bin/sh
# t_srcmap.sh — the source map of doc/internals.md stays true: every
# knockwatch/*.c, and every header without a .c of its own (a shared
# limits or wire header), has its row in the map's table ("| `NAME` | ...");
# every file a row names exists; and the README links the document. Prints
# "N passed, N failed" last.
set -u
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/common.sh
. "$KW_TOP/tests/lib/common.sh"
pass=0
fail=0
DOC=$KW_TOP/doc/internals.md

# in_map NAME: the map's table has a row for NAME.
in_map() { grep -qF "| \`$1\` |" "$DOC"; }

if [ ! -f "$DOC" ]; then
	not_ok "doc/internals.md exists"
	done_testing
	exit
fi
missing=
for f in "$KW_TOP"/knockwatch/*.c "$KW_TOP"/knockwatch/*.h; do
	n=$(basename "$f")
	case $n in
	*.h) [ -f "${f%.h}.c" ] && continue ;;
	esac
	in_map "$n" || missing="$missing $n"
done
check "every source file has a row in the source map${missing:+ (missing:$missing)}" \
	[ -z "$missing" ]

# shellcheck disable=SC2016 # the backquotes are the table's, not a command
gone=$(sed -n 's/^| `\([A-Za-z0-9_]*\.[ch]\)` |.*/\1/p' "$DOC" |
	while read -r n; do
		[ -f "$KW_TOP/knockwatch/$n" ] || printf ' %s' "$n"
	done)
check "every file the map names exists${gone:+ (gone:$gone)}" [ -z "$gone" ]

check "README.md links doc/internals.md" \
	grep -qF "(doc/internals.md)" "$KW_TOP/README.md"

done_testing
