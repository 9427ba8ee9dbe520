#!/usr/bin/env bash
# Installs the Debian packages listed in the given files (one name per line, '#' comments) that are missing.
# As root it runs apt-get; otherwise it names what is missing and how to add it, and carries on: the tests
# that need a missing tool say so when they are skipped.
set -euo pipefail
missing=()
for list in "$@"; do
  [ -f "$list" ] || continue
  while read -r pkg _; do
    [ -z "$pkg" ] && continue
    case "$pkg" in \#*) continue ;; esac
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done < "$list"
done
# A Debian python3 without the venv module cannot create .venv; only ask for it when that is the case.
if [[ " $* " == *base.txt* ]] && ! python3 -c 'import ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not a Debian system; please install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: missing Debian packages: ${missing[*]}" >&2
  echo "      install them with: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
