#!/bin/sh
# Copy this source tree (the files git tracks plus untracked ones that are
# not ignored, i.e. what a commit of the work tree would hold) into DEST,
# which is emptied first.  Used by the test legs that build elsewhere
# (scripts/python-leg.sh, scripts/debian13.sh) so that they never disturb
# the build in this tree.  Outside a git checkout (an unpacked tarball)
# everything is copied and the copy's build products removed.
#
#     scripts/copy-tree.sh DEST
set -e
[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
rm -rf "$dest"
mkdir -p "$dest"
cd "$repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; :' sh |
        tar --null -T - -cf - |
        tar -C "$dest" -xf -
else
    tar -cf - . | tar -C "$dest" -xf -
    if [ -f "$dest/Makefile" ]; then
        make -s -C "$dest" distclean >/dev/null
    fi
fi
