"""Validates documents one after the other in a process of its own, when told to:
`python -m tests.bench.validate_many COUNT WARMUP`. It prints "ready" once the rules are
compiled and warmed up; then for each line on its standard input it validates COUNT
invoices and prints the seconds that took, until its input ends."""

import os
import sys
import time


def main(count: int, warmup: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
    import django  # noqa: PLC0415

    django.setup()
    from invoices.peppol.validation import validate  # noqa: PLC0415
    from tests.invoices.conftest import invoice  # noqa: PLC0415

    documents = [invoice(f"P-{os.getpid()}-{n}") for n in range(count)]
    for data in documents[:warmup]:
        validate(data)
    print("ready", flush=True)
    for _line in sys.stdin:
        start = time.perf_counter()
        for data in documents:
            assert validate(data).valid
        print(time.perf_counter() - start, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
