"""A throwaway PostgreSQL server for the tests: ``initdb`` in a temporary folder, listening only
on a Unix socket there, trust authentication; stopped (and deleted) at the end of the session.

PostgreSQL refuses to run as root: under root the cluster belongs to the ``postgres`` user the
Debian package creates, and its commands run through ``runuser``. ``CUTOVER_WIZARD_TEST_PG``
(a connection string) uses a server you already have instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PgServer:
    def __init__(self) -> None:
        self.folder: Path | None = None
        self.dsn = os.environ.get("CUTOVER_WIZARD_TEST_PG", "")
        self.why_not = ""

    def start(self) -> bool:
        if self.dsn:
            return True
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            self.why_not = ("PostgreSQL is not installed (apt-get install postgresql); .ci/run "
                            "installs it")  # fmt: skip
            return False
        prefix: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser") or subprocess.run(["id", "postgres"],
                                                             capture_output=True).returncode:  # fmt: skip
                self.why_not = "running as root without a 'postgres' user to run PostgreSQL as"
                return False
            prefix = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="cutover-pg-"))
        os.chmod(self.folder, 0o777)
        data = self.folder / "data"
        run = lambda *cmd: subprocess.run([*prefix, *cmd], capture_output=True, text=True)  # noqa: E731
        done = run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        if done.returncode:
            self.why_not = f"initdb failed: {done.stderr.strip()[:300]}"
            return False
        opts = f"-k {self.folder} -c listen_addresses='' -c fsync=off -p 54329"
        done = run(pg_ctl, "-D", str(data), "-o", opts, "-l", str(self.folder / "log"),
                   "-w", "start")  # fmt: skip
        if done.returncode:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            self.why_not = f"PostgreSQL did not start: {(done.stderr or log).strip()[:300]}"
            return False
        self.dsn = f"host={self.folder} port=54329 user=postgres dbname=postgres"
        self._stop = lambda: run(pg_ctl, "-D", str(data), "-m", "immediate", "stop")
        return True

    def stop(self) -> None:
        if self.folder is not None:
            self._stop()
            shutil.rmtree(self.folder, ignore_errors=True)
