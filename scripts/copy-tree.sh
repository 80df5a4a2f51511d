#!/bin/sh
# Copy this source tree (the files git tracks plus untracked ones that are
# not ignored, i.e. what a commit of the work tree would hold) into DEST,
# which is emptied first.  Used by the test legs that build elsewhere
# (scripts/python-leg.sh, scripts/debian13.sh) so that they never disturb
# the build in this tree.
#
#     scripts/copy-tree.sh DEST
set -e
[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
rm -rf "$dest"
mkdir -p "$dest"
cd "$repo"
git ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; :' sh |
    tar --null -T - -cf - |
    tar -C "$dest" -xf -
