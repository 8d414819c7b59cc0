#!/bin/sh
# knock.sh — a knockwatch/2 client (doc/protocol.md) that needs
# only openssl, od and nc (OpenBSD netcat) besides POSIX sh, tr, date and
# sleep.
# It derives the same sequence as `knockwatch sequence` and sends it.
#
#   knock.sh [options] HOST       derive the current sequence, knock HOST
#   knock.sh --print [options]    only print the sequence line, exactly as
#                                 `knockwatch sequence` prints it
# options:
#   --key HEX | --key-file FILE   the user's key (16..64 bytes in hex)
#   --door D --user U             names, [A-Za-z0-9_.-]{1,64}; a fleet
#                                 door is NAME@HOST
#   --step N | --time UNIX        default: the current time
#   --period S                    seconds per step, default 30
#   --bind IP                     for doors with bind_source: the address the
#                                 server sees (your public address behind
#                                 NAT); canonicalised as knockwatch does
#                                 (IPv6 in hexadecimal only, RFC 5952). Not
#                                 guessed: give it whenever the door binds.
#                                 knock.sh cannot know whether a door binds
#                                 (only the server's config says): without
#                                 --bind at a door that binds, the knocks
#                                 after the first are not the ones the
#                                 server derives for your address, the
#                                 attempt is reset and nothing opens.
#   --length N                    knocks, 2..16, default 4
#   --range LO-HI                 default 20000-59999
#   --protocols tcp|tcp,udp       default tcp
#   --open-range LO-HI            print/derive the door's service port
#   --delay MS                    pause between knocks, default 100 (needs a
#                                 sleep that takes fractions, as GNU,
#                                 BusyBox and BSD sleep do)
#
# Sending. A TCP knock is `nc -z -w1 HOST PORT`: one SYN; against a firewall
# that drops the port, nc waits the full second (-w1) and gives up, so a
# knock takes about a second and a door's timeout must allow for that. A UDP
# knock is `echo | nc -u -w1 HOST PORT`: one datagram holding a newline,
# after which nc also waits a second for an answer.
# Do not use `nc -u -z` to knock: OpenBSD netcat's -u -z sends nothing at
# all (this script uses exactly that, once, to check that HOST resolves
# without sending a packet). nc's exit status after a TCP knock means
# nothing (the port is closed or dropped by design) and is ignored.
#
# One step opens once per user: the server refuses the knocks of a step
# that has opened (a replay), so a second knock within one step (default
# 30 s) opens nothing. knock.sh remembers the last step it knocked per host,
# door and user in $XDG_CACHE_HOME/knockwatch/knocked (or
# ~/.cache/knockwatch/knocked, the file `knockwatch knock` keeps too) and
# says so, with the seconds until the next step begins; it knows only this
# account's knocks, and knocks anyway (the first may have been lost).
#
# Caveat: openssl receives the key as a command-line argument (-macopt
# hexkey:...), which other local users can see in ps; use this script only
# on a single-user machine, or use `knockwatch knock --key-file`.
#
# Exit status: 0 sent (or printed), 64 usage, 66 unreadable key file,
# 68 HOST does not resolve, 70 openssl failed, 74 a UDP knock failed.
set -eu

prog=knock.sh

usage() {
	sed -n '2,/^set -eu$/{/^#/s/^# \{0,1\}//p;}' "$0" >&2
	exit 64
}

die() {
	code=$1
	shift
	printf '%s: %s\n' "$prog" "$*" >&2
	exit "$code"
}

# Unsigned decimal of at most 18 digits (shell arithmetic is 64-bit) into
# $num, leading zeros removed so that arithmetic never reads it as octal.
uint() {
	case $1 in
	'' | *[!0-9]* | ???????????????????*) return 1 ;;
	esac
	num=${1#"${1%%[!0]*}"}
	[ -n "$num" ] || num=0
}

# uint in $2..$3.
bounded() {
	uint "$1" && [ "$num" -ge "$2" ] && [ "$num" -le "$3" ]
}

name_ok() {
	case $1 in
	'' | *[!A-Za-z0-9_.-]*) return 1 ;;
	esac
	[ "${#1}" -le 64 ]
}

# A door name, or NAME@HOST (HOST [A-Za-z0-9_.:-]{1,255}) for a door a
# collector serves for several hosts.
door_ok() {
	case $1 in
	*@*)
		name_ok "${1%%@*}" || return 1
		h=${1#*@}
		case $h in
		'' | *[!A-Za-z0-9_.:-]*) return 1 ;;
		esac
		[ "${#h}" -le 255 ]
		;;
	*) name_ok "$1" ;;
	esac
}

