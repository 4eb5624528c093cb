#!/usr/bin/env bash
# Sourced by the set-up scripts: installs the Debian packages named in "$@" that are missing.
# (sourced: the calling script sets its own shell options)
_missing=()
for _pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$_pkg" 2>/dev/null | grep -q 'install ok installed' || _missing+=("$_pkg")
done
if [ "${#_missing[@]}" -gt 0 ]; then
  echo "nattsyn: installing Debian packages: ${_missing[*]}" >&2
  _sudo=""
  [ "$(id -u)" -eq 0 ] || _sudo="sudo"
  $_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq --no-install-recommends "${_missing[@]}" >/dev/null
fi
