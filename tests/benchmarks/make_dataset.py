"""Command line for the seeded relational export (the generator lives in
``wizard.core.demo``): ``python tests/benchmarks/make_dataset.py FOLDER [--scale 1]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout too
from wizard.core.demo import SIZES, generate

__all__ = ["SIZES", "generate", "main"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for name, path in generate(args.folder, args.scale, args.seed).items():
        print(name, path)


if __name__ == "__main__":
    main()