# "LO-HI" with 1 <= LO <= HI <= 65535 into $rlo $rhi.
range() {
	case $1 in
	*-*) ;;
	*) return 1 ;;
	esac
	uint "${1%%-*}" || return 1
	rlo=$num
	uint "${1#*-}" || return 1
	rhi=$num
	[ "$rlo" -ge 1 ] && [ "$rhi" -le 65535 ] && [ "$rlo" -le "$rhi" ]
}

# Dotted quad as inet_pton(AF_INET) takes it (no leading zeros) into
# $q1..$q4.
ip4() {
	case $1 in
	'' | *[!0-9.]* | .* | *. | *..*) return 1 ;;
	esac
	old_ifs=$IFS
	IFS=.
	# shellcheck disable=SC2086 # splitting on dots is the point
	set -- $1
	IFS=$old_ifs
	[ "$#" -eq 4 ] || return 1
	for o in "$@"; do
		case $o in
		[0-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;;
		*) return 1 ;;
		esac
		[ "$o" -le 255 ] || return 1
	done
	q1=$1 q2=$2 q3=$3 q4=$4
}

# Colon-separated hex groups (no empty group) appended to $words as
# decimals; the count goes to $ngroups.
groups() {
	ngroups=0
	[ -n "$1" ] || return 0
	case $1 in
	:* | *: | *::*) return 1 ;;
	esac
	old_ifs=$IFS
	IFS=:
	# shellcheck disable=SC2086 # splitting on colons is the point
	set -- $1
	IFS=$old_ifs
	for g in "$@"; do
		case $g in
		'' | ?????* | *[!0-9a-f]*) return 1 ;;
		esac
		words="$words$((0x$g)) "
		ngroups=$((ngroups + 1))
	done
}

# IPv6 text into the canonical form (RFC 5952, hexadecimal only: never a
# dotted IPv4 tail, unlike inet_ntop), in $canon.
ip6() {
	s=$1
	case $s in
	*[!0-9a-f:.]* | *:::* | *::*::*) return 1 ;;
	esac
	case $s in
	*.*)	# an embedded IPv4 address ends the text
		last=${s##*:}
		ip4 "$last" || return 1
		s="${s%"$last"}$(printf '%x:%x' $((q1 * 256 + q2)) \
		    $((q3 * 256 + q4)))"
		;;
	esac
	words=''
	case $s in
	*::*)
		groups "${s%%::*}" || return 1
		nl=$ngroups
		left=$words
		words=''
		groups "${s#*::}" || return 1
		[ $((nl + ngroups)) -le 7 ] || return 1
		right=$words
		words=$left
		i=$((nl + ngroups))
		while [ "$i" -lt 8 ]; do
			words="${words}0 "
			i=$((i + 1))
		done
		words=$words$right
		;;
	*)
		groups "$s" || return 1
		[ "$ngroups" -eq 8 ] || return 1
		;;
	esac
	# The longest run of two or more zero words (the first of equals)
	# becomes "::".
	bbase=-1 blen=0 cbase=-1 clen=0 i=0
	for w in $words; do
		if [ "$w" -eq 0 ]; then
			[ "$cbase" -ge 0 ] || cbase=$i
			clen=$((clen + 1))
			if [ "$clen" -gt "$blen" ]; then
				bbase=$cbase blen=$clen
			fi
		else
			cbase=-1 clen=0
		fi
		i=$((i + 1))
	done
	[ "$blen" -ge 2 ] || bbase=-1
	canon='' i=0
	for w in $words; do
		if [ "$bbase" -ge 0 ] && [ "$i" -ge "$bbase" ] &&
		    [ "$i" -lt $((bbase + blen)) ]; then
			[ "$i" -ne "$bbase" ] || canon="$canon:"
			i=$((i + 1))
			continue
		fi
		[ "$i" -eq 0 ] || canon="$canon:"
		canon="$canon$(printf '%x' "$w")"
		i=$((i + 1))
	done
	if [ "$bbase" -ge 0 ] && [ $((bbase + blen)) -eq 8 ]; then
		canon="$canon:"
	fi
}

# Any numeric address into $canon, as knockwatch canonicalises --bind.
canon_ip() {
	a=$(printf '%s' "$1" | tr 'A-F' 'a-f')
	case $a in
	*:*) ip6 "$a" ;;
	*) ip4 "$a" && canon=$a ;;
	esac
}

# HMAC-SHA256(key, $1) as 32 decimal bytes into $bytes.
hmac() {
	bytes=$(printf '%s' "$1" |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
	    od -An -v -tu1) || die 70 "openssl failed"
	# shellcheck disable=SC2086 # one word per byte
	set -- $bytes
	[ "$#" -eq 32 ] || die 70 "openssl gave no HMAC-SHA256"
}

