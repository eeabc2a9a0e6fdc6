"""Drag and drop for the field mapping, in the models (not the views), with our own MIME type.

:class:`SourceColumnsModel` lists one source's columns (with sample values) and gives each as a
drag payload; :class:`FieldMappingModel` lists the entity's fields and accepts a column dropped
on a field. Both edit the core ``SourcePlan`` through ``mapping.remap``, so the wizard, the CLI
and the tests share one rule. ``assign`` is the keyboard alternative to a drag.
"""

from __future__ import annotations

import json

import pandas as pd
from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.mapping import remap
from wizard.core.plan import FieldMap, SourcePlan, template_columns
from wizard.core.transforms import TRANSFORM_LABELS

MIME = "application/x-cutover-wizard-column"
Index = QModelIndex | QPersistentModelIndex


def column_payload(splan: SourcePlan, column: str) -> QMimeData:
    data = QMimeData()
    payload = {"file": splan.file, "sheet": splan.options.sheet, "column": column}
    data.setData(MIME, json.dumps(payload).encode("utf-8"))
    data.setText(column)
    return data


def read_payload(data: QMimeData) -> dict[str, str] | None:
    if not data.hasFormat(MIME):
        return None
    try:
        payload = json.loads(bytes(data.data(MIME).data()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) and "column" in payload else None


class SourceColumnsModel(QAbstractListModel):
    """The columns of one source, each draggable onto a field."""

    def __init__(self, splan: SourcePlan, columns: list[str],
                 sample: pd.DataFrame | None = None, parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.splan, self.columns = splan, list(columns)
        self.samples = {}
        if sample is not None:
            for c in self.columns:
                if c in sample.columns:
                    values = [v for v in sample[c].tolist() if str(v).strip()][:3]
                    self.samples[c] = ", ".join(str(v) for v in values)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.columns):
            return None
        column = self.columns[index.row()]
        ent = ENTITIES.get(self.splan.entity or "")
        mapped = [ent.field(m.field).label if ent and ent.has(m.field) else m.field
                  for m in self.splan.fields if column in m.columns]  # fmt: skip
        if role == Qt.ItemDataRole.DisplayRole:
            return column + (f"  → {', '.join(mapped)}" if mapped else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"e.g. {self.samples[column]}" if self.samples.get(column) else column
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled)  # fmt: skip

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        rows = [i.row() for i in indexes if i.isValid()]
        return column_payload(self.splan, self.columns[rows[0]]) if rows else QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def refresh(self) -> None:
        if self.columns:
            self.dataChanged.emit(self.index(0), self.index(len(self.columns) - 1))


class FieldMappingModel(QAbstractTableModel):
    """The entity's fields: which column fills each, how sure the suggestion is, who decided.
    A column dropped on a field maps it there."""

    HEADERS = ("Field", "From column", "Confidence", "Decided by", "Transforms")
    changed = Signal()

    def __init__(self, splan: SourcePlan, parent=None, plan=None) -> None:
        super().__init__(parent)
        self.splan = splan
        self.plan = plan  # the whole plan: picklist options added hold for every file
        ent = ENTITIES[splan.entity or ""]
        self.fields = [f for f in ent.fields]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.fields)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:  # fmt: skip
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):  # fmt: skip
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.fields):
            return None
        f = self.fields[index.row()]
        fm = self.splan.field_map(f.name)
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return f.label + (" *" if f.required else "")
            if index.column() == 1:
                if fm is None and f.name in self.splan.constants:
                    return f"every row: {self.splan.constants[f.name]}"
                if fm is not None and fm.template:
                    return f"made: {fm.template}"
                return " + ".join(fm.columns) if fm else ""
            if index.column() == 2:
                return f"{fm.confidence:.0%}" if fm and fm.origin == "auto" else ""
            if index.column() == 3:
                if fm is None:
                    return "you" if f.name in self.splan.constants else ""
                return {"auto": "suggested", "admin": "you", "preset": "the CRM's export"}.get(
                    fm.origin, fm.origin)  # fmt: skip
            if index.column() == 4:
                return ", ".join(TRANSFORM_LABELS.get(t, t) for t in fm.transforms) if fm else ""
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            needs = "Required. " if f.required else ""
            kind = "a link to another record" if f.type == FieldType.REFERENCE else str(f.type)
            return f"{needs}{f.label}: {kind}. Drop a column here, or select both and press Map."
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDropEnabled)  # fmt: skip

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: Index) -> bool:  # fmt: skip
        payload = read_payload(data)
        return (payload is not None and payload.get("file") == self.splan.file
                and (parent.isValid() or 0 <= row < len(self.fields)))  # fmt: skip

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: Index) -> bool:  # fmt: skip
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        payload = read_payload(data)
        target = parent.row() if parent.isValid() else row
        return self.assign(target, payload["column"])  # type: ignore[index]

    # -- the same without a mouse ----------------------------------------------------------
    def assign(self, row: int, column: str, add: bool = False) -> bool:
        """Map ``column`` to the field on ``row`` (the keyboard alternative to a drag). With
        ``add``, the column joins the field's columns (their values joined with a space, a
        street with ', '): not for a link, nor a field no column fills yet."""
        if not 0 <= row < len(self.fields):
            return False
        f = self.fields[row]
        if add:
            fm = self.splan.field_map(f.name)
            if fm is None or f.type == FieldType.REFERENCE or column in fm.columns:
                return False
            remap(self.splan, f.name, [*fm.columns, column], transforms=list(fm.transforms))
            self._changed(row)
            return True
        remap(self.splan, f.name, [column])
        self._changed(row)
        return True

    def unmap(self, row: int) -> None:
        if 0 <= row < len(self.fields):
            remap(self.splan, self.fields[row].name, [])
            self._changed(row)

    def accept(self, row: int) -> None:
        """Accept a suggestion: it becomes the admin's own decision."""
        fm = self.splan.field_map(self.fields[row].name) if 0 <= row < len(self.fields) else None
        if fm is not None and fm.origin == "auto":
            fm.origin, fm.confidence = "admin", 1.0
            self._changed(row)

    def accept_all(self) -> int:
        """Accept every suggestion at once; returns how many there were."""
        rows = [i for i, f in enumerate(self.fields)
                if (fm := self.splan.field_map(f.name)) is not None and fm.origin == "auto"]  # fmt: skip
        for i in rows:
            fm = self.splan.field_map(self.fields[i].name)
            fm.origin, fm.confidence = "admin", 1.0  # type: ignore[union-attr]
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.fields) - 1, 4))
            self.changed.emit()
        return len(rows)

    def set_transforms(self, row: int, names: list[str]) -> bool:
        """The transforms applied, in order, to the field on ``row`` (it must be mapped)."""
        fm = self.splan.field_map(self.fields[row].name) if 0 <= row < len(self.fields) else None
        if fm is None or fm.transforms == names:
            return False
        fm.transforms, fm.origin = list(names), "admin"
        self._changed(row)
        return True

    def set_format(self, row: int, kind: str, value: str) -> bool:
        """A date order (MDY, DMY, YMD) or a decimal mark ('.' or ',') for the field's column,
        or how a link finds its record (``match_by``: source_id, name, email or domain)."""
        fm = self.splan.field_map(self.fields[row].name) if 0 <= row < len(self.fields) else None
        if fm is None:
            return False
        if kind == "match_by":
            if (fm.match_by or "source_id") == value or value not in self.fields[row].match_by:
                return False
            fm.match_by, fm.origin = value, "admin"
            self._changed(row)
            return True
        table = self.splan.date_orders if kind == "date_order" else self.splan.decimal_marks
        if table.get(fm.columns[0]) == value:
            return False
        table[fm.columns[0]] = value
        self._changed(row)
        return True

    def set_value(self, row: int, source_value: str, option: str) -> bool:
        """A picklist's value map: ``source_value`` becomes ``option`` ('' = no option: the
        value loads as written, flagged)."""
        if not 0 <= row < len(self.fields):
            return False
        vmap = self.splan.value_maps.setdefault(self.fields[row].name, {})
        if vmap.get(source_value, "") == option:
            return False
        if option:
            vmap[source_value] = option
        else:
            vmap.pop(source_value, None)
        self._changed(row)
        return True

    def options(self, row: int) -> tuple[str, ...]:
        f = self.fields[row]
        return self.plan.options_of(self.splan.entity, f) if self.plan is not None else f.options

    def add_option(self, row: int, value: str) -> bool:
        """A value of the file becomes a new option of the picklist (the admin creates it in
        the new CRM too); every file's check then accepts it."""
        value = value.strip()
        if self.plan is None or not 0 <= row < len(self.fields) or not value:
            return False
        f = self.fields[row]
        if f.type != FieldType.PICKLIST or value in self.options(row):
            return False
        self.plan.options.setdefault(f"{self.splan.entity}.{f.name}", []).append(value)
        self.splan.value_maps.get(f.name, {}).pop(value, None)
        self._changed(row)
        return True

    def set_constant(self, row: int, value: str) -> bool:
        """One value for every row of a field no column fills (a missing owner email, the
        pipeline a file's deals belong to); '' takes it away. Not for a mapped field or a link."""
        if not 0 <= row < len(self.fields):
            return False
        f = self.fields[row]
        if f.type == FieldType.REFERENCE or self.splan.field_map(f.name) is not None:
            return False
        value = value.strip()
        if self.splan.constants.get(f.name, "") == value:
            return False
        if value:
            self.splan.constants[f.name] = value
        else:
            self.splan.constants.pop(f.name, None)
        self._changed(row)
        return True

    def set_template(self, row: int, template: str, columns: list[str]) -> str | None:
        """The field made from the row: a text with {Column} places ('{First Name}.{Last
        Name}@acme.com'); '' takes it away. Returns None when done, else why not (a column
        the file does not have, no column named, a link)."""
        if not 0 <= row < len(self.fields):
            return "Select a field first."
        f = self.fields[row]
        if f.type == FieldType.REFERENCE:
            return "A link is matched by a column of its own: map that column."
        template = template.strip()
        fm = self.splan.field_map(f.name)
        if not template:
            if fm is None or not fm.template:
                return None
            self.splan.fields.remove(fm)
            self._changed(row)
            return None
        named = template_columns(template)
        if not named:
            return "Name at least one column in braces, like {First Name}."
        unknown = [c for c in named if c not in columns]
        if unknown:
            return f"Your file has no column {', '.join(repr(c) for c in unknown)}."
        if fm is not None and fm.template == template:
            return None
        if fm is not None:
            self.splan.fields.remove(fm)
        self.splan.constants.pop(f.name, None)
        self.splan.fields.append(FieldMap(f.name, named, template=template, origin="admin"))
        self._changed(row)
        return None

    def missing_required(self) -> list[str]:
        return [f.label for f in self.fields
                if f.required and f.type != FieldType.REFERENCE
                and not self.splan.field_map(f.name) and f.name not in self.splan.constants]  # fmt: skip

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
        self.changed.emit()
