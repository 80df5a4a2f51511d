#!/bin/bash
# The Debian 13 (trixie) test leg: build mod_python and run the whole test
# suite inside a Debian 13 root made with debootstrap from Debian's own
# packages (apache2, apache2-dev, python3-dev with Python 3.13, and the rest
# of scripts/install-deps.sh), the way a Debian 13 user has them.
#
#     sudo ./scripts/debian13.sh [pytest arguments]
#
# Runs as root (debootstrap, chroot, mounts).  The root is cached between
# runs in $MP_DEBIAN13_CACHE (default /var/cache/mod_python-debian13): the
# first ("cold") run downloads and unpacks it, later ("warm") runs reuse it
# and only install what scripts/install-deps.sh added since.  The stamp file
# next to the root records the debootstrap parameters; change them (or
# set MP_DEBIAN13_COLD=1) to start afresh.  Every run copies this tree
# (tracked and untracked-but-not-ignored files) to /build/mod_python in the
# root and runs scripts/test.sh there; the exit status is the suite's.
#
# Everything runs in private mount and PID namespaces (unshare): the mounts
# of /proc, /dev and /dev/pts inside the root and every process started
# there disappear when the run ends, however it ends; the trap unmounts
# them explicitly as well.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${MP_DEBIAN13_CACHE:-/var/cache/mod_python-debian13}
MIRROR=${MP_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
ROOT=$CACHE/root
STAMP=$CACHE/stamp
# What the cached root was made from; a different value remakes it.
WANT_STAMP="debootstrap --variant=minbase $SUITE $MIRROR (mod_python root v1)"

log() { echo "debian13: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
    echo "debian13: must run as root (debootstrap, chroot and mounts); try" >&2
    echo "    sudo $0 $*" >&2
    exit 1
fi

if [ "${1:-}" = "--inside" ]; then
    # Second stage, in the new mount and PID namespaces (see the end).
    shift
    cleanup() {
        for dir in dev/pts dev proc; do
            umount -l "$ROOT/$dir" 2>/dev/null || true
        done
    }
    trap cleanup EXIT
    mount --make-rprivate /
    mount -t proc proc "$ROOT/proc"
    mount --rbind /dev "$ROOT/dev"
    mount --make-rprivate "$ROOT/dev"
    # Keep the variables of the caller's shell out: a Debian 13 user's
    # environment, with a locale the root has.
    status=0
    chroot "$ROOT" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        /bin/sh -c 'cd /build/mod_python && exec ./scripts/test.sh "$@"' \
        test.sh "$@" || status=$?
    exit $status
fi

start=$(date +%s)

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap
fi

if [ -n "${MP_DEBIAN13_COLD:-}" ]; then
    rm -f "$STAMP"
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT_STAMP" ]; then
    log "making a fresh $SUITE root in $ROOT (cold run)"
    rm -rf "$ROOT" "$STAMP"
    mkdir -p "$CACHE"
    # a second try from scratch if the first download breaks off
    if ! debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR"; then
        log "debootstrap failed; trying once more"
        rm -rf "$ROOT"
        debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR"
    fi
    # Packages must not start their services (apache2, postgresql,
    # redis-server) in the root: the tests start their own instances.
    printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
    chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    echo "$WANT_STAMP" > "$STAMP"
else
    log "reusing the cached $SUITE root in $ROOT (warm run)"
fi

# Network names for apt-get and pip inside the root.
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"

log "copying the tree to $ROOT/build/mod_python"
"$REPO/scripts/copy-tree.sh" "$ROOT/build/mod_python"

log "building and testing inside the root"
status=0
unshare --mount --pid --fork --propagation private \
    "$REPO/scripts/debian13.sh" --inside "$@" || status=$?
log "finished with status $status after $(( $(date +%s) - start ))s"
exit $status
