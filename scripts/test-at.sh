#!/usr/bin/env bash
# Runs the test suite as if it started at a chosen time of day in Stockholm, in another time zone,
# to show no test depends on the time of day it runs at (issue 14).
#
#   scripts/test-at.sh 02:20                   # the whole suite; test clocks start at 02:20 Stockholm
#   scripts/test-at.sh 02:20 --faketime        # also the real clock of every process (libfaketime),
#                                              # Chromium's tests left out: Chromium does not run under it
#   scripts/test-at.sh 02:20 -- test/health    # any vitest arguments after --
#
# Every test clock that does not name its own instant starts at NATTSYN_TEST_START
# (test/fixtures/time.ts testStart); TZ is set far from Stockholm so nothing leans on the
# machine's zone either. --faketime installs the Debian package faketime when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
at="${1:?usage: scripts/test-at.sh HH:MM [--faketime] [-- vitest args]}"
shift
date="${TEST_DATE:-2026-11-24}"
fake=0
if [ "${1:-}" = "--faketime" ]; then fake=1; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi
# The suite needs Node 22 (the README's test command fetched it into .tools/ when the machine's is older).
# shellcheck source=scripts/node22.sh
. scripts/node22.sh
epoch="$(TZ=Europe/Stockholm date -d "$date $at" +%s)"
export NATTSYN_TEST_START="@$epoch"
export TZ="${TEST_TZ:-America/Sao_Paulo}"
echo "nattsyn: tests start at $(TZ=Europe/Stockholm date -d "@$epoch" '+%F %R %Z') (process TZ $TZ)" >&2
if [ "$fake" = 1 ]; then
  # shellcheck source=scripts/deps.sh
  . scripts/deps.sh faketime
  export FAKETIME_DONT_FAKE_MONOTONIC=1
  # One offset for every process (ffmpeg, mosquitto, openssl too), so their clocks agree.
  exec faketime -f "$(( epoch - $(date +%s) ))s" npx vitest run --exclude 'test/e2e/**' "$@"
fi
exec npx vitest run "$@"
