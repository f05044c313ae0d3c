"""Run the whole suite on SQLite, then again on PostgreSQL when a server answers."""

import os
import socket
import subprocess
import sys

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/portal")


def postgres_answers(host="127.0.0.1", port=5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def run(label, extra_env):
    print(f"\n=== Test suite on {label} ===", flush=True)
    env = {**os.environ, **extra_env}
    env.pop("DATABASE_URL", None) if not extra_env.get("DATABASE_URL") else None
    return subprocess.call([sys.executable, "-m", "pytest", "-m", "not bench", *sys.argv[1:]],
                           env=env)


def main():
    status = run("SQLite", {"DATABASE_URL": ""})
    if postgres_answers():
        status = run("PostgreSQL", {"DATABASE_URL": PG_URL}) or status
    elif os.environ.get("CI", "").lower() == "true":
        # CI promises a run on PostgreSQL: a missing server must not pass as a green build.
        print("\nPostgreSQL does not answer on 127.0.0.1:5432; under CI=true that fails "
              "the build.", file=sys.stderr)
        status = status or 1
    else:
        print("\nPostgreSQL does not answer on 127.0.0.1:5432; its run is skipped.")
    return status


if __name__ == "__main__":
    sys.exit(main())
