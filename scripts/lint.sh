#!/usr/bin/env bash
# lint.sh: the checks `make lint` runs over src/.
#   1. banned functions: no strcpy, strcat, sprintf, vsprintf, strtok, atoi or
#      gets outside core/banned.h (which is what turns them into compile
#      errors; this check also catches a file that forgot to include it).
#   2. layering: #include "..." only points down the layers of ARCHITECTURE.md:
#        core     includes nothing from any other layer
#        http     includes nothing but core
#        store    includes nothing but core
#        crypto   includes nothing but core
#        domain   includes nothing from api, cli or http
# Prints each offending line as file:line: text, and exits 1 if there is one;
# prints "lint: ok" otherwise.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

failed=0

mapfile -t files < <(find src -type f \( -name '*.c' -o -name '*.h' \) | sort)

# 1. Banned calls. Comments and string literals are blanked first (keeping
# line numbers), so "never use strcpy()" in a comment is not a finding.
banned_out=$(perl -e '
	my $bad = qr/\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|gets)\s*\(/;
	for my $file (@ARGV) {
		next if $file eq "src/core/banned.h";
		open(my $fh, "<", $file) or die "lint: cannot read $file\n";
		local $/; my $text = <$fh>; close $fh;
		my @orig = split /\n/, $text, -1;
		# Blank comments and literals, but keep their newlines.
		$text =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}
			  { my $m = $1; $m =~ s/[^\n]/ /g; $m }gse;
		my @lines = split /\n/, $text, -1;
		for my $i (0 .. $#lines) {
			my @names = $lines[$i] =~ /$bad/g;
			print "$file:", $i + 1, ": $orig[$i]  [banned: @names]\n" if @names;
		}
	}
' "${files[@]}")
if [ -n "$banned_out" ]; then
	echo "lint: banned functions (use snprintf, buf_*, strtol with checks):"
	echo "$banned_out"
	failed=1
fi

# The layer (first folder under src/) a quoted include from $1 resolves to,
# the way the compiler looks: beside the including file first, then -Isrc.
include_layer() {
	local from=$1 inc=$2 path
	path=$(realpath -m "$(dirname "$from")/$inc")
	if [ ! -e "$path" ]; then
		path=$(realpath -m "$top/src/$inc")
	fi
	case $path in
	"$top"/src/*/*) path=${path#"$top"/src/}; echo "${path%%/*}" ;;
	*) echo "" ;;   # generated (build/*/gen) or outside src/: not a layer
	esac
}

# Layers that files in layer $1 must not include from.
forbidden_for() {
	case $1 in
	core) echo "crypto store auth audit domain api cli http" ;;
	http) echo "crypto store auth audit domain api cli" ;;
	store) echo "crypto auth audit domain api cli http" ;;
	crypto) echo "store auth audit domain api cli http" ;;
	domain) echo "api cli http" ;;
	*) echo "" ;;
	esac
}

# 2. Layering.
layer_out=""
for f in "${files[@]}"; do
	rel=${f#src/}
	layer=${rel%%/*}
	[ "$layer" = "$rel" ] && continue   # src/main.c sits above every layer
	forbidden=$(forbidden_for "$layer")
	[ -z "$forbidden" ] && continue
	while IFS= read -r hit; do
		[ -z "$hit" ] && continue
		lineno=${hit%%:*}
		text=${hit#*:}
		inc=$(printf '%s\n' "$text" | sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/')
		target=$(include_layer "$f" "$inc")
		for bad in $forbidden; do
			if [ "$target" = "$bad" ]; then
				layer_out+="$f:$lineno: $text  [$layer may not include $target]"$'\n'
			fi
		done
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
done
if [ -n "$layer_out" ]; then
	echo "lint: layering (ARCHITECTURE.md: dependencies point downward only):"
	printf '%s' "$layer_out"
	failed=1
fi

if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "lint: ok"
