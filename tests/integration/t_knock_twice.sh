#!/bin/sh
# t_knock_twice.sh — an HMAC step opens once per user: `knockwatch knock`
# and examples/knock.sh say so when this account knocks the same host,
# door and user twice within one step (and when the next step begins),
# from the one file both keep under the user's cache directory. Knocks go
# to 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"

export HOME="$T/home"
unset XDG_CACHE_HOME
mkdir -p "$HOME"
key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KS=$KW_TOP/examples/knock.sh
kk() { "$KW" knock 127.0.0.1 --key "$key" --door d --user alice --delay 0 "$@"; }
ks() { sh "$KS" --key "$key" --door d --user alice --delay 0 "$@" 127.0.0.1; }

kk --step 100 2>"$T/e1"
check "the first knock of a step says nothing" test ! -s "$T/e1"
check "the step is remembered, privately" sh -c \
	"grep -q '^127.0.0.1 d alice 100 [0-9]*\$' '$HOME/.cache/knockwatch/knocked' &&
	 [ \"\$(stat -c %a '$HOME/.cache/knockwatch/knocked')\" = 600 ]"
kk --step 100 2>"$T/e2"
check "a second knock of the step is told it opens nothing" \
	grep -q "door d, user alice: this account knocked 127.0.0.1 with step 100 already .* refuses a spent step's knocks as a replay" "$T/e2"
check "and when the next step begins" grep -q "The next step begins at [0-9:]* (in [0-9]* s)" "$T/e2"
kk --step 101 2>"$T/e3"
check "the next step says nothing" test ! -s "$T/e3"
kk --step 100 2>"$T/e4"
check "an earlier step after a later one is told too (spent with it)" grep -q "with step 101 already" "$T/e4"
"$KW" knock 127.0.0.1 --key "$key" --door d --user bob --step 101 --delay 0 2>"$T/e5"
check "another user is another entry" test ! -s "$T/e5"

# knock.sh: the same file, the same message.
ks --step 300 2>"$T/s1"
check "knock.sh: the first knock says nothing" test ! -s "$T/s1"
ks --step 300 2>"$T/s2"
check "knock.sh: a second knock of the step is told" \
	grep -q "knock.sh: door d, user alice: this account knocked 127.0.0.1 with step 300 already" "$T/s2"
check "knock.sh: and when the next step begins" grep -q "The next step begins in [0-9]* s" "$T/s2"
kk --step 300 2>"$T/e6"
check "knockwatch knock sees knock.sh's knock" grep -q "with step 300 already" "$T/e6"
check "knock.sh's usage says what happens without --bind" \
	sh -c "sh '$KS' --help 2>&1 | grep -q 'cannot know whether a door binds'"
done_testing
