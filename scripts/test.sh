#!/usr/bin/env bash
# The README's test command: install what the tests need, then run every test, the slow
# end-to-end ones (real Whisper and the real 1.5B LLM on the sample meeting) included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if [ -f tests/browser/package.json ]; then (cd tests/browser && npm ci --no-audit --no-fund --silent); fi
cargo test --release --locked -- --include-ignored
