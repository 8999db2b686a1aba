#!/usr/bin/env bash
# Install what referat needs on Debian 12, as root: system packages, the release build, the models.
#   bash scripts/setup.sh          # to run referat
#   bash scripts/setup.sh --test   # also what the tests need (sox, ffmpeg, qpdf, LibreOffice, Chromium, test models)
set -euo pipefail
cd "$(dirname "$0")/.."
TEST=0; [ "${1:-}" = "--test" ] && TEST=1

# apertium-nno-nob: Bokmål→Nynorsk for the free text of a Nynorsk referat (language = "nn").
# hunspell-no: the Bokmål dictionary (nb_NO) of the lexical corrector after ASR.
pkgs=(cmake libclang-dev pkg-config unzip apertium-nno-nob hunspell-no)
# pip and node may come from elsewhere than Debian (pyenv, nodesource): only add them when absent.
command -v pip >/dev/null 2>&1 || pkgs+=(python3-pip)
if [ $TEST = 1 ]; then
  pkgs+=(sox libsox-fmt-all ffmpeg espeak-ng poppler-utils qpdf libreoffice-writer-nogui chromium chromium-driver iproute2 util-linux)
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found. Install Rust 1.89 or newer (https://rustup.rs), then rerun." >&2
  exit 1
fi
echo "setup: building referat (release; a clean build takes about 5 minutes on 2 cores)"
cargo build --release --locked -q
if [ $TEST = 1 ]; then ./target/release/referat models install --test; else ./target/release/referat models install; fi
