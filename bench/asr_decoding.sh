#!/usr/bin/env bash
# Transcription quality and time per decoding setting, on every sample meeting with a truth.
#
#   bash bench/asr_decoding.sh                       # the settings below, every meeting
#   bash bench/asr_decoding.sh today default carry   # only these settings
#   MEETINGS="ehelse-2025-06 hovedutvalg-2025-10" bash bench/asr_decoding.sh ...
#   CLIP_SECONDS=120 bash bench/asr_decoding.sh ...  # only the first 120 s of each meeting (sox),
#                                                    # scored on the utterances that start in it
#   REPORT=bench/other.md WORK=bench/tmp/other bash bench/asr_decoding.sh ...  # table and work dir
#   EXTRA=--no-speakers bash bench/asr_decoding.sh ...   # flags added to every setting
#   BASE=default bash bench/asr_decoding.sh default prompt100   # time ratios to this setting (default: today)
#
# Settings (flags of `referat transcribe`):
#   today     greedy, best-of 3 fallback, no correction: transcription as it was before issue 15
#   default   the new default: the default decoding, with lexical correction
#   fast      --fast: greedy with correction
#   beam2 / beam3 / beam5   beam search of that width, with correction
#   bestof5   greedy with 5 candidates per fallback step, with correction
#   carry     the default plus the previous window's words in the prompt
#   promptN   the default with the vocabulary prompt cut to N whisper tokens (default 200)
#   noprompt  the default without the vocabulary prompt
# Every run with correction keeps Whisper's own text (`asr_text`), so one run gives the WER
# without and with correction (bench/wer.py, same normalisation as everywhere). For `today`
# the WER with correction comes from correcting its transcript afterwards (bench_lexicon).
#
# Meetings are the outer loop and settings the inner one, so each meeting's settings run one
# right after the other: compare times as ratios to `today` within one run, on an idle machine
# for figures to publish. Writes bench/asr-decoding.md (and raw figures in bench/tmp/decoding/).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export REFERAT_MODELS_DIR=${REFERAT_MODELS_DIR:-$PWD/models}
# REFERAT_BIN_DIR: run binaries copied elsewhere (so a rebuild during the run changes nothing).
bin=${REFERAT_BIN_DIR:-$CARGO_TARGET_DIR/release}
work=${WORK:-$PWD/bench/tmp/decoding}
threads=${THREADS:-$(nproc)}
settings=("$@")
[ ${#settings[@]} -eq 0 ] && settings=(today default beam2 beam3 beam5 bestof5 carry)
meetings=(${MEETINGS:-$(ls samples)})

[ -n "${REFERAT_BIN_DIR:-}" ] || cargo build --release --locked --bins >&2
"$bin/referat" models install >&2

flags() {
  case $1 in
    today) echo "--fast --no-correct" ;;
    default) echo "" ;;
    fast) echo "--fast" ;;
    beam*) echo "--beam-size ${1#beam}" ;;
    bestof*) echo "--fast --best-of ${1#bestof}" ;;
    carry) echo "--carry-context" ;;
    prompt*) echo "--prompt-tokens ${1#prompt}" ;;
    noprompt) echo "--no-prompt" ;;
    *) echo "unknown setting $1" >&2; exit 2 ;;
  esac
}

mkdir -p "$work"
rows=$work/rows.tsv
: >"$rows"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for m in "${meetings[@]}"; do
  dir=samples/$m
  [ -f "$dir/truth.json" ] || continue
  audio=
  for f in "$dir"/recording.wav "$dir"/recording.flac; do [ -f "$f" ] && audio=$f && break; done
  [ -n "$audio" ] || continue
  until=()
  if [ -n "${CLIP_SECONDS:-}" ]; then
    mkdir -p "$work/$m"
    sox "$audio" "$work/$m/clip.wav" trim 0 "$CLIP_SECONDS"
    audio=$work/$m/clip.wav
    until=("$CLIP_SECONDS")
  fi
  for s in "${settings[@]}"; do
    out=$work/$m/$s
    mkdir -p "$out"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2046
    "$bin/referat" transcribe --meeting "$dir/meeting.toml" --audio "$audio" --out "$out" --force --threads "$threads" $(flags "$s") ${EXTRA:-} 2>"$out/log.txt"
    t1=$(date +%s.%N)
    secs=$(awk "BEGIN {print $t1 - $t0}")
    raw=$(python3 bench/wer.py --asr "$out/transcript.json" "$dir/truth.json" "${until[@]}" | awk '{print $2}')
    if [ "$s" = today ]; then
      # Correction afterwards: the same Corrector over the same segments, as the pipeline runs it.
      "$bin/bench_lexicon" "$dir/meeting.toml" "$dir/truth.json" "$out/transcript.json" "$out/corrected.json" >"$out/lexicon.txt" 2>/dev/null
      cor=$(python3 bench/wer.py "$out/corrected.json" "$dir/truth.json" "${until[@]}" | awk '{print $2}')
    else
      cor=$(python3 bench/wer.py "$out/transcript.json" "$dir/truth.json" "${until[@]}" | awk '{print $2}')
    fi
    printf '%s\t%s\t%s\t%s\t%.1f\n' "$m" "$s" "$raw" "$cor" "$secs" | tee -a "$rows" >&2
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$rows" "$threads" "$(cut -d' ' -f1-3 /proc/loadavg)" "${CLIP_SECONDS:-}" "${BASE:-today}" >"${REPORT:-bench/asr-decoding.md}" <<'EOF'
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
settings = list(dict.fromkeys(r[1] for r in rows))
meetings = list(dict.fromkeys(r[0] for r in rows))
by = {(r[0], r[1]): (float(r[2]), float(r[3]), float(r[4])) for r in rows}
ref = sys.argv[5]
print("# ASR decoding settings: WER and time per sample meeting\n")
clip = f"CLIP_SECONDS={sys.argv[4]} " if sys.argv[4] else ""
print(f"`{clip}bash bench/asr_decoding.sh {' '.join(settings)}`, {sys.argv[2]} threads, load average at the end {sys.argv[3]}.")
print("WER: bench/wer.py (lower-case, punctuation removed, numbers as the truth writes them);")
print("'raw' is Whisper's own text, 'corrected' after the lexical corrector. Time: wall seconds of")
print(f"`referat transcribe` (model and lexicon loading included), and its ratio to `{ref}` on the")
print("same meeting, run right before or after it.\n")
print("| meeting | " + " | ".join(settings) + " |")
print("|---|" + "---|" * len(settings))
for m in meetings:
    base = by.get((m, ref), (0, 0, 0))[2]
    cells = []
    for s in settings:
        if (m, s) not in by:
            cells.append("–"); continue
        raw, cor, secs = by[(m, s)]
        ratio = f", {secs / base:.2f}x" if base else ""
        cells.append(f"{raw:.3f} / {cor:.3f}, {secs:.0f} s{ratio}")
    print(f"| {m} | " + " | ".join(cells) + " |")
cells = []
for s in settings:
    xs = [by[(m, s)] for m in meetings if (m, s) in by]
    base = sum(by[(m, ref)][2] for m in meetings if (m, s) in by and (m, ref) in by)
    tot = sum(x[2] for x in xs)
    ratio = f", {tot / base:.2f}x" if base else ""
    cells.append(f"**{sum(x[0] for x in xs) / len(xs):.3f} / {sum(x[1] for x in xs) / len(xs):.3f}**, {tot:.0f} s{ratio}")
print("| **mean WER raw / corrected, total time** | " + " | ".join(cells) + " |")
EOF
cat "${REPORT:-bench/asr-decoding.md}"
