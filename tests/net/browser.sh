# shellcheck shell=sh
# browser.sh — the headless Chromium of the browser scenarios (sourced
# after tests/net/lib.sh): browser_require skips a scenario without
# Chromium or node, browse drives clients/web/knock.html in the client
# namespace through tests/clients/cdp.mjs (DevTools protocol over a pipe).
# Used by t_browser.sh and t_browser_repeats.sh.
PAGE=$KW_TOP/clients/web/knock.html
CDP=$KW_TOP/tests/clients/cdp.mjs
CHROMIUM=
# browse reads these: the page's URL ($PAGE as a file when empty), the
# profile to reuse (NAME's own when empty), how long (ms) the browser stays
# open after the page's result, the screenshot directory.
URL=
PROFILE=
LINGER=0
SHOTS=

# browser_require N SHOTS: skips the scenario (N checks) without Chromium
# or node; screenshots go to the emptied directory SHOTS.
browser_require() {
	CHROMIUM=$(command -v chromium 2>/dev/null) ||
		skip_all "$1" "chromium not installed (apt-get install chromium; tests/deps.sh)"
	command -v node >/dev/null 2>&1 || skip_all "$1" "node not installed"
	SHOTS=$2
}
# browser_shots: makes the screenshot directory, empty (after net_setup).
browser_shots() {
	mkdir -p "$SHOTS"
	rm -f "$SHOTS"/*.png
}

# browse NAME EXPECT STEPS: Chromium in the client namespace, driven by
# cdp.mjs with the form STEPS (JSON); the page's result state is EXPECT.
# The screenshot is $SHOTS/NAME.png, the result JSON $T/NAME.json.
browse() {
	b_prof=$T/profile.$PROFILE
	[ -n "$PROFILE" ] || b_prof=$T/profile.$1
	mkdir -p "$b_prof"
	if [ -n "$URL" ]; then b_at="--url" b_page=$URL; else b_at="--page" b_page=$PAGE; fi
	node "$CDP" "$b_at" "$b_page" --shot "$SHOTS/$1.png" --steps "$3" \
		--expect "$2" --timeout 60 --linger "$LINGER" -- \
		ip netns exec "$NS_C" "$CHROMIUM" --headless --no-sandbox \
		--disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$b_prof" \
		>"$T/$1.json" 2>"$T/$1.err"
	b_rc=$?
	sed -e 's/^/  page: /' -e 's/,"form":.*/}/' "$T/$1.json"
	[ -s "$T/$1.err" ] && grep -v -e '^\[.*:ERROR:' -e '^$' "$T/$1.err" | sed 's/^/  cdp: /'
	return $b_rc
}
