#!/bin/sh
# Build mod_python and run the benchmarks (bench/run.py) against private
# httpd instances on 127.0.0.1.  Installs wrk (and the build dependencies)
# when run as root on Debian; otherwise prints what to install.
#
#   ./scripts/bench.sh                  # full table, ~6-8 minutes
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
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure
fi
make
exec "${PYTHON:-/usr/bin/python3}" bench/run.py "$@"
