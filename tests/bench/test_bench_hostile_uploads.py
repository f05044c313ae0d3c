"""Hostile uploads at the sizes a probe used against the customer import, each read in a
process of its own: peak memory and time, against a small valid file as the baseline."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.customers import hostile_files as hostile

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 300


def measure(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "tests.bench.measure_upload", str(path), name],
                            cwd=ROOT, capture_output=True, text=True, check=True, timeout=600)
    path.unlink()
    return json.loads(result.stdout.strip().splitlines()[-1])


def valid_csv(rows):
    lines = ["customer_number;name;country;invoice_email;endpoint_id"]
    lines += [f"C{i:06d};Customer {i} BV;NL;ap{i}@example.nl;0106:{10_000_000 + i}"
              for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def valid_workbook(rows):
    def chunks():
        yield hostile.HEADER_ROW
        for start in range(0, rows, 10_000):
            yield b"".join(
                f'<row r="{i + 2}"><c r="A{i + 2}" t="inlineStr"><is><t>C{i:06d}</t></is></c>'
                f'<c r="B{i + 2}" t="inlineStr"><is><t>Customer {i} BV</t></is></c></row>'
                .encode() for i in range(start, min(rows, start + 10_000)))

    return hostile.workbook(chunks())


CASES = [
    # Under the unpacked-size limit, so only counting rows while reading can stop it.
    ("no <dimension>, 800,000 rows", "rows.xlsx",
     lambda: hostile.many_rows_without_dimension(800_000), "more than 200000 rows"),
    # Its size is given honestly in the zip's directory, and refused before reading.
    ("no <dimension>, 5,000,000 rows", "more-rows.xlsx",
     lambda: hostile.many_rows_without_dimension(5_000_000), "unpacks to more than"),
    ("one cell of 50 MB", "cell.xlsx", lambda: hostile.one_huge_cell(50_000_000),
     "more than 1000 characters"),
    # zipfile unpacks no more than the directory's size of a part: that size is checked first.
    ("one cell of 600 MB", "big-cell.xlsx", lambda: hostile.one_huge_cell(600_000_000),
     "unpacks to more than"),
    ("shared-strings bomb, 10,000,000 strings", "strings.xlsx",
     lambda: hostile.shared_strings_bomb(10_000_000), "unpacks to more than"),
    # Just under the unpacked-size limit: all of them kept, in a compact buffer.
    ("shared-strings bomb, 3,500,000 strings", "some-strings.xlsx",
     lambda: hostile.shared_strings_bomb(3_500_000), "accepted"),
    ("5,000,000 cells in one row (XLSX)", "cells.xlsx",
     lambda: hostile.cells_in_one_row(5_000_000), "more than 100 columns"),
    ("CSV with 1,000,000 columns", "columns.csv", lambda: hostile.csv_columns(1_000_000),
     "more than 100 columns"),
    ("CSV with 5,000,000 cells in one row", "cells.csv",
     lambda: hostile.csv_cells_in_one_row(5_000_000), "more than 100 columns"),
    ("zip of 60,000 parts", "parts.xlsx", lambda: hostile.many_parts(60_000),
     "not an Excel workbook"),
    ("valid CSV, 200,000 rows", "valid.csv", lambda: valid_csv(200_000), "accepted"),
    ("valid XLSX, 200,000 rows", "valid.xlsx", lambda: valid_workbook(200_000), "accepted"),
]


def test_bench_hostile_uploads(tmp_path):
    baseline = measure(tmp_path, "small.csv", valid_csv(10))
    print(f"\nbaseline (10-row CSV): {baseline['seconds'] * 1000:.0f} ms, process peak "
          f"{baseline['peak_mb']:.0f} MB (of which Django and the portal "
          f"{baseline['start_mb']:.0f} MB)")
    for label, name, make, expected in CASES:
        content = make()
        figures = measure(tmp_path, name, content)
        print(f"{label} ({len(content) / 1e6:.1f} MB file): {figures['outcome'][:70]}; "
              f"{figures['seconds']:.2f} s = {figures['seconds'] / baseline['seconds']:.0f}x "
              f"the baseline; process peak {figures['peak_mb']:.0f} MB = "
              f"{figures['peak_mb'] / baseline['peak_mb']:.1f}x the baseline "
              f"(limit {MEMORY_LIMIT_MB} MB)")
        assert expected in figures["outcome"], figures
        assert figures["peak_mb"] < MEMORY_LIMIT_MB, (label, figures)
