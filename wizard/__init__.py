"""Cutover Wizard: a safe, phased CRM migration, rehearsed in a sandbox first."""

import os

# pyarrow (pandas' text columns, the CSV column reader) allocates through the C library's
# malloc: its default pool, mimalloc, reserves 1 GB of address space up front, which a limit
# on address space (ulimit -v, and the hostile corpus's test of memory bombs) counts as used
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"
