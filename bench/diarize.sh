#!/usr/bin/env bash
# Diarization on every sample meeting: DER (missed + false alarm + speaker confusion over truth
# speech, 10 ms frames, 0.25 s collar, optimal one-to-one speaker mapping), speakers found vs
# true, and with Whisper the DER of the transcript's segments and the time diarization adds
# relative to transcription (run one after the other in one process: use an idle machine).
#
#   bash bench/diarize.sh            # with Whisper (about 6 min on 2 idle cores)
#   bash bench/diarize.sh --quick    # diarization only
#   bash bench/diarize.sh --quick --thresholds 0.75,0.8,0.85   # the tuning sweep
#
# The threshold (src/diarize/mod.rs DEFAULT_THRESHOLD) was chosen on the tuning meetings
# only; the held-out meetings (samples/meetings.toml, tuning = false) are marked.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export REFERAT_MODELS_DIR=${REFERAT_MODELS_DIR:-$PWD/models}
asr=--asr
if [ "${1:-}" = "--quick" ]; then asr=; shift; fi
cargo build --release --locked --example diarize_bench --bin referat
"$CARGO_TARGET_DIR/release/referat" models install >/dev/null
mkdir -p bench/tmp
dirs=()
for id in $(sed -n 's/^id = "\(.*\)"/\1/p' samples/meetings.toml); do dirs+=(samples/$id); done
"$CARGO_TARGET_DIR/release/examples/diarize_bench" $asr "$@" "${dirs[@]}" | tee bench/tmp/diarize.txt
