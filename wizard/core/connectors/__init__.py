"""Integration Sync through the old CRM's API: HubSpot, Salesforce and Pipedrive.

A pull writes the CRM's objects as its own export files into ``<project>/pulled/<crm>/``
(:mod:`wizard.core.connectors.pull`); the folder is then checked and migrated like an export
folder. Tokens live only in the OS password store (:mod:`wizard.core.secrets`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from wizard.core.connectors.base import Connector
from wizard.core.errors import CutoverError

PULLED = "pulled"
CRMS = {"hubspot": "HubSpot", "salesforce": "Salesforce", "pipedrive": "Pipedrive"}
TOKEN_ENV = {"hubspot": "HUBSPOT_ACCESS_TOKEN", "salesforce": "SALESFORCE_ACCESS_TOKEN",
             "pipedrive": "PIPEDRIVE_API_TOKEN"}  # fmt: skip
NEEDS_URL = {"salesforce": "https://yourcompany.my.salesforce.com",
             "pipedrive": "https://yourcompany.pipedrive.com"}  # fmt: skip
SECRET = "{crm}-source"  # the password store's name for the token a pull reads with


def pull_folder(project: str | Path, crm: str) -> Path:
    return Path(project) / PULLED / crm


def connection(project: str | Path, crm: str) -> dict:
    """What a pull remembers of the connection (never the token)."""
    try:
        return json.loads((pull_folder(project, crm) / "connection.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def remember(project: str | Path, crm: str, url: str | None) -> None:
    folder = pull_folder(project, crm)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "connection.json").write_text(json.dumps({"crm": crm, "url": url or ""}), "utf-8")


def token_for(project: str | Path, crm: str, given: str | None = None) -> str:
    """The token: the one given (kept in the password store), else the store's, else the
    environment's."""
    from wizard.core import secrets

    kind = SECRET.format(crm=crm)
    if given:
        secrets.store(kind, str(project), given)
        return given
    token = secrets.load(kind, str(project)) or os.environ.get(TOKEN_ENV[crm], "")
    if not token:
        raise CutoverError(f"No {CRMS[crm]} access token.",
                           f"Set {TOKEN_ENV[crm]} (or connect in the wizard) and try again; it "
                           "is kept in your computer's password store, never in the project.")  # fmt: skip
    return token


def connector_for(crm: str, token: str, url: str | None = None,
                  folder: str | Path | None = None, **kw) -> Connector:  # fmt: skip
    if crm == "salesforce":
        from wizard.core.connectors.salesforce import SalesforceConnector

        return SalesforceConnector(url or "", token, folder, **kw)
    if crm == "hubspot":
        from wizard.core.connectors.hubspot import HubSpotConnector

        return HubSpotConnector(token, url, **kw)
    if crm == "pipedrive":
        from wizard.core.connectors.pipedrive import PipedriveConnector

        return PipedriveConnector(url or "", token, folder, **kw)
    raise CutoverError(f"No connector for '{crm}'.", f"Choose one of {', '.join(CRMS)}.")


def open_pull(project: str | Path, crm: str, url: str | None = None,
              token: str | None = None, **kw) -> tuple[Connector, Path]:  # fmt: skip
    """The connector and folder of a pull into ``project``: the address given or remembered,
    the token given (then kept in the password store) or kept. Raises a plain
    :class:`CutoverError` when either is missing or the address is not the vendor's."""
    if crm not in CRMS:
        raise CutoverError(f"No connector for '{crm}'.", f"Choose one of {', '.join(CRMS)}.")
    url = url or connection(project, crm).get("url") or None
    if crm in NEEDS_URL and not url:
        raise CutoverError(f"Which {CRMS[crm]}? Give its address.",
                           f"For example {NEEDS_URL[crm]}")  # fmt: skip
    secret = token_for(project, crm, token)
    folder = pull_folder(project, crm)
    source = connector_for(crm, secret, url, folder, **kw)
    remember(project, crm, url)
    return source, folder


def pulled_crm(path: str | Path, project: str | Path) -> str | None:
    """The CRM whose pull folder ``path`` is (or holds), in this project (else None)."""
    where = Path(path).resolve()
    for crm in CRMS:
        folder = pull_folder(project, crm).resolve()
        if where == folder or where.parent == folder:
            return crm
    return None
