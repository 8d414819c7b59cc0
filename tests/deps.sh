#!/bin/sh
# Makes sure the Debian packages the build and the tests need are installed:
# as root it installs the missing ones with apt-get; otherwise it prints the
# exact apt-get line and fails. Arguments name more packages a target needs
# beyond this list (make deb: debhelper; make deb-test: lintian).
set -eu
pkgs="gcc make pkg-config libpcre2-dev libyaml-dev libgcrypt20-dev zlib1g-dev libseccomp-dev
      shellcheck openssl netcat-openbsd iproute2 iptables nftables ipset
      rsyslog logrotate procps mandoc
      ufw nmap hping3 jq $*"
# clients/ (issue 14): knock.py, knockwatch.js under node, knock.html in a
# real browser (tests/net/t_browser.sh).
pkgs="$pkgs python3 nodejs chromium"
missing=""
pkgs="$pkgs openssh-server openssh-client"	# tests/net/t_fleet_net.sh
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "knockwatch needs these Debian packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
