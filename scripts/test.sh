#!/bin/sh
# Build mod_python and run the whole test suite against a real Apache httpd
# (prefork and event MPMs).  Exit status is the test result.
# Extra arguments are passed to pytest, e.g. ./scripts/test.sh -k publisher;
# given files or directories under test/, only those run
# (./scripts/test.sh test/test_tutorial.py).
set -e
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure
fi
make
make test PYTEST_ARGS="$*"
