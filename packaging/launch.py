"""The bundle's entry point: the same as ``cutover-wizard`` (no arguments: the window)."""

from wizard.cli import main

raise SystemExit(main())
