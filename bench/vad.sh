#!/usr/bin/env bash
# Voice activity detection: energy detector vs Silero VAD, frame-level accuracy against every
# sample meeting's truth, clean and mixed with room noise, babble and music at 20, 10 and 5 dB
# SNR. Prints per-meeting lines and the table (also kept in bench/tmp/vad.txt).
#
#   bash bench/vad.sh
#
# Noises (made with sox, 16 kHz mono): room = pink noise low-passed at 1.5 kHz plus brown noise
# and a 100 Hz hum (ventilation, a projector); babble = the other sample meetings mixed on top
# of each other (4 voices at once, the meeting itself left out); music = a looped chord
# progression of plucked strings over a sine bass.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export REFERAT_MODELS_DIR=${REFERAT_MODELS_DIR:-$PWD/models}
noise=$PWD/bench/tmp/vad-noise
mkdir -p "$noise"
cargo build --release --locked --example vad_bench --bin referat
"$CARGO_TARGET_DIR/release/referat" models install >/dev/null

dur=900
fmt=(-r 16000 -c 1 -b 16)
if [ ! -s "$noise/room.wav" ]; then
  sox -n "${fmt[@]}" "$noise/pink.wav" synth $dur pinknoise lowpass 1500
  sox -n "${fmt[@]}" "$noise/brown.wav" synth $dur brownnoise
  sox -n "${fmt[@]}" "$noise/hum.wav" synth $dur sine 100 vol 0.2
  sox -m "$noise/pink.wav" "$noise/brown.wav" "$noise/hum.wav" "$noise/room.wav"
  rm "$noise/pink.wav" "$noise/brown.wav" "$noise/hum.wav"
fi
if [ ! -s "$noise/music.wav" ]; then
  parts=()
  for chord in "C4 E4 G4 C3" "A3 C4 E4 A2" "F3 A3 C4 F2" "G3 B3 D4 G2"; do
    set -- $chord
    f="$noise/chord-$1.wav"
    sox -n "${fmt[@]}" "$f" synth 1 pluck "$1" pluck "$2" pluck "$3" sine "$4" remix - fade 0 1 0.1
    parts+=("$f")
  done
  sox "${parts[@]}" "$noise/bar.wav"
  sox "$noise/bar.wav" "$noise/music.wav" repeat $((dur / 4)) norm -3
  rm "${parts[@]}" "$noise/bar.wav"
fi
ids=$(sed -n 's/^id = "\(.*\)"/\1/p' samples/meetings.toml)
for id in $ids; do
  [ -s "$noise/babble-$id.wav" ] && continue
  others=()
  for o in $ids; do [ "$o" != "$id" ] && others+=(samples/$o/recording.*); done
  sox -m "${others[@]}" "${fmt[@]}" "$noise/babble-$id.wav" norm -3
done
dirs=()
for id in $ids; do dirs+=(samples/$id); done
"$CARGO_TARGET_DIR/release/examples/vad_bench" "$noise" "${dirs[@]}" | tee bench/tmp/vad.txt
