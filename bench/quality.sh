#!/usr/bin/env bash
# Quality of referat on every sample meeting, from the recording and from the truth
# transcript, in one table per meeting plus the means of the tuning and the held-out meetings
# (samples/meetings.toml says which is which).
#
#   bash bench/quality.sh [--rules-only] [--truth-only] [--only id,id] [--out DIR]
#
# QUALITY_THREADS=1 transcribes with one thread (on a machine busy with other work, where
# two contended threads spin-wait and run slower than one).
# Transcripts are reused when up to date (the transcribe stage skips itself); segmentation
# and drafting are always redone, so the figures are the current code's. Writes
# DIR/quality.md (default bench/tmp/quality) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/tmp/quality
draft_flags=()
truth_only=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rules-only) draft_flags+=(--rules-only) ;;
    --truth-only) truth_only=1 ;;
    --only) only="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: bench/quality.sh [--rules-only] [--truth-only] [--only id,id] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
bin=${REFERAT_BIN:-./target/release/referat}
asr_flags=()
[ -z "${QUALITY_THREADS:-}" ] || asr_flags+=(--threads "$QUALITY_THREADS")
[ -n "${REFERAT_BIN:-}" ] || cargo build --release --locked -q
mkdir -p "$out"
for id in $(python3 bench/quality.py --list); do
  if [ -n "$only" ] && [[ ",$only," != *",$id,"* ]]; then continue; fi
  d=samples/$id
  rec=$(ls "$d"/recording.* | head -n 1)
  paths=(truth)
  [ $truth_only = 1 ] || paths+=(asr)
  for path in "${paths[@]}"; do
    wd=$out/$id/$path
    mkdir -p "$wd"
    log=$wd/run.log
    if [ "$path" = truth ]; then
      "$bin" transcribe --meeting "$d/meeting.toml" --transcript "$d/truth.vtt" --out "$wd" >"$log" 2>&1
    else
      "$bin" transcribe --meeting "$d/meeting.toml" --audio "$rec" --out "$wd" "${asr_flags[@]}" >"$log" 2>&1
    fi
    "$bin" segment --meeting "$d/meeting.toml" --out "$wd" --force >>"$log" 2>&1
    "$bin" draft --meeting "$d/meeting.toml" --out "$wd" --force "${draft_flags[@]}" >>"$log" 2>&1
    "$bin" export --meeting "$d/meeting.toml" --out "$wd" --format md >>"$log" 2>&1
    "$bin" eval --meeting "$d/meeting.toml" --out "$wd" --truth "$d/truth.json" --json >"$wd/eval.json"
    echo "quality: $id $path done" >&2
  done
done
python3 bench/quality.py --report "$out" | tee "$out/quality.md"
