#!/usr/bin/env bash
# Drafting time with the language model, this build against another build of referat, from
# the same transcripts and segmentations (the truth transcripts of sample meetings), one after
# the other on the same machine: the ratio is what counts (run it on an idle machine).
#
#   bash bench/draft_speed.sh OTHER_BIN [id ...]      (default ids: four tuning meetings)
#   OTHER_ARGS="--llm-decoding 1:0" bash bench/draft_speed.sh this    (this build, other settings)
#
# OTHER_BIN "this" is this build; OTHER_ARGS are added to the other run's `referat draft`. The
# last column says whether both runs wrote the same draft.json (greedy decoding: batching and
# prompt-lookup speculation must not change a token).
# Prints per meeting and in all: wall seconds of `referat draft`, model calls, prompt and
# generated tokens, for both builds; and the innspill/vedtak scores of each draft.
set -euo pipefail
cd "$(dirname "$0")/.."
other=${1:?usage: bench/draft_speed.sh OTHER_BIN [id ...]}
shift
read -r -a other_args <<<"${OTHER_ARGS:-}"
ids=("$@")
[ ${#ids[@]} -gt 0 ] || ids=(ehelse-2025-06 hovedutvalg-2025-10 formannskap-2025-11 helseplattform-2026-03)
bin=${REFERAT_BIN:-./target/release/referat}
[ "$other" = this ] && other=$bin
# Both builds use this checkout's model store.
export REFERAT_MODELS_DIR=${REFERAT_MODELS_DIR:-$PWD/models}
out=bench/tmp/draft-speed
mkdir -p "$out"
printf '%-26s %-6s %8s %6s %8s %8s %10s %8s %s\n' meeting build wall_s calls prompt gen innspill vedtak same_draft
for id in "${ids[@]}"; do
  d=samples/$id
  base=$out/$id/base
  mkdir -p "$base"
  "$bin" transcribe --meeting "$d/meeting.toml" --transcript "$d/truth.vtt" --out "$base" >/dev/null 2>&1
  "$bin" segment --meeting "$d/meeting.toml" --out "$base" --force >/dev/null 2>&1
  for build in this other; do
    wd=$out/$id/$build
    rm -rf "$wd"; mkdir -p "$wd"
    cp "$base/transcript.json" "$base/segments.json" "$wd/"
    b=$bin; extra=(); [ $build = other ] && { b=$other; extra=("${other_args[@]}"); }
    start=$(date +%s.%N)
    "$b" draft --meeting "$d/meeting.toml" --out "$wd" --force "${extra[@]}" >"$wd/draft.log" 2>&1
    end=$(date +%s.%N)
    "$bin" eval --meeting "$d/meeting.toml" --out "$wd" --truth "$d/truth.json" --json >"$wd/eval.json"
    same=-; [ $build = other ] && { cmp -s "$out/$id/this/draft.json" "$wd/draft.json" && same=yes || same=no; }
    python3 - "$wd" "$id" "$build" "$start" "$end" "$same" <<'PY'
import json, re, sys
wd, mid, build, start, end, same = sys.argv[1:7]
log = open(f"{wd}/draft.log").read()
calls = re.search(r"(\d+) model calls", log); prompt = re.search(r"prompt (\d+) tokens", log); gen = re.search(r"generated (\d+) tokens", log)
e = json.load(open(f"{wd}/eval.json"))["draft"]; i = e["innspill"]
r = i["matched"] / max(i["truth"], 1); p = i["matched"] / max(i["draft"], 1)
print(f"{mid:26} {build:6} {float(end)-float(start):8.1f} {calls.group(1) if calls else '?':>6} {prompt.group(1) if prompt else '?':>8} {gen.group(1) if gen else '?':>8} {r:.2f}/{p:.2f}  {e['vedtak_close']}/{e['vedtak_items']:<4} {same}")
PY
  done
done | tee "$out/table.txt"
python3 - "$out/table.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
tot = {}
for r in rows:
    t = tot.setdefault(r[1], [0.0, 0, 0, 0])
    t[0] += float(r[2]); t[1] += int(r[3]) if r[3].isdigit() else 0; t[2] += int(r[4]) if r[4].isdigit() else 0; t[3] += int(r[5]) if r[5].isdigit() else 0
for b, t in tot.items():
    print(f"{'all':26} {b:6} {t[0]:8.1f} {t[1]:6} {t[2]:8} {t[3]:8}")
if "this" in tot and "other" in tot and tot["this"][0] > 0:
    print(f"speed-up of this build over the other: {tot['other'][0] / tot['this'][0]:.2f}x")
PY
