"""Secrets (API tokens) live only in the operating system's password store, through keyring:
never in project files, logs or reports. Without a usable store, a token is kept for this
session only, and the admin is told so."""

from __future__ import annotations

import contextlib

SERVICE = "cutover-wizard"
_session: dict[str, str] = {}


def _key(kind: str, project: str) -> str:
    return f"{kind}:{project}"


def store(kind: str, project: str, secret: str) -> bool:
    """Keep ``secret``; True when the OS store has it, False when only this session does."""
    import keyring
    from keyring.errors import KeyringError

    _session[_key(kind, project)] = secret
    try:
        keyring.set_password(SERVICE, _key(kind, project), secret)
    except (KeyringError, RuntimeError):
        return False
    return True


def store_works() -> bool:
    """True when this computer has a password store keyring can use (not the 'fail' or
    'null' backends of a server without one)."""
    import keyring

    try:
        backend = keyring.get_keyring()
        return float(getattr(backend, "priority", 0)) > 0 and "fail" not in type(backend).__module__
    except Exception:  # a broken backend configuration is no store
        return False


def where(kind: str, project: str) -> str:
    """Where the secret is, in words for the admin."""
    if _session.get(_key(kind, project)) and not store_works():
        return "this session only (this computer has no password store)"
    return "your computer's password store" if store_works() else "nowhere"


def load(kind: str, project: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        found = keyring.get_password(SERVICE, _key(kind, project))
    except (KeyringError, RuntimeError):
        found = None
    return found or _session.get(_key(kind, project))


def forget(kind: str, project: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    _session.pop(_key(kind, project), None)
    with contextlib.suppress(KeyringError, RuntimeError):
        keyring.delete_password(SERVICE, _key(kind, project))
