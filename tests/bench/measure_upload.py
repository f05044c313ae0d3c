"""Reads one upload as the import's upload step does, in a process of its own, and prints
its peak memory and time as JSON: `python -m tests.bench.measure_upload FILE NAME`."""

import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM counts only this program: the
    rusage figure keeps the high-water mark of the process it was started from (a large
    pytest process, after a fork and an exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(path: str, name: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
    import django  # noqa: PLC0415

    django.setup()
    from customers.importing import FileProblem  # noqa: PLC0415
    from customers.importing.files import inspect  # noqa: PLC0415

    before = peak_mb()
    with open(path, "rb") as upload:
        content = upload.read()
    start = time.perf_counter()
    try:
        found = inspect(name, content)
        outcome = f"accepted: {found.rows_total} rows, {len(found.columns)} columns"
    except FileProblem as problem:
        outcome = f"refused: {problem.message}"
    seconds = time.perf_counter() - start
    peak = peak_mb()
    print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mb": peak,
                      "start_mb": before, "size_mb": len(content) / 1e6}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
