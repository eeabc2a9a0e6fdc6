"""A plan file checked when it is loaded: a hand-edited plan with an unknown entity, field,
transform, encoding or delimiter is refused with the line that is wrong, before anything reads
a file or writes a row (names from a plan also become SQL column names: only known ones pass).
"""

from __future__ import annotations

import codecs
from typing import Any

Path_ = tuple[str | int, ...]

_MATCH = ("source_id", "name", "email", "domain")
_ORDERS = ("MDY", "DMY", "YMD")
_MARKS = (".", ",")
_MAX_HEADER_ROW = 1_000_000


def json_lines(text: str) -> dict[Path_, int]:
    """The line (1-based) where each value of a JSON document starts, by its path
    (``("sources", 0, "fields", 2, "field")``). A tokenizer, not a parser: it trusts that
    ``json.loads`` has accepted the text."""
    lines: dict[Path_, int] = {}
    stack: list[list[Any]] = []  # [kind, key or index, expecting a key]
    line, i, n = 1, 0, len(text)

    def here() -> Path_:
        return tuple(frame[1] for frame in stack if frame[1] is not None)

    def value_starts() -> None:
        if stack:
            lines.setdefault(here(), line)

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            s = text[i + 1 : j]
            if stack and stack[-1][0] == "{" and stack[-1][2]:
                stack[-1][1] = codecs.decode(s, "unicode_escape") if "\\" in s else s
                stack[-1][2] = False
            else:
                value_starts()
            line += s.count("\n")
            i = j
        elif c in "{[":
            value_starts()
            stack.append([c, None if c == "{" else 0, c == "{"])
        elif c in "}]":
            stack.pop()
        elif c == ",":
            if stack[-1][0] == "[":
                stack[-1][1] += 1
            else:
                stack[-1][2] = True
        elif c not in " \t\r:":
            value_starts()
            while i + 1 < n and text[i + 1] not in ",}] \t\r\n":
                i += 1
        i += 1
    return lines


