#!/usr/bin/env bash
# cli_docs.sh: every command in README.md, docs/ and results/README.md runs as written, from the
# root of a fresh copy of the repository after the README's set-up (`make`, which builds
# build/kafkasim: here the binary under test stands in for it).
#
# The house rule it enforces: a command the reader runs is written with ./build/kafkasim, in a
# ```sh block or an inline code span; it exits 0 and prints no warning (a fault that never
# fires makes an example that shows nothing). Inline mentions of `kafkasim SUBCOMMAND ...` in
# prose name the program (on the PATH after `make install`); for them the test checks that the
# subcommand exists and that every --option named is in its --help. A few commands cannot run
# here; each is excluded below with its reason, and nothing else is skipped.
#
# Usage: bash cli_docs.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_docs
. "$(dirname "$0")/lib.sh"

# ---- a fresh copy -------------------------------------------------------------------------
repo=$work/repo
mkdir -p "$repo/build"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 tar cf - 2>/dev/null) |
    (cd "$repo" && tar xf -)
else
  (cd "$src" && tar cf - --exclude='./build*' --exclude=./.git .) | (cd "$repo" && tar xf -)
fi
ln -s "$bin" "$repo/build/kafkasim"

# ---- the commands ---------------------------------------------------------------------------
# One line per command: KIND<TAB>FILE:LINE<TAB>COMMAND, KIND run (to run) or mention (a name).
python3 - "$repo" >commands <<'PY'
import glob, re, sys
repo = sys.argv[1]
files = ["README.md", "results/README.md"] + sorted(
    p[len(repo) + 1:] for p in glob.glob(f"{repo}/docs/**/*.md", recursive=True))
runnable = re.compile(r"^(\./build/kafkasim|sh |make|cmake|docs/lessons/render\.sh|sudo |parallel )")
for f in files:
    lines = open(f"{repo}/{f}").read().split("\n")
    fence = None
    pending, start = "", 0
    for n, line in enumerate(lines, 1):
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        if fence == "sh":
            if not pending:
                start = n
            pending += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
            if line.endswith("\\"):
                continue
            cmd, pending = re.sub(r"\s+#.*$", "", pending).strip(), ""
            if cmd and not cmd.startswith("#"):
                print(f"run\t{f}:{start}\t{cmd}")
            continue
        if fence is not None:
            continue
        for span in re.findall(r"`([^`]+)`", line):
            if runnable.match(span) and " " in span:
                print(f"run\t{f}:{n}\t{span}")
            elif re.match(r"kafkasim [a-z]", span):
                print(f"mention\t{f}:{n}\t{span}")
PY

# Commands that cannot run here, each with its reason.
excluded() {
  case $1 in
  "sudo apt-get install"*) echo "installs system packages (the machine running the tests has them)" ;;
  "make demo"* | "make test"* | "make") echo "builds the release tree; this test runs inside a build, on its binary" ;;
  "make install"* | "cmake --install"*) echo "installs; tests/cli_install.sh covers the install target" ;;
  "cmake --preset"*) echo "configures a build; this test runs inside one" ;;
  "parallel -S "*) echo "needs ssh hosts" ;;
  *NAME* | *" S.sweep"* | *FILE*) echo "a template: its placeholder stands for any name" ;;
  *) return 1 ;;
  esac
}

ran=0
skipped=0
while IFS=$'\t' read -r kind where cmd; do
  if [ "$kind" = mention ]; then
    checks=$((checks + 1))
    read -r -a words <<<"$cmd"
    sub=${words[1]}
    if ! "$bin" "$sub" --help >help 2>/dev/null; then
      fail "$where: '$cmd' names no kafkasim subcommand '$sub'"
      continue
    fi
    for w in "${words[@]:2}"; do
      case $w in
      --*) grep -q -- "${w%%=*}" help || fail "$where: '$cmd': $sub --help has no ${w%%=*}" ;;
      esac
    done
    continue
  fi
  case $cmd in
  kafkasim\ * | *\ kafkasim\ *)
    checks=$((checks + 1))
    fail "$where: '$cmd' calls bare kafkasim; documented commands call ./build/kafkasim" ;;
  esac
  if reason=$(excluded "$cmd"); then
    echo "$test_name: not run ($where): $cmd: $reason"
    skipped=$((skipped + 1))
    continue
  fi
  checks=$((checks + 1))
  ran=$((ran + 1))
  # A Slurm job array runs its line once per task with SLURM_ARRAY_TASK_ID set: so does this.
  tasks=0
  case $cmd in *'${SLURM_ARRAY_TASK_ID}'*) tasks=$(sed -n 's/.*}\/\([0-9]*\).*/\1/p' <<<"$cmd") ;; esac
  # The ways to run a sharded sweep are alternatives: each starts without shards.
  case $cmd in *--shard*) rm -rf "$repo/$(sed -n 's/.*--out \([^ ]*\).*/\1/p' <<<"$cmd")" ;; esac
  rc=0
  if [ "$tasks" -gt 0 ] 2>/dev/null; then
    for t in $(seq "$tasks"); do
      (cd "$repo" && SLURM_ARRAY_TASK_ID=$t timeout 600 bash -c "$cmd") >out 2>err || rc=$?
    done
  else
    (cd "$repo" && timeout 600 bash -c "$cmd") >out 2>err || rc=$?
  fi
  if [ $rc != 0 ]; then
    fail "$where: '$cmd' exited $rc"
    sed 's/^/  stderr: /' err | head -5 >&2
    continue
  fi
  if grep -qE '^warning |"warnings":\["|kafkasim sweep: warning' out err; then
    fail "$where: '$cmd' warns: $(grep -hE '^warning |"warnings"|sweep: warning' out err | head -2)"
  fi
done <commands

checks=$((checks + 1))
[ "$ran" -ge 20 ] || fail "only $ran commands ran (expected the README's, the results' and the lessons')"
echo "$test_name: $ran commands ran, $skipped not run (reasons above)"
finish
