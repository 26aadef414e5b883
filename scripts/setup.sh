#!/usr/bin/env bash
# Create the virtual environment and install fmkit with every pinned dependency (constraints.txt).
# torch is installed first, pinned, so nothing can pull a CUDA build. llama-cpp-python compiles llama.cpp
# from source (about 5 minutes): on x86-64 it is built for a portable AVX2 baseline, not for the build machine's
# CPU (-march=native), because a native build on a CPU with AMX and AVX-512 crashed in llama_decode
# (segmentation fault) and a wheel cached on one machine must run on the next. The wheel is kept in
# $FMKIT_WHEEL_CACHE (default ~/.cache/fmkit/wheels) so later setups skip the build. Set CMAKE_ARGS yourself
# (e.g. CMAKE_ARGS="-DGGML_CUDA=on" for a GPU build) before creating the venv and pip builds llama-cpp-python
# with those instead (a venv that already has it keeps its build: remove .venv first).
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
if [ "$(uname -m)" = x86_64 ] && [ -z "${CMAKE_ARGS:-}" ]; then
  version="$(sed -n 's/^llama_cpp_python==//p' constraints.txt)"
  wheels="${FMKIT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fmkit/wheels}/llama-avx2"
  if ! compgen -G "$wheels/llama_cpp_python-$version-*.whl" >/dev/null; then
    echo "building llama-cpp-python $version for the AVX2 baseline (about 5 minutes, once)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
      "$venv/bin/pip" wheel --quiet --no-cache-dir --no-deps -w "$wheels" "llama-cpp-python==$version"
  fi
  # replaces a native build an older setup left in the venv; its dependencies come with fmkit's below
  "$venv/bin/pip" install --quiet --no-deps --force-reinstall "$wheels/llama_cpp_python-$version-"*.whl
fi
"$venv/bin/pip" install --quiet -c constraints.txt -e ".[dev]"
"$venv/bin/python" -c "import fmkit, torch; print('fmkit ready: torch', torch.__version__)"
