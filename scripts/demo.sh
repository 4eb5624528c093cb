#!/usr/bin/env bash
# The README's demo command: installs what the demo needs, then runs `nattsyn demo` with the given flags.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh ffmpeg mosquitto g++ make python3
# shellcheck source=scripts/node22.sh
. scripts/node22.sh
npm install --no-audit --no-fund --loglevel=error >&2
exec node src/cli.ts demo "$@"
