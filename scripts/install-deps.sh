#!/bin/sh
# Install what a fresh Debian 12 machine needs to build and test mod_python.
# (autoconf is not needed: ./configure is committed.)
#
# As root: installs the missing packages with apt-get (does nothing, quickly,
# when everything is already installed).  As another user: prints the
# command to run and exits 1 if anything is missing.
set -e

# python3-setuptools and python3-pip: `pip install .` (test_install.py);
# python3-sphinx: the manual, `make -C Doc html` (test_docs.py);
# python3-hypothesis: the property test of util.parse_qs (test_util.py).
# openssl: a self-signed certificate for the mod_ssl test (test_api_ssl.py).
# redis-server, postgresql: the private stores of test_session_stores.py and
# test_session_cluster.py; python3-redis, python3-psycopg: RedisSession and
# PgSession in the embedded (Debian) Python.
# python3-flask, python3-django: the Flask and Django applications served
# by mod_python.wsgi (test_wsgi.py) and the flask row of bench/run.py.
# wrk, valgrind: scripts/bench.sh (bench/run.py's req/s, bench/callgrind.py's
# instructions per request); apache2-utils: ab, its PSS and warm-up loads;
# strace: bench/syscalls.py (system calls per request).
PACKAGES="apache2 apache2-dev python3-dev python3-pytest python3-requests gcc make python3-setuptools python3-pip python3-sphinx python3-hypothesis openssl redis-server postgresql python3-redis python3-psycopg python3-flask python3-django wrk valgrind apache2-utils strace"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: not a Debian-like system (no dpkg-query);" >&2
    echo "install-deps: make sure these (or their equivalents) are installed: $PACKAGES" >&2
    exit 0
fi

missing=
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case $status in
        *" ok installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done
missing=${missing# }

# Python 3.13 removed cgi and cgitb (PEP 594), which legacy CGI scripts run
# by mod_python.cgihandler import (test_cgihandler_legacy.py): where the
# Debian Python lacks them (Debian 13 and later), install the maintained fork
# that Debian packages as python3-legacy-cgi.  Older Pythons have them in the
# standard library, and their Debian releases have no such package.
needs_legacy_cgi() {
    command -v python3 >/dev/null 2>&1 &&
        ! python3 -W ignore -c 'import cgi, cgitb' >/dev/null 2>&1
}

if [ -z "$missing" ]; then
    if needs_legacy_cgi; then
        missing=python3-legacy-cgi
    else
        echo "install-deps: all needed packages are installed"
        exit 0
    fi
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: $missing" >&2
    echo "install-deps: run this, then try again:" >&2
    echo "    sudo apt-get install -y $missing" >&2
    exit 1
fi

echo "install-deps: installing $missing"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
# python3 may only now be installed: check again for cgi and cgitb.
if needs_legacy_cgi; then
    echo "install-deps: installing python3-legacy-cgi (no cgi/cgitb in $(python3 -V))"
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3-legacy-cgi
fi
