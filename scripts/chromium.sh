#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver when missing (the labeling page's browser test drives them).
# Needs root and apt-get; elsewhere it says what to install and leaves the browser test to skip.
set -euo pipefail
if command -v chromedriver >/dev/null && { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Chromium and chromium-driver (Debian packages) for the labeling page's browser test"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
else
  echo "note: Chromium is not installed; the browser test will skip (apt-get install chromium chromium-driver)"
fi
