#!/usr/bin/env python3
"""Run the coverage-guided fuzz targets (atheris) for a bounded time.

    python3 test/stress/stress_fuzz.py [--seconds 120] [--targets parse_qs,multipart]

Targets are test/fuzz/fuzz_<name>.py.  Each starts from seeds taken out of
the checked-in replay corpus (test/fuzz/corpus: the query strings of the
request lines and the urlencoded bodies for parse_qs; Content-Type plus
body of the POST cases for multipart) and grows a working corpus in a
temporary directory (kept in $MP_STRESS_RESULTS/fuzz-<name> when that is
set).  Passes when no target found a failing input (and nothing was
tolerated with --tolerate); the figures are
libFuzzer's: executions, final corpus size, coverage.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import stresscommon as common

FUZZ_DIR = common.TEST_DIR / "fuzz"
sys.path.insert(0, str(FUZZ_DIR))
import replay  # noqa: E402


def seeds(name):
    """Seed inputs for target name, from the replay corpus."""
    found = set()
    for data in replay.load_corpus().values():
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        target = parts[1] if len(parts) > 1 else b""
        ctype = b""
        for line in lines[1:]:
            if line.lower().startswith(b"content-type:"):
                ctype = line.split(b":", 1)[1].strip()
        if name == "parse_qs":
            if b"?" in target:
                found.add(b"\x00\x00\x00" + target.split(b"?", 1)[1][:4000])
            if b"urlencoded" in ctype:
                found.add(b"\x00\x00\x00" + body[:4000])
        elif name == "multipart" and body and ctype:
            found.add(ctype.replace(b"\n", b"") + b"\n" + body[:8000])
    return sorted(found)


def run_target(name, seconds, workdir, artifacts, tolerate=""):
    corpus = workdir / ("corpus-" + name)
    seed_dir = workdir / ("seeds-" + name)
    corpus.mkdir(parents=True, exist_ok=True)
    seed_dir.mkdir(parents=True, exist_ok=True)
    for index, data in enumerate(seeds(name)):
        (seed_dir / ("seed-%04d" % index)).write_bytes(data)
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(FUZZ_DIR / ("fuzz_%s.py" % name)),
               "-max_total_time=%d" % seconds, "-print_final_stats=1",
               "-timeout=10", "-rss_limit_mb=2048", "-max_len=8192",
               "-artifact_prefix=%s/" % artifacts, str(corpus),
               str(seed_dir)]
    common.log("fuzzing %s for %ds (%d seeds)" % (
        name, seconds, len(list(seed_dir.iterdir()))))
    env = dict(os.environ, MP_FUZZ_TOLERATE=tolerate)
    process = subprocess.run(command, cwd=str(FUZZ_DIR), text=True, env=env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT,
                             timeout=seconds + 300)
    output = process.stdout
    stats = dict(re.findall(r"stat::(\w+):\s+(\d+)", output))
    done = re.findall(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: "
                      r"(\d+)/", output)
    files = list(corpus.iterdir())
    figures = {
        "returncode": process.returncode,
        "executions": int(stats.get("number_of_executed_units", 0)),
        "exec_per_sec": int(stats.get("average_exec_per_sec", 0)),
        "corpus_files": len(files),
        "corpus_bytes": sum(path.stat().st_size for path in files),
        "seeds": len(list(seed_dir.iterdir())),
        "coverage_edges": int(done[-1][1]) if done else None,
        "features": int(done[-1][2]) if done else None,
        "crashes": sorted(path.name for path in artifacts.iterdir()
                          if path.name.startswith(("crash-", "timeout-",
                                                   "oom-", "leak-"))),
    }
    if process.returncode != 0:
        tail = "\n".join(output.splitlines()[-40:])
        print(tail)
        figures["output_tail"] = tail[-3000:]
    common.log("%s: %s executions, corpus %d files (%d bytes), coverage "
               "%s edges, exit %d" % (name, figures["executions"],
                                      figures["corpus_files"],
                                      figures["corpus_bytes"],
                                      figures["coverage_edges"],
                                      process.returncode))
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--targets", default="parse_qs,multipart")
    parser.add_argument("--tolerate", default="", help=(
        "exception class names the targets let pass (to fuzz on past a "
        "known bug, e.g. UnicodeError,UnicodeDecodeError); the run is "
        "then not a pass"))
    args = parser.parse_args(argv)
    try:
        import atheris  # noqa: F401
    except ImportError:
        common.log("atheris is not installed: pip install atheris "
                   "(scripts/stress.sh does)")
        return common.report("fuzz", False, {"error": "no atheris"})
    out = os.environ.get("MP_STRESS_RESULTS")
    figures = {"seconds": args.seconds, "targets": {},
               "tolerated": args.tolerate}
    ok = True
    # failing inputs are kept: in $MP_STRESS_RESULTS, else /tmp/mp-fuzz-*
    keep = Path(out) if out else Path(tempfile.mkdtemp(prefix="mp-fuzz-"))
    with tempfile.TemporaryDirectory(prefix="mp-fuzz-work-") as tmp:
        workdir = Path(out) if out else Path(tmp)
        for name in args.targets.split(","):
            result = run_target(name, args.seconds, workdir,
                                keep / ("artifacts-" + name), args.tolerate)
            figures["targets"][name] = result
            ok = ok and result["returncode"] == 0 and not result["crashes"]
    ok = ok and not args.tolerate
    figures["artifacts"] = str(keep)
    return common.report("fuzz", ok, figures)


if __name__ == "__main__":
    sys.exit(main())
