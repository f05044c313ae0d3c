"""Where the official Peppol test files are, for the validation tests and the benchmark."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# CI checks the repository out beside shared/; a developer's git worktree sits one level
# deeper (<root>/wt/<branch>), with shared/ beside the worktrees' parent.
_CANDIDATES = (REPO.parent / "shared" / "peppol", REPO.parent.parent / "shared" / "peppol")
SHARED_PEPPOL = next((path for path in _CANDIDATES if path.is_dir()), _CANDIDATES[0])
BIS = SHARED_PEPPOL / "bis-billing-3"
SI_UBL_TESTS = SHARED_PEPPOL / "si-ubl-2.0" / "tests"

needs_shared = pytest.mark.skipif(
    not SHARED_PEPPOL.is_dir(),
    reason=f"the official Peppol test files are not at {' or '.join(map(str, _CANDIDATES))}",
)


def files(directory: Path, pattern: str = "*.xml") -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []
