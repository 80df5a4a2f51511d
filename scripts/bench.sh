#!/bin/sh
# Build mod_python and run the benchmarks (bench/run.py) against private
# httpd instances on 127.0.0.1.  Installs wrk (and the build dependencies)
# when run as root on Debian; otherwise prints what to install.
#
#   ./scripts/bench.sh                  # full table, ~8 minutes
#   ./scripts/bench.sh --rows handler --rounds 1
set -e
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y wrk
    else
        echo "bench: wrk is missing; run: sudo apt-get install -y wrk" >&2
        exit 1
    fi
fi
# Debian's mod_wsgi and mod_python 3.5 for the comparison rows: their
# packages are unpacked (not installed) where bench/run.py looks for them.
ALTERNATIVES="${MP_BENCH_ALTERNATIVES:-/tmp/mp-bench-alternatives}"
if [ ! -f "$ALTERNATIVES/usr/lib/apache2/modules/mod_python.so" ]; then
    downloads=$(mktemp -d)
    if (cd "$downloads" && apt-get download libapache2-mod-python \
            libapache2-mod-wsgi-py3 >/dev/null 2>&1); then
        mkdir -p "$ALTERNATIVES"
        for deb in "$downloads"/*.deb; do
            dpkg-deb -x "$deb" "$ALTERNATIVES"
        done
        chmod -R a+rX "$ALTERNATIVES"
    else
        echo "bench: could not download Debian's mod_python/mod_wsgi;" \
             "their rows are skipped" >&2
    fi
    rm -rf "$downloads"
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure
fi
make
exec "${PYTHON:-/usr/bin/python3}" bench/run.py "$@"
