#!/usr/bin/env bash
# Set up, start the four processes, send the sample image through the default
# pipeline and write out/reconstruction.png and out/metrics.json.
# Extra arguments go to `python -m semcom.demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
.venv/bin/python -m semcom.demo "$@"
