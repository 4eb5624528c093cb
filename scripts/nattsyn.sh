#!/usr/bin/env bash
# Installed by scripts/install.sh as /usr/local/bin/nattsyn: runs the CLI from the TypeScript sources
# with the bundled Node 22. Run by root (sudo), it drops to the service user, so every file the CLI
# writes in /var/lib/nattsyn belongs to the service and keys never become root's.
set -euo pipefail
app="${NATTSYN_APP:-/opt/nattsyn}"
cmd=("$app/node/bin/node" "$app/src/cli.ts")
if [ "$(id -u)" -eq 0 ]; then
  exec runuser -u nattsyn -- "${cmd[@]}" "$@"
fi
exec "${cmd[@]}" "$@"
