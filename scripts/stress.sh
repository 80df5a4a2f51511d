#!/bin/sh
# The long reliability runs of Doc/reliability.rst, outside `make test`:
#
#   concurrency  event MPM, 100 keep-alive clients, 60 s, three vhosts with
#                three interpreters: 0 failed requests, 0 crashed children
#   restarts     `-k graceful` every 2 s for 60 s under keep-alive load,
#                compared with the same run on a static file
#   leaks        100,000 requests of each scenario to one child: RSS growth
#                after warm-up < 1 MiB
#   valgrind     httpd -X under memcheck: no invalid access or definite
#                leak with a frame in mod_python.so
#   fuzz         atheris targets for util.parse_qs and the multipart parser,
#                120 s each
#
# Usage: scripts/stress.sh [--quick] [run ...]     (default: all five)
#   --quick   short durations, to check that the runs work (a few minutes)
# Results: one JSON line per run in $MP_STRESS_RESULTS (default
# /tmp/mp-stress-<date>), a summary at the end; exit status 1 if any run
# failed.  Installs valgrind (apt-get, as root) and atheris (pip) if missing.
set -u
cd "$(dirname "$0")/.."

quick=0
if [ "${1:-}" = "--quick" ]; then
    quick=1
    shift
fi
runs=${*:-concurrency restarts leaks valgrind fuzz}

if [ ! -f src/mod_python.so ]; then
    ./scripts/install-deps.sh && { [ -f Makefile ] || ./configure; } && make \
        || exit 1
fi
if ! command -v valgrind >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y valgrind >/dev/null 2>&1 || {
        apt-get update >/dev/null 2>&1 && apt-get install -y valgrind >/dev/null; }
fi
if ! python3 -c "import atheris" 2>/dev/null; then
    python3 -m pip install --quiet atheris \
        || echo "stress.sh: atheris did not install; the fuzz run will fail"
fi

MP_STRESS_RESULTS=${MP_STRESS_RESULTS:-/tmp/mp-stress-$(date +%Y%m%d-%H%M%S)}
export MP_STRESS_RESULTS
mkdir -p "$MP_STRESS_RESULTS"

if [ $quick = 1 ]; then
    concurrency="--duration 10"
    restarts="--duration 10"
    leaks="--requests 5000 --warmup 1000"
    valgrind="--requests 3"
    fuzz="--seconds 15"
else
    concurrency="--duration 60 --clients 100"
    restarts="--duration 60 --interval 2"
    leaks="--requests 100000 --warmup 10000"
    valgrind="--requests 20"
    fuzz="--seconds 120"
fi

failed=""
for run in $runs; do
    eval "args=\$$run"
    echo "==== $run: python3 test/stress/stress_$run.py $args"
    # shellcheck disable=SC2086
    python3 "test/stress/stress_$run.py" $args \
        2>&1 | tee "$MP_STRESS_RESULTS/$run.log"
    status=$(grep -c '^STRESS-RESULT .*"ok": true' "$MP_STRESS_RESULTS/$run.log")
    [ "$status" -ge 1 ] || failed="$failed $run"
done

echo "==== summary (details in $MP_STRESS_RESULTS)"
python3 - "$MP_STRESS_RESULTS" <<'PY'
import json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    result = json.loads(path.read_text())
    print("%-20s %s" % (result["name"], "PASS" if result["ok"] else "FAIL"))
PY
if [ -n "$failed" ]; then
    echo "stress.sh: FAILED:$failed"
    exit 1
fi
echo "stress.sh: all passed"
