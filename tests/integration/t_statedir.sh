#!/bin/sh
# t_statedir.sh — a state_dir or runtime_dir that another user controls is
# refused, at start and by -n, before root changes anything in it: the
# attacks of issue 12 §4 (state_dir owned by nobody with a "spent" link to a
# root file; runtime_dir a link to another directory), a directory group
# can write, a parent owned by another user; links inside a good state_dir
# are never followed for a chown or chmod; a journal file that is not
# root's is set aside unread. Directories made by mktemp under the sticky,
# root-owned /tmp are accepted (every other scenario relies on that).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# needs root (chown to nobody)"
	done_testing
	exit
fi
nobody=$(id -u nobody)
# config_dirs STATE RUNTIME: the static door with these directories.
config_dirs() {
	config_static 5 1
	sed -i "s#^state_dir: .*#state_dir: $1#; s#^runtime_dir: .*#runtime_dir: $2#" "$T/kw.yaml"
}
# refused WHAT: the daemon exits 78 saying WHAT, and so does -n.
refused() {
	# A daemon that does not refuse would run: end it after a while.
	timeout -s KILL 10 "$KW" -c "$T/kw.yaml" >"$T/start.err" 2>&1
	r_rc=$?
	"$KW" -n -c "$T/kw.yaml" >"$T/n.err" 2>&1
	r_nrc=$?
	[ "$r_rc" -eq 78 ] && [ "$r_nrc" -eq 78 ] &&
		grep -q "$1" "$T/start.err" && grep -q "$1" "$T/n.err"
}
# owner_mode FILE: "uid mode" of FILE itself (not what a link names).
owner_mode() { stat -c '%u %a' "$1"; }

# 1. state_dir owned by nobody, holding "spent" -> a root file of mode 0600.
printf 'root secret\n' >"$T/secret"
chmod 600 "$T/secret"
mkdir "$T/evil"
ln -s "$T/secret" "$T/evil/spent"
chown -h "$nobody" "$T/evil" "$T/evil/spent"
config_dirs "$T/evil" "$T/run"
check "state_dir owned by nobody is refused (start and -n, exit 78)" \
	refused "state_dir refused: $T/evil is owned by uid $nobody, not by root"
check "... and the file its link names keeps root and 0600" test "$(owner_mode "$T/secret")" = "0 600"
check "... and nothing was created in it" test ! -e "$T/evil/worker"

# 2. runtime_dir a link to a directory: refused, the target keeps its mode.
mkdir "$T/shared"
chmod 755 "$T/shared"
ln -s "$T/shared" "$T/runlink"
config_dirs "$T/state" "$T/runlink"
check "runtime_dir that is a link is refused" refused "runtime_dir refused: $T/runlink is a symbolic link"
check "... and its target keeps mode 0755" test "$(owner_mode "$T/shared")" = "0 755"

# 3. A state_dir group can write, and one below a directory nobody owns.
mkdir -m 770 "$T/gw"
config_dirs "$T/gw" "$T/run"
check "state_dir writable by its group is refused" refused "$T/gw is writable by group or others (mode 0770)"
mkdir -m 755 "$T/nobodys"
chown "$nobody" "$T/nobodys"
config_dirs "$T/nobodys/state" "$T/run"
check "state_dir below a directory nobody owns is refused" refused "$T/nobodys is owned by uid $nobody"
check "... and it was not created" test ! -e "$T/nobodys/state"
mkdir -m 1777 "$T/sticky"
config_dirs "$T/sticky/state" "$T/run"
check "a sticky directory not owned by root above is refused" sh -c \
	"chown $nobody '$T/sticky' && '$KW' -n -c '$T/kw.yaml' 2>&1 | grep -q 'sticky is owned by uid'"
# A link above state_dir that another user owns (they could point it at
# their own directory later); a link of root's is fine.
mkdir -m 755 "$T/rootree"
ln -s "$T/rootree" "$T/nlink"
chown -h "$nobody" "$T/nlink"
config_dirs "$T/nlink/state" "$T/run"
check "state_dir below a link nobody owns is refused" refused "$T/nlink is a symbolic link of uid $nobody"
config_dirs "$T/state" "$T/nlink/run"
check "runtime_dir below a link nobody owns is refused" refused "$T/nlink is a symbolic link of uid $nobody"
ln -s "$T/rootree" "$T/rlink"
config_dirs "$T/rlink/state" "$T/run"
check "state_dir below a link root owns is accepted by -n" sh -c "'$KW' -n -c '$T/kw.yaml' >/dev/null 2>&1"

# 4. A good state_dir (root's, 0700, under the sticky root /tmp): starts.
# Links planted in it are not followed: the old layout's "spent" a link to
# a root file is left alone (never chowned to the worker).
mkdir -p "$T/state"
chmod 700 "$T/state"
ln -s "$T/secret" "$T/state/spent"
config_dirs "$T/state" "$T/run"
check "-n accepts a root state_dir under /tmp (sticky, root's)" sh -c "'$KW' -n -c '$T/kw.yaml' >/dev/null"
check "the daemon starts" start_kw
check "a door opens" barrier 192.0.2.1
check "the old-layout spent link is not followed: the file keeps root" test "$(owner_mode "$T/secret")" = "0 600"
check "... it is reported and left in place" sh -c "test -L '$T/state/spent' && grep -q 'state/spent: not a regular file of ours, left alone' '$T/kw.err'"
check "runtime_dir was made 0700" test "$(owner_mode "$T/run")" = "0 700"
check "SIGTERM exits 0" stop_kw

# 5. state_dir/worker replaced by a link: refused, the target untouched.
rm -rf "$T/state/worker"
ln -s "$T/shared" "$T/state/worker"
timeout -s KILL 10 "$KW" -c "$T/kw.yaml" >"$T/start.err" 2>&1
rc=$?
check "a worker directory that is a link stops the start (exit $rc)" test "$rc" -ne 0
check "... and its target keeps root and 0755" test "$(owner_mode "$T/shared")" = "0 755"
rm -f "$T/state/worker"

# 6. A journal that is not root's is set aside unread.
printf 'ssh 192.0.2.9 - - 1\n' >"$T/state/open"
chown "$nobody" "$T/state/open"
check "the daemon starts with a journal owned by nobody" start_kw
check "... refuses it and sets it aside" sh -c "grep -q 'journal .*open: refused, set aside' '$T/kw.err' && ls '$T/state' | grep -q '^open.bad-'"
check "... and runs nothing it says" sh -c "! grep -q 'src=192.0.2.9 ' '$ACT'"
check "SIGTERM exits 0" stop_kw
done_testing
