"""The bundle's entry point: the same as ``cutover-wizard`` (no arguments: the window)."""

import multiprocessing

from wizard.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the staging process starts this bundle again
    raise SystemExit(main())
