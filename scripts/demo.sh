#!/bin/sh
# Build mod_python and serve the demo site (the manual's tutorial examples)
# with a private Apache on http://127.0.0.1:8080 until Ctrl-C.
set -e
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure
fi
make
make demo
