#!/usr/bin/env bash
# cli_reference.sh: every name a reader meets resolves in docs/reference.md: each output field
# of `kafkasim run` (JSON keys, CSV columns), each text line's label, and each scenario id
# (S1..S17, T1..T22), source alias (`PC ACKS_DOC`, `TM.canRetry`) and section of the semantics
# notes ("kafka-semantics.md 2.7", "section 3.4") cited anywhere in the repository's code, tests,
# docs, experiments and results. A failure names the id and the file that cites it.
#
# Usage: bash cli_reference.sh KAFKASIM_BINARY SOURCE_DIR
set -u
test_name=cli_reference
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
. "$(dirname "$0")/lib.sh"
ref=$src/docs/reference.md
[ -f "$ref" ] || { fail "no docs/reference.md"; finish; exit; }

# ---- output fields ------------------------------------------------------------------------
small="workload.records=200 workload.rate=2000"
expect_exit 0 run $small "fault.x=drop responses producer -> leader p=0.5" --format json
cp out run.json
expect_exit 0 run $small --format csv
cp out run.csv
expect_exit 0 run $small 'fault.c=crash leader at 30ms for 1s' --explain
cp out run.txt
checks=$((checks + 1))
python3 - "$ref" run.json run.csv run.txt <<'PY' || fail "output names missing from docs/reference.md"
import json, re, sys
ref = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
names = set()
for k, v in d.items():
    names.add(k)
    if isinstance(v, dict) and k != "errors":
        names.update(f"{k}.{m}" for m in v)
names.update(open(sys.argv[3]).readline().strip().split(","))
labels = {l.split()[0] for l in open(sys.argv[4]) if re.match(r"^[a-z]+ {2,}", l)}
missing = [n for n in sorted(names) if f"`{n}`" not in ref]
missing += [f"text line {l}" for l in sorted(labels) if f"| `{l}` |" not in ref]
if d["end"] not in ref:
    missing.append(f"end value {d['end']}")
for m in missing:
    print(f"cli_reference: FAIL: {m} is not in docs/reference.md")
sys.exit(1 if missing else 0)
PY

# ---- ids cited in the repository -----------------------------------------------------------
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$src" ls-files -co --exclude-standard >files
else
  (cd "$src" && find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||') >files
fi
grep -Ev '\.(png|svg|csv|journal)$|^docs/reference\.md$|^tests/cli_reference\.sh$|^build' files >text_files
checks=$((checks + 1))
python3 - "$src" "$ref" text_files <<'PY' || fail "ids cited in the repository are missing from docs/reference.md"
import re, sys
src, ref_path, listing = sys.argv[1:4]
ref = open(ref_path).read()
rows = set(re.findall(r"^\| ([0-9.]+|[ST][0-9]+) \|", ref, re.M))
aliases = set(re.findall(r"`([A-Z]{1,5})`", ref.split("## Source aliases", 1)[-1]))
ext = r"(?:png|svg|gp|csv|sweep|properties|md|sh|c|h|json|jsonl|txt|journal)\b"
missing = {}
def need(what, where):
    missing.setdefault(what, where)
for path in open(listing).read().split():
    try:
        text = open(f"{src}/{path}", encoding="utf-8").read()
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        continue
    for m in re.finditer(r"\b([ST][0-9]{1,2})\b", text):
        if m.group(1) not in rows: need(f"scenario id {m.group(1)}", path)
    for m in re.finditer(r"\b([A-Z]{2,5})\.([a-z][A-Za-z]+)", text):
        if re.fullmatch(ext, m.group(2)) or m.group(1) in ("FILE", "NAME", "FIELD", "SPEC", "OUT", "DIR"):
            continue
        if m.group(1) not in aliases: need(f"source alias {m.group(1)} ({m.group(0)})", path)
    for m in re.finditer(r"\b([A-Z]{1,5}) [A-Z_]+_DOC\b", text):
        if m.group(1) not in aliases: need(f"source alias {m.group(1)} ({m.group(0)})", path)
    for m in re.finditer(r"(?:kafka-semantics\.md|[Ss]ections?)(?: sections?)? ([0-9]+(?:\.[0-9]+)?)"
                         r"(?:(?:-| and )([0-9]+(?:\.[0-9]+)?))?", text):
        for n in m.groups():
            if n and n not in rows: need(f"section {n} of the semantics notes", path)
    for name in ("kafka-semantics.md", "txn-consumer-semantics.md"):
        if name in text and name not in ref: need(name, path)
for what, where in sorted(missing.items()):
    print(f"cli_reference: FAIL: {what} (cited in {where}) has no entry in docs/reference.md")
sys.exit(1 if missing else 0)
PY

# The test sees a citation it should: a scratch copy with one unknown id fails.
[ -n "${CLI_REFERENCE_PROBE:-}" ] && { finish; exit; }
mkdir -p probe/docs
cp "$ref" probe/docs/reference.md
printf '/* see S99 and XQ.method */\n' >probe/probe.c
checks=$((checks + 1))
if CLI_REFERENCE_PROBE=1 bash "$self" "$bin" probe >probe.out 2>&1; then
  fail "an unknown id (S99) in a scratch tree passed"
fi
grep -q "scenario id S99" probe.out || fail "the scratch tree's S99 was not named"
grep -q "source alias XQ" probe.out || fail "the scratch tree's alias XQ was not named"

finish
