"""The project's own error type: every user-facing failure is one of these.

Each carries a plain-language ``message`` (what happened and why) and a ``hint`` (what the admin
can do about it), so the GUI and the CLI can show it without a traceback.
"""

from __future__ import annotations


class CutoverError(Exception):
    """A failure an admin can understand and act on."""

    def __init__(self, message: str, hint: str = "", *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class SourceError(CutoverError):
    """A source file could not be read (empty, binary, corrupt, locked, vanished...)."""


class PlanError(CutoverError):
    """A plan file is missing, malformed or from an incompatible version."""


DISK_FULL_ERRNOS = {28, 122, 27}  # ENOSPC, EDQUOT, EFBIG (a file-size limit)


def is_disk_full(exc: BaseException) -> bool:
    """The disk (or the user's quota) ran out: an OSError, or SQLite's own 'disk is full'."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:  # also when a library wraps it (xlsxwriter's FileCreateError, ...)
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS:
            return True
        if e.__class__.__name__ == "OperationalError" and "disk is full" in str(e):
            return True
        todo += [e.__cause__, e.__context__, *e.args]
    return False


def disk_full(folder: str | None, need_bytes: int = 0) -> CutoverError:
    """What to say when the disk is full: every batch is its own transaction, so what was
    committed stays and the batch being written was rolled back; running again resumes."""
    import shutil

    free = 0
    if folder:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            free = 0
    more = max(100 << 20, need_bytes - free)
    where = f" on the disk that holds {folder}" if folder else ""
    return CutoverError(
        f"The disk is full{where} ({free / 1e6:,.0f} MB free).",
        f"Free at least {more / 1e6:,.0f} MB and run the same command again; nothing was "
        "lost: the batch being written was rolled back and the run resumes where it stopped.",
        path=folder,
    )


def plain(
    exc: BaseException, folder: str | None = None, need_bytes: int = 0
) -> CutoverError | None:
    """The operating system's refusals, said plainly (the CLI and the wizard alike): a full
    disk, a file or folder this user may not use, a path that cannot be used. None for
    anything else."""
    if is_disk_full(exc):
        return disk_full(folder, need_bytes)
    if isinstance(exc, PermissionError):
        return CutoverError(f"This app is not allowed to use {exc.filename or 'a file'}.",
                            "Check its permissions (and its folder's), or work on a copy in a "
                            "folder of your own.")  # fmt: skip
    if isinstance(exc, OSError) and exc.filename:
        return CutoverError(f"{exc.filename} could not be used: {exc.strerror or exc}.",
                            "Check the path, or work on a copy in a folder of your own.")  # fmt: skip
    return None
