#!/usr/bin/env bash
# Install Debian's PostgreSQL server when its binaries are missing (the workspace tests start a real one).
# Needs root and apt-get; elsewhere it says what to install and leaves the PostgreSQL tests to skip.
set -euo pipefail
if command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing PostgreSQL (Debian package postgresql) for the workspace tests"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
else
  echo "note: PostgreSQL is not installed; the PostgreSQL workspace tests will skip (apt-get install postgresql)"
fi
