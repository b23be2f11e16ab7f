#!/usr/bin/env bash
# cli_plot_layout.sh: the layout of the timeline picture, checked on the gnuplot script it
# writes: the broken time axis (an idle stretch is cut to a narrow band; no drawn event lies
# inside a cut or moves across one; the true times on both sides of each cut are tick labels;
# the map from time to axis is monotone and exact between cuts), and labels that never print
# over each other or outside the plot area, on every lesson and on crowded runs.
# Usage: bash cli_plot_layout.sh KAFKASIM_BINARY SOURCE_DIR
test_name=cli_plot_layout
. "$(dirname "$0")/lib.sh"
lessons=$src/docs/lessons

# draw NAME SEED [ARGS...]: the lesson's picture into NAME.gp here.
draw() {
    local name=$1 seed=$2
    shift 2
    checks=$((checks + 1))
    "$bin" run "$lessons/$name.properties" --seed "$seed" --plot "$PWD/$name.png" "$@" \
        >/dev/null 2>"$name.err" || fail "$name: exit $?: $(cat "$name.err")"
    [ -s "$name.gp" ] || fail "$name: no gnuplot script"
}

# axis GP MIN_CUTS MAX_SHOWN: the script's broken axis is sound (see above); it has at least
# MIN_CUTS cuts and the axis shows at most MAX_SHOWN of the window. Prints what it measured.
axis() {
    checks=$((checks + 1))
    python3 - "$@" <<'PY' || fail "$1: the broken axis"
import re, sys
gp, min_cuts, max_shown = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
text = open(gp).read()
bad = []
m = re.search(r"^bx\(t\) = (.*)$", text, re.M)
if not m:
    sys.exit(f"{gp}: no bx(t), the map of the broken axis")
cuts = [(float(s), float(e)) for s, e in
        re.findall(r"t < ([0-9.]+) \? t - [0-9.]+ : t < ([0-9.]+) \?", m.group(1))]
parts = m.group(1).split(" : ")
def bx(t):
    for part in parts[:-1]:
        cond, expr = part.split(" ? ")
        if t < float(cond[4:]):
            return eval(expr, {"t": t})
    return eval(parts[-1], {"t": t})
for s, e in cuts:
    if not s < e:
        bad.append(f"cut {s}..{e} is empty")
# Every drawn time (a mark, both ends of a message or a bracket) lies outside every cut.
vectors = {"produce", "retry", "anomalymsg", "response", "errresponse", "fetch", "other",
           "lost", "txn", "backoff"}
times = []
for name, body in re.findall(r"^\$(\w+) << EOD\n(.*?)^EOD$", text, re.M | re.S):
    for line in body.splitlines():
        f = line.split()
        t = float(f[0])
        times.append(t)
        if name in vectors:
            times.append(t + float(f[2]))
for t in times:
    for s, e in cuts:
        if s < t < e:
            bad.append(f"an event at {t} ms lies inside the cut {s}..{e}")
# The map is monotone, exact (slope 1) outside the cuts, and each cut's both sides are ticks.
xr = re.search(r"^set xrange \[([0-9.]+):([0-9.]+)\]$", text, re.M)
lo, hi = float(xr.group(1)), float(xr.group(2))
window = None
prev = None
ticks = [(float(v), float(x)) for v, x in
         re.findall(r'"([0-9.]+)" ([0-9.]+)', re.search(r"^set xtics \((.*)\)$", text, re.M).group(1))]
for v, x in ticks:
    if abs(bx(v) - x) > 1e-3:
        bad.append(f"tick {v} at {x}, bx says {bx(v)}")
    if prev is not None and not (x > prev[1] and v > prev[0]):
        bad.append(f"ticks out of order: {prev} then {(v, x)}")
    prev = (v, x)
tick_values = {v for v, _ in ticks}
for s, e in cuts:
    if s not in tick_values or e not in tick_values:
        bad.append(f"the cut {s}..{e} has no tick label on both sides")
    if abs((bx(s - 1e-3) - bx(s - 2e-3)) - 1e-3) > 1e-6 or abs((bx(e + 2e-3) - bx(e + 1e-3)) - 1e-3) > 1e-6:
        bad.append(f"the map is not exact beside the cut {s}..{e}")
shown = (hi - lo) / (hi - lo + sum(e - s - (bx(e) - bx(s)) for s, e in cuts))
if len(cuts) < min_cuts:
    bad.append(f"{len(cuts)} cuts, expected at least {min_cuts}")
if shown > max_shown:
    bad.append(f"the axis shows {shown:.2f} of the window, expected at most {max_shown}")
print(f"{gp}: {len(cuts)} cuts, {len(times)} drawn times, axis {shown:.2f} of the window")
for b in bad[:10]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# labels GP MIN_HIDDEN: no two labels of the script's picture overlap and each lies inside the
# plot area. A label's box: its text's width in the 8-point Sans of the labels (the advances
# below, measured on pngcairo), 12 pixels high around its height, placed where the script puts
# it (the margins are fixed: set lmargin/rmargin/tmargin/bmargin at screen). At least MIN_HIDDEN
# labels found no room (a crowded picture). Prints what it measured.
labels() {
    checks=$((checks + 1))
    python3 - "$@" <<'PY' || fail "$1: labels"
import re, shlex, sys
gp, min_hidden = sys.argv[1], int(sys.argv[2])
text = open(gp).read()
adv = [4, 4, 5, 9, 7, 10, 8, 3, 4, 4, 5, 9, 3, 4, 3, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 9, 9,
       9, 6, 11, 8, 7, 7, 8, 7, 6, 8, 8, 3, 3, 7, 6, 9, 8, 8, 6, 8, 7, 7, 7, 8, 7, 11, 7, 7, 7, 4,
       4, 4, 9, 5, 4, 7, 7, 6, 7, 7, 4, 7, 7, 3, 3, 6, 3, 10, 7, 7, 7, 7, 4, 6, 4, 7, 6, 9, 6, 6,
       6, 7, 4, 7, 9]
def width(s):
    return sum(adv[ord(c) - 32] if 32 <= ord(c) <= 126 else 11 for c in s)
def num(pattern):
    m = re.search(pattern, text, re.M)
    if not m:
        sys.exit(f"{gp}: no line /{pattern}/")
    return [float(g) for g in m.groups()]
W, H = num(r"^set terminal \w+ size (\d+),(\d+)")
lm, = num(r"^set lmargin at screen ([0-9.]+)$")
rm, = num(r"^set rmargin at screen ([0-9.]+)$")
tm, = num(r"^set tmargin at screen ([0-9.]+)$")
bm, = num(r"^set bmargin at screen ([0-9.]+)$")
xlo, xhi = num(r"^set xrange \[([-0-9.]+):([-0-9.]+)\]$")
ylo, yhi = num(r"^set yrange \[([-0-9.]+):([-0-9.]+)\]$")
aw, ah = (rm - lm) * W, (tm - bm) * H
parts = re.search(r"^bx\(t\) = (.*)$", text, re.M).group(1).split(" : ")
def bx(t):
    for part in parts[:-1]:
        cond, expr = part.split(" ? ")
        if t < float(cond[4:]):
            return eval(expr, {"t": t})
    return eval(parts[-1], {"t": t})
px = lambda x: (x - xlo) / (xhi - xlo) * aw
py = lambda y: (yhi - y) / (yhi - ylo) * ah
blocks = dict(re.findall(r"^\$(\w+) << EOD\n(.*?)^EOD$", text, re.M | re.S))
boxes, hidden = [], 0
for name in re.findall(r"\$(\w+) using \(bx\(\$1\)\+\$5\):4:3(?::6)? with labels left", text):
    for line in blocks[name].splitlines():
        f = shlex.split(line)
        if not f[2]:
            hidden += 1
            continue
        x, y = px(bx(float(f[0])) + float(f[4])), py(float(f[3]))
        boxes.append((x - 1, y - 6, x + width(f[2]) + 1, y + 6, f[2]))
if re.search(r"\$backoff using .* with labels center", text):
    for line in blocks["backoff"].splitlines():
        f = shlex.split(line)
        if not f[3]:
            hidden += 1
            continue
        t, d = float(f[0]), float(f[2])
        x, y, w = px((bx(t) + bx(t + d)) / 2), py(float(f[4])), width(f[3])
        boxes.append((x - w / 2 - 1, y - 6, x + w / 2 + 1, y + 6, f[3]))
for label, x in re.findall(r'^set label \d+ "(.*? ms cut)" at first ([-0-9.]+), graph 0.02 rotate by 90', text, re.M):
    x = px(float(x))
    boxes.append((x - 6, ah * 0.98 - width(label) - 1, x + 6, ah * 0.98, label))
bad = []
for b in boxes:
    if b[0] < -0.01 or b[1] < -0.01 or b[2] > aw + 0.01 or b[3] > ah + 0.01:
        bad.append(f"'{b[4]}' leaves the plot area: {[round(v) for v in b[:4]]}")
order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
for k, i in enumerate(order):
    a = boxes[i]
    for j in order[k + 1:]:
        b = boxes[j]
        if b[0] >= a[2] - 0.01:
            break
        if b[1] < a[3] - 0.01 and a[1] < b[3] - 0.01:
            bad.append(f"'{a[4]}' and '{b[4]}' overlap")
if hidden < min_hidden:
    bad.append(f"{hidden} marks without a label, expected a crowded picture (at least {min_hidden})")
print(f"{gp}: {len(boxes)} labels drawn, {hidden} marks without one, {len(bad)} problems")
for b in bad[:10]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# Lesson 7: a broker restart with long waits between the acts: cut to a picture of the acts.
draw 07-broker-restart 1
axis 07-broker-restart.gp 2 0.7
# Lesson 10: the zombie sleeps for two seconds of a 2.3 s run.
draw 10-zombie-fencing 1
axis 10-zombie-fencing.gp 2 0.6
# With --plot-detail the fetches and heartbeats are drawn and fill the idle stretches: no cut
# may hide one of them.
draw 07-broker-restart 1 --plot-detail
axis 07-broker-restart.gp 0 1
# A window given with --window is cut too.
draw 01-lost-ack 1 --window 0ms..170ms
axis 01-lost-ack.gp 1 0.8

# Labels: every lesson's committed picture, and crowded runs: lesson 3's lost answers with three
# producers, and a transactional run through its coordinator's crash.
for gp in "$lessons"/[0-9][0-9]-*.gp; do labels "$gp" 0; done
checks=$((checks + 1))
"$bin" run "$lessons/03-idempotence.properties" workload.producers=3 --seed 2 --window 0ms..900ms \
    --plot "$PWD/crowded.png" >/dev/null 2>&1 || fail "crowded run with --plot"
labels crowded.gp 20
checks=$((checks + 1))
"$bin" run transactional.id=app workload.records=300 isolation.level=read_committed \
    'fault.c=crash coordinator at 200ms for 5s' --plot "$PWD/txn.png" >/dev/null 2>&1 ||
    fail "transactional run with --plot"
labels txn.gp 5

echo "$test_name: $checks checks, $failures failed"
exit $((failures > 0))