# The next value of the stream (spec step 2) into $v.
next_value() {
	if [ -z "$vals" ]; then
		[ "$block" -lt 4096 ] || die 70 "no sequence after 4096 blocks"
		hmac "$msg|$block"
		block=$((block + 1))
		# shellcheck disable=SC2086 # one word per byte
		set -- $bytes
		while [ "$#" -ge 2 ]; do
			vals="$vals$(($1 * 256 + $2)) "
			shift 2
		done
	fi
	v=${vals%% *}
	vals=${vals#* }
}

# One draw from $1-$2 excluding the ports in $ports (spec step 3), into $p.
draw() {
	r=$(($2 - $1 + 1))
	limit=$((65536 - 65536 % r))
	while :; do
		next_value
		[ "$v" -lt "$limit" ] || continue
		p=$(($1 + v % r))
		case " $ports " in
		*" $p "*) ;;
		*) return 0 ;;
		esac
	done
}

key='' keyfile='' door='' user='' step='' time='' period=30 bind=''
length=4 lo=20000 hi=59999 udp=0 has_open=0 olo=0 ohi=0 delay=100
print=0 host=''

need() {
	[ "$1" -ge 2 ] || die 64 "$2 needs a value"
}

while [ "$#" -gt 0 ]; do
	case $1 in
	--key) need "$#" "$1"; key=$2; shift ;;
	--key-file) need "$#" "$1"; keyfile=$2; shift ;;
	--door) need "$#" "$1"; door=$2; shift ;;
	--user) need "$#" "$1"; user=$2; shift ;;
	--step)
		need "$#" "$1"
		uint "$2" || die 64 "bad --step $2"
		step=$num
		shift
		;;
	--time)
		need "$#" "$1"
		uint "$2" || die 64 "bad --time $2"
		time=$num
		shift
		;;
	--period)
		need "$#" "$1"
		bounded "$2" 1 86400 || die 64 "--period $2: not 1..86400"
		period=$num
		shift
		;;
	--bind)
		need "$#" "$1"
		canon_ip "$2" || die 64 "--bind $2: not a numeric IP address"
		bind=$canon
		shift
		;;
	--length)
		need "$#" "$1"
		bounded "$2" 2 16 || die 64 "--length $2: not 2..16"
		length=$num
		shift
		;;
	--range)
		need "$#" "$1"
		range "$2" || die 64 "--range $2: not LO-HI in 1-65535"
		lo=$rlo hi=$rhi
		shift
		;;
	--protocols)
		need "$#" "$1"
		case $2 in
		tcp) udp=0 ;;
		tcp,udp | udp,tcp) udp=1 ;;
		*) die 64 "--protocols $2: not tcp or tcp,udp" ;;
		esac
		shift
		;;
	--open-range)
		need "$#" "$1"
		range "$2" || die 64 "--open-range $2: not LO-HI in 1-65535"
		olo=$rlo ohi=$rhi has_open=1
		shift
		;;
	--delay)
		need "$#" "$1"
		bounded "$2" 0 60000 || die 64 "--delay $2: not 0..60000 ms"
		delay=$num
		shift
		;;
	--print) print=1 ;;
	-h | --help) usage ;;
	-*) die 64 "unknown option $1 (try --help)" ;;
	*)
		[ -z "$host" ] || die 64 "unexpected argument $1"
		host=$1
		;;
	esac
	shift
done

if [ -n "$keyfile" ]; then
	[ -z "$key" ] || die 64 "give --key or --key-file, not both"
	[ -r "$keyfile" ] || die 66 "$keyfile: cannot read"
	key=$(tr -d ' \t\r\n' <"$keyfile")
