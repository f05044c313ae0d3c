"""`manage.py run_with_worker [addrport]`: the development server and a task worker in one
command. Ctrl-C (or SIGTERM) stops both; when either stops, the other is stopped too.

Each runs in a process group of its own, because both have an autoreloader that runs the
real server or worker as a child: stopping the group stops that child too."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development web server and a task worker together (make run)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *, addrport, **options):
        manage = [sys.executable, sys.argv[0]]
        children = [
            subprocess.Popen([*manage, "runserver", addrport],  # noqa: S603 - our manage.py
                             start_new_session=True),
            subprocess.Popen([*manage, "db_worker", "--interval", "1"],  # noqa: S603
                             start_new_session=True),
        ]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            for child in children:
                _signal_group(child, signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(child, signal.SIGKILL)
                    child.wait()


def _signal_group(child, signum) -> None:
    # A group that is already gone has nothing left to stop.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
