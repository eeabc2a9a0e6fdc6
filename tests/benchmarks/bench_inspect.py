"""Benchmark: read + map + validate a 1M-row contacts CSV and a 100k-row XLSX.

Not a test: prints rows/s and peak RSS (each measured in a fresh process). Run with
``python tests/benchmarks/bench_inspect.py [--rows 1000000] [--xlsx-rows 100000]``.
The generated files go to tests/benchmarks/out/ (ignored by git); about 2% of rows are dirty.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout too
HEADER = ["Id", "First Name", "Last Name", "Email", "Phone", "Company", "City", "Created",
          "Lifecycle Stage", "Notes"]  # fmt: skip
FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jürgen"]
LAST = ["Lee", "Roy", "Dubois", "Ivanov", "Stone", "Haddad", "Hopper", "Sato", "Sousa", "Müller"]
STAGES = ["Lead", "Customer", "Opportunity", "Subscriber"]


def _row(i: int, rnd: random.Random) -> list[str]:
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    ascii_name = f"{first}.{last}".lower().translate(str.maketrans("éü", "eu"))
    email = f"{ascii_name}{i}@example.com"
    phone = f"+1 415 555 {i % 10000:04d}"
    created = f"{rnd.randint(1, 12):02d}/{rnd.randint(13, 28):02d}/2024"
    row = [f"C{i}", first, last, email, phone, f"Company {i % 5000}", "Austin", created,
           rnd.choice(STAGES), "called, left a message"]  # fmt: skip
    dirt = rnd.random()
    if dirt < 0.005:
        row[3] = email.replace("@", "")  # invalid email
    elif dirt < 0.01:
        row[7] = "31/02/2024"  # impossible date
    elif dirt < 0.015:
        row[3] = f"dup{i % 100}@example.com"  # duplicates
    elif dirt < 0.02:
        row[8] = "Prospect?"  # not an option
    return row


def make_csv(rows: int) -> Path:
    path = OUT / f"contacts_{rows}.csv"
    if not path.exists():
        rnd = random.Random(42)
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            for i in range(rows):
                w.writerow(_row(i, rnd))
    return path


def make_xlsx(rows: int) -> Path:
    from openpyxl import Workbook

    path = OUT / f"contacts_{rows}.xlsx"
    if not path.exists():
        rnd = random.Random(7)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Contacts")
        ws.append(HEADER)
        for i in range(rows):
            ws.append(_row(i, rnd))
        wb.save(path)
    return path


def measure(path: str) -> None:
    """Run in a child process: inspect one file, print rows, seconds, peak RSS."""
    from wizard.core.inspection import inspect

    start = time.perf_counter()
    report = inspect([path])
    seconds = time.perf_counter() - start
    rows = sum(f.rows_read for f in report.validation.files.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows} {seconds:.2f} {peak_mb:.0f} {report.validation.count('error')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    OUT.mkdir(exist_ok=True)
    files = [make_csv(args.rows), make_xlsx(args.xlsx_rows)]
    print(f"{'file':<28} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak RSS':>9} {'errors':>7}")
    for path in files:
        out = subprocess.run([sys.executable, __file__, "--measure", str(path)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        rows, seconds, peak, errors = out.stdout.split()
        rate = int(rows) / float(seconds)
        print(f"{path.name:<28} {rows:>9} {seconds:>8} {rate:>9.0f} {peak + ' MB':>9} {errors:>7}")


if __name__ == "__main__":
    main()
