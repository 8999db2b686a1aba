#!/usr/bin/env bash
# The README's test command: install what the tests need, then run every test, the slow
# end-to-end ones (real Whisper and the real 1.5B LLM on the sample meeting) included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if [ -f tests/browser/package.json ]; then (cd tests/browser && npm ci --no-audit --no-fund --silent); fi
# One test at a time: the model tests each use every core, and contended candle/whisper
# threads spin-wait (3x slower), so parallel tests would be slower, not faster.
cargo test --release --locked --no-fail-fast -- --include-ignored --test-threads=1
