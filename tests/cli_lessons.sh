#!/usr/bin/env bash
# cli_lessons.sh: renders every lesson of docs/lessons/ and checks the numbers its page states.
#
# For each docs/lessons/NN-*.properties: runs the command on its "# Replay:" line (without
# --explain, with --format json and the picture drawn into a scratch folder), then compares
# every row "| `field` | value |" of the page NN-*.md with the run's json (errors.CODE reads
# the errors object, absent = 0), and checks the picture was drawn when gnuplot is present.
# Eight lessons, one seed each (the page's); the whole script takes a few seconds.
# Usage: bash cli_lessons.sh KAFKASIM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
lessons=$src/docs/lessons
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0
count=0
have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1

for props in "$lessons"/[0-9][0-9]-*.properties; do
    name=$(basename "$props" .properties)
    page=$lessons/$name.md
    count=$((count + 1))
    [ -f "$page" ] || { echo "FAIL $name: no page $name.md"; fail=1; continue; }
    [ -f "$lessons/$name.png" ] || { echo "FAIL $name: no committed picture $name.png"; fail=1; }
    grep -q "kafkasim run docs/lessons/$name.properties" "$page" ||
        { echo "FAIL $name: the page does not show the command"; fail=1; }
    cmd=$(sed -n 's/^# Replay: kafkasim run //p' "$props")
    [ -n "$cmd" ] || { echo "FAIL $name: no '# Replay:' line"; fail=1; continue; }
    # The command's words, with the lesson's paths made absolute and the picture redirected.
    read -r -a words <<<"$cmd"
    args=()
    skip=0
    for w in "${words[@]}"; do
        if [ $skip = 1 ]; then skip=0; continue; fi
        case $w in
        --explain*) ;;
        --plot) skip=1 ;;
        docs/*) args+=("$src/$w") ;;
        *) args+=("$w") ;;
        esac
    done
    (cd "$scratch" && "$bin" run "${args[@]}" --format json --plot "$scratch/$name.png" \
        >"$scratch/$name.json" 2>"$scratch/$name.err")
    rc=$?
    [ $rc = 0 ] || { echo "FAIL $name: exit $rc: $(cat "$scratch/$name.err")"; fail=1; continue; }
    # One python per lesson compares every stated row with the json.
    python3 - "$page" "$scratch/$name.json" "$name" <<'PY' || fail=1
import json, re, sys
page, out, name = sys.argv[1:4]
d = json.load(open(out))
rows = re.findall(r'^\| `([A-Za-z_.]+)` \| (-?[0-9]+) \|$', open(page).read(), re.M)
bad = 0 if rows else 1
if not rows:
    print(f"FAIL {name}: the page states no numbers")
for field, want in rows:
    got = d["errors"].get(field[7:], 0) if field.startswith("errors.") else d.get(field)
    if str(got) != want:
        print(f"FAIL {name}: {field}: the page says {want}, the run gives {got}")
        bad = 1
sys.exit(bad)
PY
    if [ $have_gnuplot = 1 ]; then
        [ -s "$scratch/$name.png" ] || { echo "FAIL $name: the picture was not drawn"; fail=1; }
    fi
    [ -s "$scratch/$name.gp" ] || { echo "FAIL $name: no gnuplot script"; fail=1; }
done

[ $count -ge 8 ] || { echo "FAIL: expected 8 lessons, found $count"; fail=1; }
[ $fail = 0 ] && echo "ok: $count lessons, every stated number matches"
exit $fail
