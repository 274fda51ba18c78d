#!/usr/bin/env bash
# Installs what building and testing qopt needs on a Debian 12 machine:
# LLVM/MLIR 22 (libraries, FileCheck/lit/not/split-file), libclang for
# bindgen, and the -dev libraries the MLIR link asks for. Idempotent: when
# everything is present it only runs `dpkg -s` and exits.
set -euo pipefail

# First: every `>/dev/null` below relies on it.
bash "$(dirname "$0")/repair-dev-null.sh"

packages=(
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools libpolly-22-dev
  libclang-22-dev libclang-common-22-dev
  libzstd-dev libz3-dev zlib1g-dev libxml2-dev libncurses-dev libffi-dev libedit-dev
  python3-venv
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for tool in FileCheck lit not split-file; do
  [ -x "/usr/lib/llvm-22/bin/$tool" ] || { echo "setup: /usr/lib/llvm-22/bin/$tool is missing" >&2; exit 1; }
done
command -v cargo >/dev/null || { echo "setup: cargo is not installed (install Rust with rustup)" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt >/dev/null 2>&1 || true
