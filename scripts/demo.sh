#!/usr/bin/env bash
# The README's demo: install what is needed, then draft the referat of the bundled sample meeting.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./target/release/referat run --meeting samples/ehelse-2025-06/meeting.toml --audio samples/ehelse-2025-06/recording.wav --out work/sample
./target/release/referat export --meeting samples/ehelse-2025-06/meeting.toml --out work/sample --format docx
./target/release/referat export --meeting samples/ehelse-2025-06/meeting.toml --out work/sample --format odt
./target/release/referat export --meeting samples/ehelse-2025-06/meeting.toml --out work/sample --format pdf
echo
echo "Referat (draft): $(pwd)/work/sample/referat.md  (also referat.docx, referat.odt, referat.pdf)"
echo "Review it in the browser: ./target/release/referat review --meeting samples/ehelse-2025-06/meeting.toml --out work/sample"
