#!/usr/bin/env bash
# Set up and run every benchmark; figures are printed and written to out/benchmarks.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "dev,bench"
.venv/bin/python -m benchmarks "$@"
