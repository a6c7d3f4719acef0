#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this project's kind (Debian 12, Python 3.11 with pip, Rust by
# rustup, root, network to PyPI / crates.io / Debian only): installs what the tests need, then runs the Rust
# tests, the linters and the Python tests. Prints how long each phase took. Any failure fails the script,
# including pytest collecting no tests (exit code 5).
#
#   bash scripts/test.sh            # everything
#   PYTHON=/path/to/python bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
export HYPOTHESIS_PROFILE=ci
export CARGO_TERM_COLOR=never PIP_ROOT_USER_ACTION=ignore
if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

SUITE_START=$SECONDS
TIMINGS=()
phase() {
    local name=$1
    shift
    echo
    echo "=== $name: $*"
    local start=$SECONDS
    "$@" || {
        local rc=$?
        echo "=== $name: FAILED (exit code $rc) after $((SECONDS - start)) s"
        exit "$rc"
    }
    TIMINGS+=("$(printf '%-26s %5d s' "$name" $((SECONDS - start)))")
    echo "=== $name: done in $((SECONDS - start)) s"
}

fetch_test_data() {
    if [ -f scripts/fetch_test_data.sh ]; then
        bash scripts/fetch_test_data.sh
    else
        echo "no scripts/fetch_test_data.sh: nothing to fetch"
    fi
}

install_debian_packages() {
    # chromium: the HTML report test renders the page in a real headless browser; chromium-driver: the
    # `tokenforge serve` tests drive the page through it with Selenium
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    if [ ${#missing[@]} -eq 0 ]; then
        echo "Debian packages present"
    elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "not root or no apt-get: ${missing[*]} not installed (the tests that need them are skipped)"
    fi
}

signal_requirement() {
    # one requirement of the `signal` extra, as pinned in pyproject.toml
    "$PYTHON" -c 'import sys, tomllib
extra = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["signal"]
print(next(r for r in extra if r.split("=")[0] == sys.argv[1]))' "$1"
}

install_torch() {
    # PyTorch alone first (a CUDA build from PyPI, several GB; it runs on the CPU): one pinned version, so pip's
    # cache serves it again on a machine that installed it before
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "$(signal_requirement torch)"
}

phase "install (Debian packages)" install_debian_packages
phase "install (torch)" install_torch
phase "install (pip, builds Rust)" "$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[test,signal,signal-test]'
phase "fetch test data" fetch_test_data
phase "cargo fmt --check" cargo fmt --all --check
phase "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
phase "cargo test (core)" cargo test -p tokenforge-core --quiet
phase "ruff check" "$PYTHON" -m ruff check python tests
phase "ruff format --check" "$PYTHON" -m ruff format --check python tests
phase "pytest (core)" "$PYTHON" -m pytest -q --ignore=tests/signal
phase "pytest (signal)" "$PYTHON" -m pytest -q tests/signal

echo
echo "=== timings"
printf '%s\n' "${TIMINGS[@]}"
printf '%-26s %5d s\n' "total" $((SECONDS - SUITE_START))
