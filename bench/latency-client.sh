#!/bin/bash
# latency-client.sh TAG SERVER FIRSTSRC ROUNDS STAMPS OUT — run inside the
# client namespace by latency.sh. Each round knocks 7000/tcp 8000/udp
# 9000/tcp with netcat from its own source address (10.213.X.Y, X.Y from
# FIRSTSRC on), records the wall time just before starting the nc of the
# last knock ("SRC NS" to OUT), then waits (5 s at most) until STAMPS holds
# "TAG SRC ...". bash for $EPOCHREALTIME: the time is read without a fork.
set -u
tag=$1 server=$2 first=$3 rounds=$4 stamps=$5 out=$6
for ((i = 0; i < rounds; i++)); do
	n=$((first + i))
	src=10.213.$((n / 250 + 1)).$((n % 250 + 1))
	nc -z -w1 -s "$src" "$server" 7000 2>/dev/null
	printf x | nc -u -w1 -s "$src" "$server" 8000 2>/dev/null
	# Let the first two reach every reader before the last one.
	sleep 0.05
	t=$EPOCHREALTIME
	nc -z -w1 -s "$src" "$server" 9000 2>/dev/null
	printf '%s %s\n' "$src" "${t/./}000" >>"$out"
	for ((w = 0; w < 2500; w++)); do
		grep -q "^$tag $src " "$stamps" 2>/dev/null && break
		sleep 0.002
	done
	sleep 0.05
done
