"""``python -m wizard`` runs the same entry point as ``cutover-wizard``."""

from wizard.cli import main

raise SystemExit(main())
