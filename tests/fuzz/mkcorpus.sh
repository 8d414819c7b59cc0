#!/bin/sh
# mkcorpus.sh — (re)writes the seed corpora from the golden test data:
# corpus/parse/ gets one file per "line:" and "kmsg:" case of
# tests/data/parse/cases.txt (with \xHH and \\ decoded and "pad:" applied),
# corpus/config/ a copy of each tests/data/config/*.yaml. Files are named by
# their SHA-1, as libFuzzer names what it adds.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/fuzz/corpus
mkdir -p "$out/parse" "$out/config"
perl -e '
	use strict; use Digest::SHA qw(sha1_hex);
	my ($in, $dir) = @ARGV; my $pending;
	open(my $fh, "<", $in) or die "$in: $!";
	sub flush { my ($d, $p) = @_; return unless defined $p;
		open(my $o, ">", "$d/" . sha1_hex($p)) or die; binmode $o;
		print $o $p; close $o; }
	while (my $l = <$fh>) {
		chomp $l;
		if ($l =~ /^(?:line|kmsg): ?(.*)$/s) {
			flush($dir, $pending);
			my $t = $1;
			$t =~ s/\\(x([0-9A-Fa-f]{2})|\\)/defined $2 ? chr(hex $2) : "\\"/ge;
			$pending = $t;
		} elsif ($l =~ /^pad: (\d+)$/ && defined $pending) {
			$pending .= "x" x $1;
		} elsif ($l =~ /^expect:/) {
			flush($dir, $pending); undef $pending;
		}
	}
	flush($dir, $pending);
' "$top/tests/data/parse/cases.txt" "$out/parse"
for f in "$top"/tests/data/config/*.yaml; do
	cp "$f" "$out/config/$(sha1sum <"$f" | cut -d" " -f1)"
done
