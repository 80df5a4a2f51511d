#!/bin/sh
# Build mod_python and serve the demo site (the manual's tutorial examples)
# with a private Apache on http://127.0.0.1:8080 (or $MP_DEMO_PORT) until
# Ctrl-C, through the `mod_python' command:
#
#     mod_python create SITE --htdocs demo/htdocs --include scripts/demo.conf ...
#     mod_python start SITE --foreground
set -e
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure
fi
make

site=$(mktemp -d /tmp/mp-demo-XXXXXX)
trap 'rm -rf "$site"' EXIT
trap 'exit 130' INT TERM
./scripts/mod_python create "$site" --force \
    --listen "127.0.0.1:${MP_DEMO_PORT:-8080}" --module src/mod_python.so \
    --htdocs demo/htdocs --addhandler .py --pythonhandler myscript --debug \
    --include scripts/demo.conf
echo "pages: /hello.py, /spam/hello.py, /private/hello.py (user spam, password eggs)"
./scripts/mod_python start "$site" --foreground
