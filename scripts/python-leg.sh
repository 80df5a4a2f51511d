#!/bin/bash
# A test leg for another Python: build mod_python against it and run the
# whole test suite, in a copy of this tree so the build here is untouched.
#
#     ./scripts/python-leg.sh 3.13 [pytest arguments]
#     ./scripts/python-leg.sh 3.12 -k cgihandler
#
# The Python comes from a shared (--enable-shared) build under
# $MP_PYTHON_SOURCE (default /root/.pyenv/versions: the newest VERSION.*
# there), which Apache's children, running as www-data, usually cannot
# read.  So it is first copied to a world-readable prefix,
# $MP_PYTHONS/VERSION (default /opt/mod_python-pythons), and that copy gets
# what the tests need: pytest, requests and hypothesis to run them; flask,
# django, redis and psycopg for the applications and session stores the
# embedded Python loads; on 3.13 and later legacy-cgi, the maintained fork
# of the cgi and cgitb modules that 3.13 removed.  The copy is made once
# and reused (delete it to start afresh).
#
# The tree is copied to $MP_LEG_BUILD (default /tmp/mod_python-leg-VERSION),
# configured with --with-python=<the copy>, built (-Werror) and tested with
# `make test`, which runs pytest under the same Python; httpd gets the
# copy's lib/ on LD_LIBRARY_PATH (the harness passes it through).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 VERSION [pytest arguments]" >&2; exit 2; }
VERSION=$1
shift
REPO=$(cd "$(dirname "$0")/.." && pwd)
SOURCES=${MP_PYTHON_SOURCE:-/root/.pyenv/versions}
PREFIX=${MP_PYTHONS:-/opt/mod_python-pythons}/$VERSION
BUILD=${MP_LEG_BUILD:-/tmp/mod_python-leg-$VERSION}
PYTHON=$PREFIX/bin/python$VERSION
# What the suite imports besides the standard library (the Debian
# packages of scripts/install-deps.sh, from PyPI here).
TEST_PACKAGES="pytest requests hypothesis setuptools flask django redis psycopg"

log() { echo "python-leg $VERSION: $*" >&2; }
start=$(date +%s)

if [ ! -x "$PYTHON" ] || [ ! -f "$PREFIX/.mod_python-leg" ]; then
    source=$(ls -d "$SOURCES/$VERSION".* "$SOURCES/$VERSION" 2>/dev/null |
             sort -V | tail -n 1 || true)
    if [ -z "$source" ] || [ ! -x "$source/bin/python$VERSION" ]; then
        log "no Python $VERSION in $SOURCES (set MP_PYTHON_SOURCE)"
        exit 1
    fi
    log "copying $source to $PREFIX"
    rm -rf "$PREFIX"
    mkdir -p "$(dirname "$PREFIX")"
    cp -a "$source" "$PREFIX"
    chmod -R a+rX "$PREFIX"
    packages=$TEST_PACKAGES
    if ! LD_LIBRARY_PATH=$PREFIX/lib "$PYTHON" -W ignore -c 'import cgi, cgitb' 2>/dev/null; then
        packages="$packages legacy-cgi"
    fi
    log "installing $packages"
    LD_LIBRARY_PATH=$PREFIX/lib "$PYTHON" -m pip install --quiet \
        --disable-pip-version-check --root-user-action=ignore $packages
    chmod -R a+rX "$PREFIX"
    touch "$PREFIX/.mod_python-leg"
fi
export LD_LIBRARY_PATH=$PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
log "$("$PYTHON" -VV)"

log "copying the tree to $BUILD"
"$REPO/scripts/copy-tree.sh" "$BUILD"
cd "$BUILD"
./configure --with-python="$PYTHON"
make
status=0
make test PYTEST_ARGS="$*" || status=$?
log "finished with status $status after $(( $(date +%s) - start ))s"
exit $status
