#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser test (test/e2e/console.test.ts), only
# when /usr/bin/chromium is missing: running it again changes nothing. The test drives it
# with playwright-core; `npx playwright install` is never used (its CDN is not reachable and
# the Debian package is the one CI can rely on).
set -euo pipefail

chromium_path=/usr/bin/chromium

if [[ -x "$chromium_path" ]]; then
  echo "install-chromium: $("$chromium_path" --version 2>/dev/null || echo chromium) already installed at $chromium_path"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: $chromium_path is missing and apt-get is not available; install Chromium and retry" >&2
  exit 1
fi

sudo_prefix=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: installing needs root (or sudo)" >&2
    exit 1
  fi
  sudo_prefix=(sudo)
fi

echo "install-chromium: installing Debian chromium"
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -qq
"${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null

if [[ ! -x "$chromium_path" ]]; then
  echo "install-chromium: apt-get finished but $chromium_path is still missing" >&2
  exit 1
fi
echo "install-chromium: $("$chromium_path" --version 2>/dev/null || echo chromium) installed at $chromium_path"
