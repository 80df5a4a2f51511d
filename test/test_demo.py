"""demo/run.py serves the tutorial examples and stops cleanly on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from harness import REPO, free_port


def wait_for(url, process, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_demo_serves_the_tutorial_and_stops_on_ctrl_c():
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, str(REPO / "demo" / "run.py")],
        env=dict(os.environ, MP_DEMO_PORT=str(port)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    base = "http://127.0.0.1:%d" % port
    try:
        index = wait_for(base + "/", demo)
        assert index.status_code == 200
        assert 'href="hello.py"' in index.text
        hello = requests.get(base + "/hello.py", timeout=10)
        assert (hello.status_code, hello.text) == (200, "Hello World!")
        spam = requests.get(base + "/spam/hello.py", timeout=10)
        assert spam.status_code == 200
        assert spam.text.startswith("Hello World!")
        private = base + "/private/hello.py"
        assert requests.get(private, timeout=10).status_code == 401
        allowed = requests.get(private, auth=("spam", "eggs"), timeout=10)
        assert allowed.status_code == 200
        assert allowed.text.startswith("Hello World!")
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=20)
    assert demo.returncode == 0, output
    assert base + "/hello.py" in output
    assert "stopped." in output
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/", timeout=2)
