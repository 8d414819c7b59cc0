#!/bin/sh
# stamp.sh TAG SRC FILE — the start command of the latency rig (knockd and
# knockwatch alike): appends "TAG SRC NANOSECONDS" with the time it starts
# running. Bench only; never used as a firewall action.
set -eu
t=$(date +%s%N)
case $2 in *[!0-9a-fA-F.:]*) exit 64 ;; esac
printf '%s %s %s\n' "$1" "$2" "$t" >>"$3"
