"""Where the official Peppol test files are, for the validation tests and the benchmark."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# The official files sit in shared/ beside the repository, as on CI.
SHARED_PEPPOL = REPO.parent / "shared" / "peppol"
BIS = SHARED_PEPPOL / "bis-billing-3"
SI_UBL_TESTS = SHARED_PEPPOL / "si-ubl-2.0" / "tests"

# Under CI the files must be there: a missing copy fails instead of skipping.
needs_shared = pytest.mark.skipif(
    not SHARED_PEPPOL.is_dir() and os.environ.get("CI", "").lower() != "true",
    reason=f"the official Peppol test files are not at {SHARED_PEPPOL}",
)


def files(directory: Path, pattern: str = "*.xml") -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []
