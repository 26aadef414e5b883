#!/usr/bin/env bash
# Create the virtual environment and install fmkit with every pinned dependency (constraints.txt).
# torch is installed first, pinned, so nothing can pull a CUDA build; pip's wheel cache keeps the
# llama-cpp-python build (about 5 minutes from source) for later runs.
set -euo pipefail
python="${1:-python3.11}"
venv="${2:-.venv}"
if ! command -v "$python" >/dev/null; then
  echo "error: $python not found; fmkit needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/pip" install --quiet torch==2.13.0
"$venv/bin/pip" install --quiet -c constraints.txt -e ".[dev]"
"$venv/bin/python" -c "import fmkit, torch; print('fmkit ready: torch', torch.__version__)"
