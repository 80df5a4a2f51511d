"""Helpers shared by the stress_*.py scripts (not collected by pytest).

Each script starts its own servers with test/harness.py, prints what it
measured, and ends with one line ``STRESS-RESULT {json}`` (also written to
$MP_STRESS_RESULTS/<name>.json when that is set) and exit status 0 when
every figure met its bound, 1 otherwise.
"""

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

STRESS_DIR = Path(__file__).resolve().parent
TEST_DIR = STRESS_DIR.parent
REPO = TEST_DIR.parent
for path in (str(TEST_DIR), str(STRESS_DIR)):
    if path not in sys.path:
        sys.path.insert(0, path)

from harness import Httpd  # noqa: E402
import loadlib  # noqa: E402


def log(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def start(mpm, body, name="mp-stress", start_timeout=30, **kwargs):
    server = Httpd(mpm, body, name=name, **kwargs)
    try:
        server.start(timeout=start_timeout)
    except Exception:
        server.cleanup()
        raise
    log("%s server on port %d (%s), files in %s"
        % (mpm, server.port, name, server.tmp))
    return server


def finish(server, keep=False):
    """Stop server; returns (seconds -k stop took, crash lines, 'still did
    not exit' lines).  The directory is kept when something went wrong."""
    seconds = server.stop()
    crashes = server.crash_lines()
    hangs = [line for line in server.error_log().splitlines()
             if "still did not exit" in line]
    if crashes or keep:
        log("kept %s for inspection" % server.tmp)
    else:
        server.cleanup()
    return seconds, crashes, hangs


def _load_worker(args):
    port, htdocs, names, clients, duration, requests, seed = args
    scenarios = loadlib.Scenarios(htdocs)
    result = loadlib.run_load(port, loadlib.mix(scenarios, names), clients,
                              duration=duration, requests=requests,
                              seed=seed)
    return result.as_dict()


def run_load_processes(server, names, clients, processes=2, duration=None,
                       requests=None):
    """run_load split over several client processes (one Python process
    cannot keep 100 connections busy on its own)."""
    per_process = [clients // processes + (1 if i < clients % processes
                                           else 0)
                   for i in range(processes)]
    jobs = [(server.port, str(server.htdocs), list(names), count, duration,
             requests // processes if requests else None, 1000 + index)
            for index, count in enumerate(per_process)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_load_worker, jobs)
    total = loadlib.LoadResult()
    for part in parts:
        total.merge(part)
    return total


def report(name, ok, figures):
    figures = dict(figures, name=name, ok=bool(ok))
    line = json.dumps(figures, sort_keys=True)
    print("STRESS-RESULT " + line, flush=True)
    out = os.environ.get("MP_STRESS_RESULTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / (name + ".json")).write_text(line + "\n")
    log("%s: %s" % (name, "PASS" if ok else "FAIL"))
    return 0 if ok else 1