fi
case $key in
'' | *[!0-9a-fA-F]*) die 64 "give the key in hex (--key or --key-file)" ;;
esac
if [ $((${#key} % 2)) -ne 0 ] || [ "${#key}" -lt 32 ] ||
    [ "${#key}" -gt 128 ]; then
	die 64 "the key must be 16 to 64 bytes in hex"
fi
door_ok "$door" ||
    die 64 "--door: 1 to 64 of A-Z a-z 0-9 _ . - (and @HOST for a fleet door)"
name_ok "$user" || die 64 "--user: 1 to 64 of A-Z a-z 0-9 _ . -"
[ -z "$step" ] || [ -z "$time" ] || die 64 "give --step or --time, not both"
[ "$length" -le $((hi - lo + 1)) ] ||
    die 64 "--length $length exceeds the range $lo-$hi (a sequence never repeats a port)"
if [ "$has_open" -eq 1 ] && [ "$olo" -ge "$lo" ] && [ "$ohi" -le "$hi" ] &&
    [ $((ohi - olo + 1)) -le "$length" ]; then
	die 64 "--open-range $olo-$ohi lies inside the range with no more ports than the length: the knocks could use up every one"
fi
if [ "$print" -eq 1 ]; then
	[ -z "$host" ] || die 64 "--print takes no HOST"
else
	[ -n "$host" ] || die 64 "no HOST given (or use --print)"
	case $host in
	-* | *[!A-Za-z0-9.:_%-]*) die 64 "bad HOST $host" ;;
	esac
fi
if [ -z "$step" ]; then
	[ -n "$time" ] || time=$(date +%s)
	step=$((time / period))
fi

# Spec steps 1 to 7. Knock 1 comes from the stream of msg_u, which never
# holds the address; knocks 2.. and the open port from the stream of msg_b,
# read from its start.
msg_u="knockwatch/2|$door|$user|$step|"
msg_b="$msg_u$bind"
msg=$msg_u vals='' block=0 ports=''
draw "$lo" "$hi"
ports="$p "
msg=$msg_b vals='' block=0 j=1
while [ "$j" -lt "$length" ]; do
	draw "$lo" "$hi"
	ports="$ports$p "
	j=$((j + 1))
done
open=''
if [ "$has_open" -eq 1 ]; then
	draw "$olo" "$ohi"
	open=$p
fi
pu='' pb=''
if [ "$udp" -eq 1 ]; then
	hmac "$msg_u|proto"
	pu=$bytes
	hmac "$msg_b|proto"
	pb=$bytes
fi
line='' j=0
for port in $ports; do
	proto=tcp
	if [ "$udp" -eq 1 ]; then
		# Knock 1 takes pu[0]; knock j + 1 > 1 takes pb[j].
		if [ "$j" -eq 0 ]; then
			# shellcheck disable=SC2086 # one word per byte
			set -- $pu
		else
			# shellcheck disable=SC2086 # one word per byte
			set -- $pb
			shift "$j"
		fi
		[ $(($1 % 2)) -eq 0 ] || proto=udp
	fi
	line="$line${line:+ }$proto/$port"
	j=$((j + 1))
done
[ -z "$open" ] || line="$line open=$open"
key=''

if [ "$print" -eq 1 ]; then
	printf '%s\n' "$line"
	exit 0
fi

# Resolve HOST without sending anything (-u -z sends no datagram).
nc -u -z -w1 "$host" 9 >/dev/null 2>&1 || die 68 "$host does not resolve"
secs=$((delay / 1000))
frac=$(printf '%03d' $((delay % 1000)))
first=1
for knock in $line; do
	case $knock in
	open=*) continue ;;
	esac
	[ "$first" -eq 1 ] || sleep "$secs.$frac"
	first=0
	port=${knock#*/}
	if [ "${knock%%/*}" = udp ]; then
		echo | nc -u -w1 "$host" "$port" >/dev/null 2>&1 ||
		    die 74 "udp/$port: nc failed"
	else
		nc -z -w1 "$host" "$port" >/dev/null 2>&1 || :
	fi
done

# A second knock within one step opens nothing: say so (see above).
remember_step() {
	case ${XDG_CACHE_HOME:-} in
	/*) cdir=$XDG_CACHE_HOME/knockwatch ;;
	*)
		case ${HOME:-} in
		/*) cdir=$HOME/.cache/knockwatch ;;
		*) return 0 ;;
		esac
		;;
	esac
	cfile=$cdir/knocked
	now=$(date +%s)
	prev=''
	if [ -r "$cfile" ]; then
		prev=$(awk -v h="$host" -v d="$door" -v u="$user" \
		    '$1 == h && $2 == d && $3 == u { s = $4 } END { print s }' \
		    "$cfile") || prev=''
	fi
	rec=$step
	if uint "$prev" && [ "$num" -ge "$step" ]; then
		rec=$num
		next=$(((step + 1) * period - now))
		[ "$next" -ge 0 ] || next=0
		printf '%s: door %s, user %s: this account knocked %s with step %s already; the server opens each step once per user and refuses a spent step'"'"'s knocks as a replay, so these open nothing if that knock arrived. The next step begins in %s s.\n' \
		    "$prog" "$door" "$user" "$host" "$num" "$next" >&2
	fi
	mkdir -p "$cdir" 2>/dev/null && chmod 700 "$cdir" 2>/dev/null || return 0
	ctmp=$cfile.$$
	if {
		if [ -r "$cfile" ]; then
			awk -v h="$host" -v d="$door" -v u="$user" \
			    '!($1 == h && $2 == d && $3 == u)' "$cfile" | tail -n 63
		fi
		printf '%s %s %s %s %s\n' "$host" "$door" "$user" "$rec" "$now"
	} >"$ctmp" 2>/dev/null; then
		mv -f "$ctmp" "$cfile" 2>/dev/null || rm -f "$ctmp"
	else
		rm -f "$ctmp"
	fi
}
remember_step
[ -z "$open" ] || printf 'open=%s\n' "$open"
