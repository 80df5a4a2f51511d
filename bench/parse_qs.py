#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""util.parse_qsl against urllib.parse.parse_qsl, in the embedded Python.

    python3 bench/parse_qs.py [--rounds 3]

Doc/util.rst says mod_python.util.parse_qs and parse_qsl give the same
results as their urllib.parse namesakes, faster for the common case of a
str query.  This measures that claim where it matters, inside a child of a
private httpd (prefork, the Python mod_python was built against): a
handler (bench/site/qs/qs_speed.py) checks that both give the same pairs,
then times 10,000 parses of each query with each parser (best of 7), and
the table gives urllib's time over ours per query (above 1: ours is
faster), the median over --rounds requests.  Both run in the same process
one after the other, so the ratio holds on a noisy machine better than
either time; it is still a timing, which is why it lives here and not in
the test suite.  Never part of `make test`.
"""

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test"))

from harness import Httpd  # noqa: E402

CONFIG = """
<Location /qs>
    SetHandler mod_python
    PythonHandler qs_speed
</Location>
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    server = Httpd("prefork", CONFIG, htdocs=HERE / "site" / "qs",
                   name="mp-bench-qs", extra_pythonpath=["."])
    ratios = {}
    try:
        server.start(timeout=30)
        banner = ""
        for _ in range(args.rounds):
            response = server.get("/qs", timeout=300)
            if response.status_code != 200:
                raise RuntimeError("%d from the handler:\n%s" % (
                    response.status_code, server.error_log()[-3000:]))
            banner = response.headers.get("Server", "")
            for name, timing in response.json().items():
                ratios.setdefault(name, []).append(
                    (timing["urllib"] / timing["util"],
                     timing["util"], timing["urllib"]))
    finally:
        server.stop()
        server.cleanup()
    print(banner)
    print()
    print("| query | util us | urllib us | urllib / util |")
    print("|---|---:|---:|---:|")
    for name, rows in ratios.items():
        print("| %s | %.2f | %.2f | %.2fx |" % (
            name, statistics.median(row[1] for row in rows) * 100,
            statistics.median(row[2] for row in rows) * 100,
            statistics.median(row[0] for row in rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
