#!/usr/bin/env bash
# render.sh: writes everything a lesson page shows from the binary, so no printed number can
# go stale: for each docs/lessons/NN-*.properties it runs the command on its "# Replay:" line
# and rewrites, in NN-*.md, the blocks between "<!-- render.sh: NAME -->" and
# "<!-- /render.sh -->":
#   command  the command, as the reader types it (its --plot writes outside the repository)
#   numbers  the table "| `field` | value |": the page chooses the fields, the run's JSON
#            gives the values (errors.CODE reads the errors object, absent = 0)
#   output   everything the command prints
# and draws the committed picture NN-*.png with its gnuplot script NN-*.gp (the same command
# with --plot docs/lessons/NN-*.png). Everything else on the page is prose and stays as is.
#
# Run it after a model change moves a lesson's numbers, and commit what it changed:
#   docs/lessons/render.sh [KAFKASIM]     (default: build-dev/kafkasim, else build/kafkasim)
# tests/cli_lessons.sh runs it into a scratch copy and fails on any difference.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
  for b in build-dev/kafkasim build/kafkasim; do
    if [ -x "$root/$b" ]; then bin=$root/$b; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "render.sh: no kafkasim binary: build it first or name it (render.sh PATH)" >&2
  exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for props in docs/lessons/[0-9][0-9]-*.properties; do
  name=$(basename "$props" .properties)
  page=docs/lessons/$name.md
  cmd=$(sed -n 's/^# Replay: //p' "$props")
  read -r -a words <<<"$cmd"
  if [ "${words[0]:-}" != ./build/kafkasim ] || [ "${words[1]:-}" != run ]; then
    echo "render.sh: $props: the '# Replay:' line must start with './build/kafkasim run'" >&2
    exit 2
  fi
  # The words after "run", with the picture drawn beside the page instead.
  args=()
  plot=0
  for w in "${words[@]:2}"; do
    if [ $plot = 1 ]; then args+=("docs/lessons/$name.png"); plot=0; continue; fi
    [ "$w" = --plot ] && plot=1
    args+=("$w")
  done
  # The numbers come from the same run without --explain and the picture.
  json_args=()
  skip=0
  for w in "${words[@]:2}"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    case $w in
    --explain*) ;;
    --plot | --window) skip=1 ;;
    *) json_args+=("$w") ;;
    esac
  done
  "$bin" run "${args[@]}" >"$tmp/output" 2>"$tmp/err" || {
    echo "render.sh: $name: the command failed: $(cat "$tmp/err")" >&2
    exit 1
  }
  [ -s "$tmp/err" ] && sed "s/^/render.sh: $name: /" "$tmp/err" >&2
  "$bin" run "${json_args[@]}" --format json >"$tmp/json"
  python3 - "$page" "$cmd" "$tmp/output" "$tmp/json" <<'PY'
import json, re, sys
page, cmd, output, js = sys.argv[1:5]
text = open(page).read()
d = json.load(open(js))

def block(name, body):
    global text
    pattern = re.compile(r"(<!-- render\.sh: %s -->\n).*?(<!-- /render\.sh -->)" % name, re.S)
    if not pattern.search(text):
        sys.exit(f"render.sh: {page}: no '<!-- render.sh: {name} -->' block")
    text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text, count=1)

def value(field):
    if field.startswith("errors."):
        return d["errors"].get(field[7:], 0)
    if field not in d:
        sys.exit(f"render.sh: {page}: the numbers table names '{field}', not an output field")
    return d[field]

block("command", "```sh\n" + cmd + "\n```\n")
table = re.search(r"<!-- render\.sh: numbers -->\n(.*?)<!-- /render\.sh -->", text, re.S)
fields = re.findall(r"^\| `([A-Za-z_.]+)` \|", table.group(1) if table else "", re.M)
if not fields:
    sys.exit(f"render.sh: {page}: the numbers table names no field")
rows = "".join(f"| `{f}` | {value(f)} |\n" for f in fields)
block("numbers", "| field | value |\n|---|---|\n" + rows)
block("output", "```\n" + open(output).read() + "```\n")
open(page, "w").write(text)
PY
done
