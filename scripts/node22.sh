#!/usr/bin/env bash
# Sourced by the set-up scripts: makes sure `node` is Node 22 or newer.
# werift >= 0.25 needs Node 22; where the machine's node is older, Node 22 is
# fetched from the npm registry (package node-linux-<arch>, which ships the
# binary and headers) into the git-ignored folder .tools/ and put first on PATH.
# (sourced: the calling script sets its own shell options)
NATTSYN_NODE_VERSION="${NATTSYN_NODE_VERSION:-22.23.3}"
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_node_major)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) _arch=x64 ;;
    aarch64 | arm64) _arch=arm64 ;;
    *) echo "nattsyn: no Node 22 package for $(uname -m)" >&2; exit 2 ;;
  esac
  _dir="$_root/.tools/node-$NATTSYN_NODE_VERSION-$_arch"
  if [ ! -x "$_dir/bin/node" ]; then
    echo "nattsyn: fetching Node $NATTSYN_NODE_VERSION from the npm registry into .tools/" >&2
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-linux-$_arch@$NATTSYN_NODE_VERSION" >/dev/null)
    mkdir -p "$_dir"
    tar -xzf "$_tmp"/node-linux-*.tgz -C "$_dir" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_dir/bin:$PATH"
  # native addons (onoff's epoll) build against the headers of the node that runs them
  export npm_config_nodedir="$_dir"
fi
hash -r
