#!/usr/bin/env bash
# cli_lessons.sh: every lesson page of docs/lessons/ shows what the binary prints, whole: it runs
# docs/lessons/render.sh into a scratch copy of the lessons and compares, byte for byte, each
# page (its command, its numbers table and the whole printed block) and each picture's gnuplot
# script with the committed ones; it checks the pictures are drawn when gnuplot is present, that
# each page's command runs as ./build/kafkasim from the repository's root and that its --plot
# writes outside the repository (running a lesson does not overwrite the committed picture).
# A difference means a model change moved a lesson: run docs/lessons/render.sh, read the
# prose around the numbers again, and commit.
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

mkdir -p "$scratch/docs/lessons"
cp "$lessons"/* "$scratch/docs/lessons/"
rm -f "$scratch"/docs/lessons/*.png
if ! bash "$scratch/docs/lessons/render.sh" "$bin" >"$scratch/render.out" 2>&1; then
  echo "FAIL: docs/lessons/render.sh failed:"; cat "$scratch/render.out"; exit 1
fi

for props in "$lessons"/[0-9][0-9]-*.properties; do
  name=$(basename "$props" .properties)
  page=$lessons/$name.md
  count=$((count + 1))
  [ -f "$page" ] || { echo "FAIL $name: no page $name.md"; fail=1; continue; }
  [ -f "$lessons/$name.png" ] || { echo "FAIL $name: no committed picture $name.png"; fail=1; }
  if ! cmp -s "$page" "$scratch/docs/lessons/$name.md"; then
    echo "FAIL $name: the page differs from what the binary prints (run docs/lessons/render.sh):"
    diff "$page" "$scratch/docs/lessons/$name.md" | head -20
    fail=1
  fi
  if ! cmp -s "$lessons/$name.gp" "$scratch/docs/lessons/$name.gp"; then
    echo "FAIL $name: the picture's script $name.gp differs from what the binary writes:"
    diff "$lessons/$name.gp" "$scratch/docs/lessons/$name.gp" | head -10
    fail=1
  fi
  if [ $have_gnuplot = 1 ]; then
    [ -s "$scratch/docs/lessons/$name.png" ] || { echo "FAIL $name: the picture was not drawn"; fail=1; }
  fi
  cmd=$(sed -n '/<!-- render.sh: command -->/,/<!-- \/render.sh -->/p' "$page" | grep '^\./build/kafkasim')
  case $cmd in
  "./build/kafkasim run docs/lessons/$name.properties "*) ;;
  *) echo "FAIL $name: the page's command is not './build/kafkasim run docs/lessons/$name.properties ...': $cmd"; fail=1 ;;
  esac
  plot=$(sed -n 's/.*--plot \([^ ]*\).*/\1/p' <<<"$cmd")
  case $plot in
  /tmp/*) ;;
  *) echo "FAIL $name: the page's --plot '$plot' does not write outside the repository"; fail=1 ;;
  esac
done

[ $count -ge 14 ] || { echo "FAIL: expected 14 lessons, found $count"; fail=1; }
[ $fail = 0 ] && echo "ok: $count lessons, every page and picture script as the binary writes them"
exit $fail
