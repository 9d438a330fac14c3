#!/usr/bin/env bash
# Installs the Debian packages Speculum needs, only those that are missing (apt-get update first when
# something is). Run as root on Debian 12; prints nothing when everything is already there.
set -euo pipefail

packages=(libopenblas-dev libncursesw5-dev ncurses-term pkg-config tmux python3 python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 and pip may come from elsewhere (pyenv): what matters is that `python3 -m pip` works.
if python3 -m pip --version >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == python3 || "$p" == python3-pip ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages (${missing[*]}) and not root; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "error: no Swift toolchain found (expected swift on PATH or /opt/swift/usr/bin/swift; Swift 6 is required)" >&2
  exit 1
fi
