#!/usr/bin/env bash
# cli_no_wallclock.sh KAFKASIM_BINARY SOURCE_DIR: determinism guard. Fails if any C file in
# sim/ or models/ calls the wall clock or the C library's generators: time, clock,
# clock_gettime, gettimeofday, timespec_get, rand, rand_r, srand, random, srandom, drand48 and
# its family, getrandom, arc4random. Comments and string literals are ignored. (cli/ may read
# the clock for `kafkasim bench`; it decides nothing simulated.)
set -euo pipefail

src=${2:?usage: cli_no_wallclock.sh KAFKASIM_BINARY SOURCE_DIR}

banned='time|clock|clock_gettime|gettimeofday|timespec_get|rand|rand_r|srand|random|srandom'
banned+='|drand48|erand48|lrand48|nrand48|mrand48|jrand48|srand48|getrandom|arc4random'

# Prints FILE:LINE: TEXT for every banned call in the files given, code only.
scan() {
  perl -0777 -ne '
    my $text = $_;
    # Blank out comments and literals, keeping newlines so line numbers hold.
    $text =~ s{/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'"'"'(?:\\.|[^'"'"'\\\n])*'"'"'}
              { my $m = $&; $m =~ s/[^\n]/ /g; $m }gse;
    my @lines = split /\n/, $text, -1;
    for my $i (0 .. $#lines) {
      print "$ARGV:", $i + 1, ": $lines[$i]\n"
        if $lines[$i] =~ /(?<![\w.>])(?:'"$banned"')\s*\(/;
    }
  ' "$@"
}

# The scanner must catch a real call and ignore comments, strings and longer names.
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
cat >"$probe" <<'PROBE'
/* time(NULL) in a comment */ // rand() here too
static const char *usage = "clock() in a string";
int64_t sim_time(void); int64_t clock_ns(int x); int x = w->random(1) + s.time(2);
  uint64_t seed = (uint64_t)time(NULL);
PROBE
found=$(scan "$probe" | wc -l)
if [ "$found" -ne 1 ] || ! scan "$probe" | grep -q ':4:'; then
  echo "cli_no_wallclock: the scanner is broken (expected only line 4 of the probe):" >&2
  scan "$probe" >&2
  exit 1
fi

files=()
while IFS= read -r -d '' file; do files+=("$file"); done \
  < <(find "$src/sim" "$src/models" -name '*.[ch]' -print0 | sort -z)
if [ ${#files[@]} -eq 0 ]; then
  echo "cli_no_wallclock: no sources under $src/sim or $src/models" >&2
  exit 1
fi

hits=$(scan "${files[@]}")
if [ -n "$hits" ]; then
  echo "cli_no_wallclock: wall clock or libc randomness in simulated code (use sim_now and" >&2
  echo "sim_stream):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "cli_no_wallclock: ${#files[@]} files clean"
