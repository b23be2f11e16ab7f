# lib.sh: what every command-level test shares. Source it from a test script run as
#   bash SCRIPT KAFKASIM_BINARY SOURCE_DIR
# with test_name set first. It sets bin (absolute), src, a scratch folder as the working
# directory (removed on exit), the counters, fail, expect_exit, run_ok, chain_has,
# csv_field and finish.

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "${2:-.}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
checks=0

fail() {
  echo "$test_name: FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE ARGS...: runs `kafkasim ARGS`, keeps stdout/stderr in out/err.
expect_exit() {
  local want=$1
  shift
  checks=$((checks + 1))
  "$bin" "$@" >out 2>err
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "kafkasim $* exited $got, expected $want"
    sed 's/^/  stdout: /' out | head -20 >&2
    sed 's/^/  stderr: /' err | head -20 >&2
  fi
}

# csv_field NAME [FILE]: the value of column NAME in the first row under the header of FILE
# (default out, a `--format csv` run's stdout); nothing when there is no such column.
csv_field() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i }
                        NR == 2 && col { print $col }' "${2:-out}"
}

# run_ok ARGS...: `kafkasim run ARGS` must exit 0; stdout in out, stderr in err.
run_ok() {
  checks=$((checks + 1))
  "$bin" run "$@" >out 2>err || fail "kafkasim run $* exited $?: $(head -1 err)"
}

# chain_has FILE HEAD PATTERN...: the first line of FILE matching HEAD (an explain chain) holds
# every pattern (extended regular expressions).
chain_has() {
  local file=$1 head=$2
  shift 2
  local chain
  chain=$(grep -E -m1 -- "$head" "$file")
  checks=$((checks + 1))
  if [ -z "$chain" ]; then
    fail "no chain matching '$head'"
    return
  fi
  for p in "$@"; do
    checks=$((checks + 1))
    grep -qE -- "$p" <<<"$chain" || fail "chain '$head' lacks '$p':
  $chain"
  done
}

# finish: the closing line, and the exit status.
finish() {
  echo "$test_name: $checks checks, $failures failed"
  [ "$failures" = 0 ]
}
