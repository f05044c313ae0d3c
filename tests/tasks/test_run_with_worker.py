"""`make run`'s supervisor: the web server and a worker start together and stop together."""

import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.tasks.conftest import ROOT, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(pgid: int) -> bool:
    found = subprocess.run(["ps", "-o", "pid=", "-g", str(pgid)], capture_output=True,
                           text=True, check=False)
    return bool(found.stdout.strip())


def test_it_serves_with_a_worker_and_stops_both_on_ctrl_c():
    port = free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "manage.py", "run_with_worker", f"127.0.0.1:{port}"], cwd=ROOT,
        env=worker_env(DEBUG="true"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/health/", timeout=5)
            except requests.ConnectionError:
                time.sleep(0.3)
        assert answer is not None and answer.status_code == 200
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(supervisor.pid)],
                                  capture_output=True, text=True, check=True).stdout.split()
        assert len(children) == 2

        supervisor.send_signal(signal.SIGINT)
        supervisor.communicate(timeout=30)
    finally:
        supervisor.kill()

    assert not any(group_alive(int(pid)) for pid in children)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health/", timeout=2)
