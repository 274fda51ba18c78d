#!/usr/bin/env bash
# Creates (or reuses) the repo-local Python venv the tests use for reference
# data (numpy, onnx, onnxruntime; pinned in tests/python/requirements.txt)
# and prints the path of its python. Idempotent: reinstalls only when the
# requirements file changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
req="$root/tests/python/requirements.txt"
stamp="$venv/.requirements"
# Test binaries call this concurrently on a fresh checkout: one creates the
# venv, the others wait for it.
exec 9>"$root/.venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! cmp -s "$req" "$stamp"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
