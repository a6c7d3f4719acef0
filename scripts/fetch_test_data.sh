#!/usr/bin/env bash
# Fetches the pinned real tokenizer files the interop tests use into tests/data/fetched/ (see
# scripts/fetch_test_data.py). Idempotent: files already present with the right hash are kept.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec "${PYTHON:-python3}" scripts/fetch_test_data.py "$@"
