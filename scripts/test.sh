#!/usr/bin/env bash
# The README's test command: installs what the suite needs, then lints, type-checks and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh ffmpeg mosquitto postgresql chromium shellcheck systemd g++ make python3 iproute2 nftables coturn firefox-esr file g++-aarch64-linux-gnu
# shellcheck source=scripts/node22.sh
. scripts/node22.sh
# `npm install` from the lock file: npm 11 refuses `npm ci` when the lock lacks other platforms' optional packages
npm install --no-audit --no-fund --loglevel=error
npm test