def where(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Check:
    def __init__(self) -> None:
        self.problems: list[tuple[Path_, str]] = []

    def bad(self, path: Path_, message: str) -> None:
        self.problems.append((path, message))

    def kind(self, path: Path_, value: object, kinds: tuple[type, ...], what: str) -> bool:
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            self.bad(path, f"{where(path)} must be {what}, not {value!r:.60}")
        return ok

    def texts(self, path: Path_, value: object) -> bool:
        if not self.kind(path, value, (list,), "a list of texts"):
            return False
        good = True
        for i, item in enumerate(value):  # type: ignore[arg-type]
            good = self.kind((*path, i), item, (str,), "a text") and good
        return good

    def text_map(self, path: Path_, value: object) -> bool:
        if not self.kind(path, value, (dict,), "a set of 'name: text' pairs"):
            return False
        good = True
        for key, item in value.items():  # type: ignore[union-attr]
            good = self.kind((*path, key), item, (str,), "a text") and good
        return good


def check_plan(data: dict[str, Any]) -> list[tuple[Path_, str]]:
    """Every problem of a plan's data, each with the path of the value that is wrong."""
    from wizard.core.blueprint import ENTITIES
    from wizard.core.plan import METHODS, ORPHAN_POLICIES
    from wizard.core.transforms import TRANSFORMS

    c = _Check()
    if data.get("method", "manual") not in METHODS:
        c.bad(("method",), f"method must be one of {', '.join(METHODS)}")
    c.kind(("phone_region",), data.get("phone_region", "US"), (str,), "a country code (US)")
    policies = data.get("orphan_policy", {})
    if c.kind(("orphan_policy",), policies, (dict,), "a set of 'entity.field: policy' pairs"):
        for relation, policy in policies.items():
            if policy not in ORPHAN_POLICIES:
                c.bad(("orphan_policy", relation), f"unknown orphan policy {policy!r:.40} for "
                      f"{relation}: use 'unlinked' or 'reject'")  # fmt: skip
    rule = data.get("active_rule") or {}
    if c.kind(("active_rule",), rule, (dict,), "the active-contact rule"):
        for key in ("open_deal", "via_company"):
            if key in rule:
                c.kind(("active_rule", key), rule[key], (bool,), "true or false")
        if rule.get("recent_days") is not None:
            c.kind(("active_rule", "recent_days"), rule["recent_days"], (int,), "a number of days")
        for key in ("lifecycle", "lead_status"):
            if key in rule:
                c.texts(("active_rule", key), rule[key])
    sources = data.get("sources", [])
    if c.kind(("sources",), sources, (list,), "a list of files"):
        for i, source in enumerate(sources):
            _source(c, ("sources", i), source, ENTITIES, TRANSFORMS)
    extra = data.get("options", {})
    if c.kind(("options",), extra, (dict,), "a set of 'entity.field: [options]' pairs"):
        for key, values in extra.items():
            entity, _, name = str(key).partition(".")
            ent = ENTITIES.get(entity)
            if ent is None or not ent.has(name) or not ent.field(name).options:
                c.bad(("options", key), f"{key!r:.40} is no picklist field (entity.field)")
            c.texts(("options", key), values)
    derived = data.get("derived", [])
    if c.kind(("derived",), derived, (list,), "a list"):
        for i, spec in enumerate(derived):
            _derived(c, ("derived", i), spec, ENTITIES)
    return c.problems


def _source(c: _Check, at: Path_, s: object, entities: dict, transforms: dict) -> None:
    if not c.kind(at, s, (dict,), "a file's plan"):
        return
    assert isinstance(s, dict)
    if not isinstance(s.get("file"), str) or not s.get("file"):
        c.bad((*at, "file"), f"{where((*at, 'file'))} must be the file's path")
    options = s.get("options") or {}
    if c.kind((*at, "options"), options, (dict,), "the read options"):
        enc = options.get("encoding")
        if enc is not None:
            try:
                codecs.lookup(enc)
            except (LookupError, TypeError):
                c.bad((*at, "options", "encoding"), f"unknown text encoding {enc!r:.40}")
        delim = options.get("delimiter")
        if delim is not None and (not isinstance(delim, str) or len(delim) != 1
                                  or delim in "\"\r\n"):  # fmt: skip
            c.bad((*at, "options", "delimiter"), f"the delimiter must be one character (, ; "
                  f"tab |), not {delim!r:.40}")  # fmt: skip
        if options.get("sheet") is not None:
            c.kind((*at, "options", "sheet"), options["sheet"], (str,), "a sheet's name")
        row = options.get("header_row")
        if row is not None and (isinstance(row, bool) or not isinstance(row, int)
                                or not 0 <= row <= _MAX_HEADER_ROW):  # fmt: skip
            c.bad((*at, "options", "header_row"), "header_row must be the row number of the "
                  f"header (0 for a file without one), not {row!r:.40}")  # fmt: skip
    entity = s.get("entity")
    ent = None
    if entity is not None:
        if entity not in entities:
            c.bad((*at, "entity"), f"unknown entity {entity!r:.40}: use one of "
                  f"{', '.join(entities)} (or null: not imported)")  # fmt: skip
        else:
            ent = entities[entity]
    fields = s.get("fields", [])
    if c.kind((*at, "fields"), fields, (list,), "a list of mappings"):
        for j, fm in enumerate(fields):
            _field(c, (*at, "fields", j), fm, ent, transforms)
    for key in ("custom", "date_orders", "decimal_marks"):
        c.text_map((*at, key), s.get(key, {}))
    for column, order in (s.get("date_orders") or {}).items():
        if isinstance(order, str) and order not in _ORDERS:
            c.bad(
                (*at, "date_orders", column),
                f"date order must be MDY, DMY or YMD, not {order!r:.20}",
            )
    for column, mark in (s.get("decimal_marks") or {}).items():
        if isinstance(mark, str) and mark not in _MARKS:
            c.bad(
                (*at, "decimal_marks", column), f"decimal mark must be '.' or ',', not {mark!r:.20}"
            )
    if c.text_map((*at, "constants"), s.get("constants", {})) and ent is not None:
        for name in s.get("constants", {}):
            if not ent.has(name):
                c.bad((*at, "constants", name), f"{ent.label} have no field {name!r:.40}")
    if c.kind((*at, "value_maps"), s.get("value_maps", {}), (dict,), "a set of value maps"):
        for column, mapping in s.get("value_maps", {}).items():
            c.text_map((*at, "value_maps", column), mapping)
    c.texts((*at, "skipped"), s.get("skipped", []))
    c.texts((*at, "notes"), s.get("notes", []))
    c.kind((*at, "note"), s.get("note", ""), (str,), "a text")
    merge = s.get("merge_into")
    if merge is not None and c.kind(
        (*at, "merge_into"), merge, (dict,), "the record to merge into"
    ):
        if not isinstance(merge.get("column"), str):
            c.bad(
                (*at, "merge_into", "column"), "merge_into needs the column that names the record"
            )
        if merge.get("entity") not in entities:
            c.bad((*at, "merge_into", "entity"), f"unknown entity {merge.get('entity')!r:.40}")


def _field(c: _Check, at: Path_, fm: object, ent: Any, transforms: dict) -> None:
    if not c.kind(at, fm, (dict,), "a mapping"):
        return
    assert isinstance(fm, dict)
    allowed = {"field", "columns", "transforms", "match_by", "prefix", "template", "confidence",
               "origin"}  # fmt: skip
    for key in fm:
        if key not in allowed:
            c.bad((*at, key), f"a mapping has no setting {key!r:.40}")
    name = fm.get("field")
    if not isinstance(name, str):
        c.bad((*at, "field"), "each mapping needs the field it fills")
    elif ent is not None and not ent.has(name):
        c.bad((*at, "field"), f"{ent.label} have no field {name!r:.40}")
    if c.texts((*at, "columns"), fm.get("columns")) and not fm.get("columns"):
        c.bad((*at, "columns"), "a mapping needs at least one column")
    if c.texts((*at, "transforms"), fm.get("transforms", [])):
        for k, t in enumerate(fm.get("transforms", [])):
            if t not in transforms:
                c.bad((*at, "transforms", k), f"unknown transform {t!r:.40}: use one of "
                      f"{', '.join(transforms)}")  # fmt: skip
    match = fm.get("match_by")
    if match is not None:
        ref = (
            ent.field(name) if ent is not None and isinstance(name, str) and ent.has(name) else None
        )
        if match not in _MATCH:
            c.bad((*at, "match_by"), f"a link matches by {', '.join(_MATCH)}, not {match!r:.40}")
        elif ref is not None and not ref.ref:
            c.bad((*at, "match_by"), f"{name} is not a link, so it matches nothing")
    if fm.get("prefix") is not None:
        c.kind((*at, "prefix"), fm["prefix"], (str,), "a text")
    if fm.get("template") is not None and c.kind((*at, "template"), fm["template"], (str,),
                                                 "a text"):  # fmt: skip
        from wizard.core.plan import template_columns

        named = template_columns(fm["template"])
        if not named:
            c.bad((*at, "template"), "a template names at least one {Column}")
        elif isinstance(fm.get("columns"), list) and fm["columns"] != named:
            c.bad((*at, "columns"), "the columns of a template are the ones it names, in order")
    if "confidence" in fm:
        c.kind((*at, "confidence"), fm["confidence"], (int, float), "a number")
    if "origin" in fm:
        c.kind((*at, "origin"), fm["origin"], (str,), "a text")


def _derived(c: _Check, at: Path_, spec: object, entities: dict) -> None:
    if not c.kind(at, spec, (dict,), "a parent made from references"):
        return
    assert isinstance(spec, dict)
    ent = spec.get("entity")
    if ent not in entities:
        c.bad((*at, "entity"), f"unknown entity {ent!r:.40}")
    for key in ("file", "field", "match_by"):
        if not isinstance(spec.get(key), str):
            c.bad((*at, key), f"{key} must be a text")
    if spec.get("match_by") not in (None, *_MATCH):
        c.bad((*at, "match_by"), f"a link matches by {', '.join(_MATCH)}")
    name = spec.get("field")
    if isinstance(name, str) and not any(
        e.has(name) and e.field(name).ref == ent for e in entities.values()
    ):
        c.bad((*at, "field"), f"no entity has a link field {name!r:.40} to {ent!r:.40}")
