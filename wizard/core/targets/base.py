"""The small interface every destination implements, so the runner never knows which it is.

A batch is columnar: ``columns`` names what each tuple holds, in the blueprint's words:
``source_id``, standard field names, ``properties`` (a JSON object of custom fields) and, for
references, the field name (``company``, ``owner``, ...) holding the *target's* id of the parent
(or None). Writing is an upsert on ``source_id``: sending the same record twice leaves one
record, which is what makes a resumed run safe.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, NamedTuple

from wizard.core.blueprint import ENTITIES, FieldType


class WriteResult(NamedTuple):
    target_id: int | str | None  # None when the record was refused
    error: str | None = None  # why, in plain words


def column_for(entity: str, field: str) -> str:
    """The sandbox column of a blueprint field: references end in ``_id``."""
    f = ENTITIES[entity].field(field)
    return f"{field}_id" if f.type == FieldType.REFERENCE else field


def table_ddl(ent, types: dict, dialect: dict[str, str], prefix: str = "") -> list[str]:
    """CREATE statements of one entity's table (the public contract every database target
    shares) and the indexes its links need. ``types`` maps field types to column types (text
    otherwise); ``dialect`` gives ``id``, ``ref``, ``text`` and ``properties`` column types."""
    cols = [f"id {dialect['id']} PRIMARY KEY", f"source_id {dialect['text']} NOT NULL UNIQUE"]
    indexes = []
    for f in ent.fields:
        if f.name == "source_id":
            continue
        if f.type == FieldType.REFERENCE:
            parent = ENTITIES[f.ref or ""].table
            cols.append(f"{f.name}_id {dialect['ref']} REFERENCES {prefix}{parent}(id)")
            indexes.append(f"CREATE INDEX IF NOT EXISTS {ent.table}_{f.name}_id ON "
                           f"{prefix}{ent.table}({f.name}_id)")  # fmt: skip
        else:
            cols.append(f"{f.name} {types.get(f.type, dialect['text'])}")
    cols.append(f"properties {dialect['properties']}")
    body = ",\n  ".join(cols)
    return [f"CREATE TABLE IF NOT EXISTS {prefix}{ent.table} (\n  {body}\n)", *indexes]


class Target(ABC):
    """A destination for migrated records."""

    kind = "target"
    label = "Target"

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """The blueprint as this target holds it: entity -> table, fields and references."""

    @abstractmethod
    def write_batch(self, entity: str, columns: list[str],
                    rows: list[tuple]) -> list[WriteResult]:  # fmt: skip
        """Upsert records on ``source_id``; one result per row, in order. A refused record
        does not stop the others."""

    @abstractmethod
    def lookup(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        """Target ids of the records that carry these source ids (those that exist)."""

    @abstractmethod
    def delete(self, entity: str, ids: list[int | str]) -> int:
        """Delete records by target id (for undo); returns how many were deleted."""

    @abstractmethod
    def count(self, entity: str) -> int:
        """How many records of the entity the target holds."""

    @abstractmethod
    def link_counts(self, entity: str) -> dict[str, int]:
        """Per reference field: records whose link is set."""

    @abstractmethod
    def dangling(self, entity: str) -> dict[str, int]:
        """Per reference field: links that point to no record (must be zero)."""

    def begin_load(self, entities: tuple[str, ...]) -> None:  # noqa: B027
        """A phase is about to write these entities (a target may prepare for bulk writes)."""

    def end_load(self, entities: tuple[str, ...]) -> None:  # noqa: B027
        """The phase stopped or finished writing them (undo what ``begin_load`` did)."""

    def associate(self, links: list[tuple[str, int | str, str, int | str, str]]) -> None:  # noqa: B027
        """Extra links (from_entity, from_id, to_entity, to_id, label); optional."""

    def sqlite_file(self) -> Path | None:
        """A target that is a SQLite file with the sandbox's tables returns its path: the
        runner then loads it with set-based SQL from the ledger (attached), instead of
        through ``write_batch`` row by row. Others return None."""
        return None

    def close(self) -> None:  # noqa: B027
        """Release connections."""

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
