#!/usr/bin/env bash
# Builds the benchmark corpus into bench-data/ (git-ignored): corpus_10M.txt, corpus_100M.txt, heldout_5M.txt.
#
# English technical prose extracted from Debian documentation packages by ../shared/bench/build_corpus.py
# (documents separated by a blank line). Idempotent: does nothing when the three files exist.
# Usage: benches/corpus.sh [OUTDIR]   (run from anywhere; OUTDIR defaults to <repo>/bench-data)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/bench-data}"
BUILDER="${BUILD_CORPUS:-$ROOT/../shared/bench/build_corpus.py}"
FILES=(corpus_10M.txt corpus_100M.txt heldout_5M.txt)
PACKAGES=(python3-doc python3.11-doc linux-doc-6.1 perl-doc postgresql-doc-15 git-doc glibc-doc
  debian-reference-en debian-policy developers-reference debian-handbook man-db groff-base)

missing=0
for f in "${FILES[@]}"; do [[ -s "$OUT/$f" ]] || missing=1; done
if [[ $missing == 0 ]]; then
  echo "corpus present in $OUT"
  exit 0
fi

if [[ ! -f "$BUILDER" ]]; then
  echo "error: $BUILDER not found (set BUILD_CORPUS=/path/to/build_corpus.py)" >&2
  exit 1
fi

SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO="sudo"; fi
installed() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 1
  done
}
if installed; then
  echo "Debian doc packages already installed"
else
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
fi

mkdir -p "$OUT"
python3 "$BUILDER" "$OUT"
ls -l "$OUT"
