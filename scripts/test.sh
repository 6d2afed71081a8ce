#!/usr/bin/env bash
# Set up and run the lint and the test suite (slow tests: add `-m slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
.venv/bin/python -m ruff check .
.venv/bin/python -m pytest "$@"
