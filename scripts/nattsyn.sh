#!/usr/bin/env bash
# Installed by scripts/install.sh as /usr/local/bin/nattsyn: runs the CLI from the production bundle
# (dist/nattsyn.mjs, built by scripts/build.ts at install) with the bundled Node 22. Run by root (sudo), it drops to the service user, so every file the CLI
# writes in /var/lib/nattsyn belongs to the service and keys never become root's.
set -euo pipefail
app="${NATTSYN_APP:-/opt/nattsyn}"
# The same memory settings as systemd/nattsyn.service (why: there), so `nattsyn run` by hand behaves alike.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
cmd=("$app/node/bin/node" --max-semi-space-size=1 --v8-pool-size=1 "$app/dist/nattsyn.mjs")
if [ "$(id -u)" -eq 0 ]; then
  exec runuser -u nattsyn -- "${cmd[@]}" "$@"
fi
exec "${cmd[@]}" "$@"
