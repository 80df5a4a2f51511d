#!/bin/sh
# Build mod_python and run the benchmarks (bench/run.py) against private
# httpd instances on 127.0.0.1.  Installs wrk, valgrind (and the build
# dependencies: scripts/install-deps.sh) when run as root on Debian;
# otherwise prints what to install.
#
#   ./scripts/bench.sh                  # full table, ~8 minutes
#   ./scripts/bench.sh --rows handler --rounds 1
#   ./scripts/bench.sh --callgrind      # instructions per request
#                                       # (bench/callgrind.py --table)
set -e
cd "$(dirname "$0")/.."

# wrk, valgrind and ab are in its list
./scripts/install-deps.sh
# Debian's mod_wsgi and mod_python 3.5 (built for Debian 12's Python 3.11)
# for the comparison rows: their packages are unpacked, never installed
# (an installed mod_python 3.5 would clash with ours, and the machine's
# Apache is not touched), into the directory bench/run.py and
# bench/callgrind.py look in.  Neither has a Python package of its own to
# fetch: mod_python 3.5's lib is in the same .deb.
ALTERNATIVES="${MP_BENCH_ALTERNATIVES:-bench/.cache/alternatives}"
if [ ! -f "$ALTERNATIVES/usr/lib/apache2/modules/mod_python.so" ] ||
   [ ! -f "$ALTERNATIVES/usr/lib/apache2/modules/mod_wsgi.so" ]; then
    downloads=$(mktemp -d)
    chmod 755 "$downloads"      # apt's _apt user writes the files
    if (cd "$downloads" && apt-get download libapache2-mod-python \
            libapache2-mod-wsgi-py3 >/dev/null 2>&1); then
        mkdir -p "$ALTERNATIVES"
        for deb in "$downloads"/*.deb; do
            dpkg-deb -x "$deb" "$ALTERNATIVES"
        done
        # the httpd children (www-data) import 3.5's package from here
        chmod -R a+rX "$ALTERNATIVES"
        dir="$ALTERNATIVES"
        while [ "$dir" != . ] && [ "$dir" != / ]; do
            chmod a+x "$dir"; dir=$(dirname "$dir")
        done
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
if [ "$1" = --callgrind ]; then
    shift
    exec "${PYTHON:-/usr/bin/python3}" bench/callgrind.py --table "$@"
fi
exec "${PYTHON:-/usr/bin/python3}" bench/run.py "$@"
