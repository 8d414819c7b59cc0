#!/bin/sh
# embed.sh — copies knockwatch.js into knock.html, between the lines
# <script type="text/plain" id="knockwatch-js"> and </script>: a page
# opened as a file cannot import a module file in Chromium, so the page
# carries the module's text and imports it from a data: URL. Run it after
# every edit of knockwatch.js (tests/integration/t_clients.sh checks).
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
js=$dir/knockwatch.js
html=$dir/knock.html
# The text must not end the <script> element early.
if grep -qi -e '</script' -e '<!--' "$js"; then
	echo "embed.sh: knockwatch.js contains </script or <!--" >&2
	exit 1
fi
tmp=$(mktemp "$html.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -v js="$js" '
	skip && /^<\/script>$/ { skip = 0 }
	!skip { print }
	/^<script type="text\/plain" id="knockwatch-js">$/ {
		while ((getline line < js) > 0) print line
		skip = 1
	}
' "$html" >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$html"
trap - EXIT
