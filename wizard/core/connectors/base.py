"""The one small interface every source connector has.

A connector reads one CRM's objects through its API and gives them as rows of an export file
of that CRM (the columns its own export has), so the presets recognise and map them as they
would the admin's own export, and the rest of the method is unchanged.

- :meth:`Connector.objects` names the files a pull makes, parents first;
- :meth:`Connector.header` fixes each file's columns once (the record id first);
- :meth:`Connector.pages` streams one file's rows a page at a time, each page with the cursor
  of the next (``None`` after the last); a pull stopped or killed goes on from a saved cursor;
- ``since`` (an ISO time) asks only for records changed since then, for the delta;
- :meth:`Connector.deleted` says which records were deleted since then.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import UTC, datetime

Page = tuple[list[list[str]], str | None]  # rows aligned to the header, the next cursor


def cell(value: object) -> str:
    """A value as an export file writes it: empty for none, true/false, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Connector(ABC):
    """``api`` (set by each connector) is its :class:`wizard.core.connectors.http.Api`."""

    vendor = ""
    label = ""
    api = None

    @abstractmethod
    def objects(self) -> list[str]:
        """The files a pull makes (without .csv), parents before children."""

    @abstractmethod
    def header(self, obj: str) -> list[str]:
        """The file's columns; the first is the record id."""

    @abstractmethod
    def pages(self, obj: str, cursor: str | None, since: str | None,
              header: list[str]) -> Iterator[Page]:  # fmt: skip
        """The rows after ``cursor`` (``None``: from the start), a page at a time."""

    def deleted(self, obj: str, since: str) -> set[str]:
        """The ids of records deleted since ``since``."""
        return set()

    def watch(self, on_wait, should_stop) -> None:
        """Show waits the API asks for; let Stop end them."""
        if self.api is not None:
            self.api.on_wait, self.api.should_stop = on_wait, should_stop

    @property
    def requests(self) -> int:
        return self.api.requests if self.api is not None else 0

    def close(self) -> None:
        if self.api is not None:
            self.api.close()
