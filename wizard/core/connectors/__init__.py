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
