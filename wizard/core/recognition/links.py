"""Links between tables, inferred from the values: a column whose values are (mostly) keys of
another table points to that table's records, whatever its header says.

Keys are a table's record ids, and for people and companies their emails, domains and names
(normalised: case, spacing, accents and legal suffixes). A parent table larger than the sample
is read through once, in chunks, for the values the candidate columns hold, so memory stays
bounded by the samples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.errors import CutoverError
from wizard.core.plan import FieldMap
from wizard.core.recognition.profile import ColumnProfile
from wizard.core.sources import Source
from wizard.core.validate import company_key, person_key

MIN_CONTAINED = 0.8  # share of a column's distinct values that must be keys of the parent
_NAME_MEMO = 200_000  # names whose key is remembered (bounded: memory does not grow with files)


@dataclass
class Key:
    """A unique key of one table: which column, matched how."""

    table: int  # index into the tables given to ``infer``
    column: str
    match_by: str  # source_id, email, domain or name
    entity: str


@dataclass
class Link:
    table: int
    column: str
    key: Key
    contained: float  # share of the column's distinct (sample) values found among the keys
    values: int  # distinct values in the sample
    polymorphic: bool = False  # one of several links the column's values split between


def normalise(value: str, match_by: str, entity: str) -> str:
    v = value.strip()
    if match_by in ("email", "domain"):
        return v.lower()
    if match_by == "name":
        return company_key(v) if entity == "company" else person_key(v)
    return v


def _may_be_person_keys(names: Iterable[str], wanted_letters: pa.Array) -> list[str]:
    """The names whose :func:`person_key` may be among the wanted keys, found in C: a plain
    ASCII name's key is its letters and digits, lower case, with spaces between the words, so
    a name whose letters and digits are no wanted key's cannot be one. Other names (accents,
    a ``__c`` ending the key drops) are kept for the exact look in Python."""
    values = pa.array(names, pa.string())
    letters = pc.replace_substring_regex(pc.ascii_lower(values), r"[^0-9a-z]+", "")
    plain = pc.and_(pc.string_is_ascii(values), pc.invert(pc.ends_with(values, "__c")))
    keep = pc.or_kleene(pc.invert(plain), pc.is_in(letters, value_set=wanted_letters))
    return pc.filter(values, pc.fill_null(keep, False)).to_pylist()


def _parent_values(source: Source, sample_rows: int, sample, keys: list[Key],
                   wanted: set[str]) -> dict[str, set[str]]:  # fmt: skip
    """For each key column, which of the ``wanted`` (normalised) values it holds. Whole
    columns at a time: ids and emails vectorised, names normalised once per distinct value."""
    found: dict[str, set[str]] = {k.column: set() for k in keys}
    wanted_set = pa.array(list(wanted), pa.string())  # for pyarrow's is_in, built once
    # the wanted keys' letters and digits alone, for the person names worked out in C first
    wanted_letters = pa.array(list({w.replace(" ", "") for w in wanted}), pa.string())
    normed: dict[tuple[str, str], str] = {}  # a name's key, worked out once per distinct name

    def scan(frame) -> None:
        for k in keys:
            if k.column not in frame.columns:
                continue
            col = frame[k.column].astype(str).str.strip()
            if k.match_by == "name":
                hits = set()
                names = col.unique()
                if k.entity != "company":  # a company's key also drops words (Inc, Ltd)
                    names = _may_be_person_keys(names, wanted_letters)
                for v in names:
                    if not v:
                        continue
                    n = normed.get((k.entity, v))
                    if n is None:
                        n = normalise(v, "name", k.entity)
                        if len(normed) < _NAME_MEMO:
                            normed[(k.entity, v)] = n
                    if n in wanted:
                        hits.add(n)
            else:
                if k.match_by in ("email", "domain"):
                    col = col.str.lower()
                values = pa.array(col, pa.string(), from_pandas=True)
                hits = set(pc.unique(pc.filter(values, pc.is_in(values, value_set=wanted_set)))
                           .to_pylist())  # fmt: skip
            found[k.column] |= hits

    if len(sample) < sample_rows:  # the sample is the whole table
        scan(sample)
        return found
    try:  # only the key columns are needed (a CSV file reads them in C)
        for frame in source.columns_only([k.column for k in keys]):
            scan(frame)
    except CutoverError:
        scan(sample)
    return found


def infer(tables: list[tuple[Source, object, dict[str, ColumnProfile], object]],
          keys: list[Key], candidates: Iterable[tuple[int, str]],
          sample_rows: int) -> list[Link]:  # fmt: skip
    """The links from candidate columns (table index, column) to the keys of other tables.

    ``tables`` holds (source, sample, profiles, entity) per table. Each candidate is linked to
    the key that holds most of its distinct values (at least ``MIN_CONTAINED``); ids beat
    emails, emails beat names when they tie."""
    candidates = list(candidates)
    wanted: set[str] = set()
    per_candidate: dict[tuple[int, str], dict[str, set[str]]] = {}
    for t, col in candidates:
        prof = tables[t][2][col]
        forms: dict[str, set[str]] = {}
        for key in keys:
            if key.table == t and key.column == col:
                continue
            forms.setdefault(f"{key.match_by}:{key.entity}",
                             {normalise(v, key.match_by, key.entity) for v in prof.values})  # fmt: skip
        per_candidate[(t, col)] = forms
        for s in forms.values():
            wanted |= s
    wanted.discard("")
    held: dict[tuple[int, str], set[str]] = {}
    by_table: dict[int, list[Key]] = {}
    for key in keys:  # only the tables some candidate of another table may point to
        if any(t != key.table or key.entity == "company" for t, _ in candidates):
            by_table.setdefault(key.table, []).append(key)
    for t, ks in by_table.items():
        source, sample, _, _ = tables[t]
        for column, values in _parent_values(source, sample_rows, sample, ks, wanted).items():
            held[(t, column)] = values
    rank = {"source_id": 3, "email": 2, "domain": 1, "name": 0}
    links = []
    for t, col in candidates:
        best: Link | None = None
        for key in keys:
            if key.table == t and (key.column == col or key.entity != "company"):
                continue  # within one table only a company's parent company
            forms = per_candidate[(t, col)][f"{key.match_by}:{key.entity}"] - {""}
            if not forms:
                continue
            contained = len(forms & held.get((key.table, key.column), set())) / len(forms)
            if contained < MIN_CONTAINED:
                continue
            link = Link(t, col, key, round(contained, 3), len(forms))
            if best is None or (contained, rank[key.match_by]) > (best.contained,
                                                                    rank[best.key.match_by]):  # fmt: skip
                best = link
        if best is not None:
            links.append(best)
            continue
        links += _polymorphic(t, col, keys, per_candidate[(t, col)], held)
    return links


def _polymorphic(t: int, col: str, keys: list[Key], forms: dict[str, set[str]],
                 held: dict[tuple[int, str], set[str]]) -> list[Link]:  # fmt: skip
    """A column whose values are keys of two or three tables of different entities (Zoho's
    SEID, Dynamics' regardingobjectid, Salesforce's WhatId): one link to each, each taking the
    values its table holds."""
    parts: list[tuple[Key, set[str]]] = []
    for key in keys:
        if key.table == t or key.match_by != "source_id":
            continue
        values = forms.get(f"{key.match_by}:{key.entity}", set()) - {""}
        hit = values & held.get((key.table, key.column), set())
        if values and len(hit) >= max(2, 0.05 * len(values)):
            parts.append((key, hit))
    by_entity: dict[str, tuple[Key, set[str]]] = {}
    for key, hit in parts:
        if key.entity not in by_entity or len(hit) > len(by_entity[key.entity][1]):
            by_entity[key.entity] = (key, hit)
    if len(by_entity) < 2:
        return []
    values = next(v for k, v in forms.items() if k.startswith("source_id:")) - {""}
    covered = set().union(*(hit for _, hit in by_entity.values()))
    if len(covered) / len(values) < MIN_CONTAINED:
        return []
    return [Link(t, col, key, round(len(hit) / len(values), 3), len(values), polymorphic=True)
            for key, hit in by_entity.values()]  # fmt: skip


def reference_field(child_entity: str, parent_entity: str, match_by: str) -> str | None:
    """The child's reference field that points to ``parent_entity`` and allows ``match_by``
    (a company's parent company when both are companies)."""
    ent = ENTITIES.get(child_entity)
    if ent is None:
        return None
    for f in ent.fields:
        if f.type == FieldType.REFERENCE and f.ref == parent_entity and match_by in f.match_by:
            return f.name
    return None


_KEY_FIELDS = {  # entity -> (field, match_by) that can be a table's unique key
    "owner": (("source_id", "source_id"), ("email", "email"), ("full_name", "name")),
    "company": (("source_id", "source_id"), ("domain", "domain"), ("name", "name")),
    "contact": (("source_id", "source_id"), ("email", "email"), ("full_name", "name")),
    "deal": (("source_id", "source_id"), ("name", "name")),
    "activity": (("source_id", "source_id"),),
}
_LINKABLE = {"integer_id", "uuid", "salesforce_id", "alnum_id", "email", "domain",
             "person_name", "company_name", "text", "category"}  # fmt: skip


def table_keys(t: int, splan, profiles: dict[str, ColumnProfile]) -> list[Key]:
    """The unique keys one planned table offers its children."""
    out = []
    if not splan.entity:
        return out
    for fname, match_by in _KEY_FIELDS[splan.entity]:
        fm = splan.field_map(fname)
        if fm is None or len(fm.columns) != 1 or fm.transforms:
            continue
        prof = profiles.get(fm.columns[0])
        if prof is None or prof.filled < 2:
            continue
        if match_by != "source_id" and prof.distinct < 0.9 * prof.filled:
            continue  # names that repeat are no key
        out.append(Key(t, fm.columns[0], match_by, splan.entity))
    return out


def candidate_columns(t: int, splan, profiles: dict[str, ColumnProfile]) -> list[str]:
    """Columns of a table that may point to another table: not mapped by a preset or the
    admin, not its own key, shaped like ids, emails or names (plain numbers only when the
    header says they are ids: an age is not a customer)."""
    fixed = {c for m in splan.fields if m.origin != "auto" or (
        m.field != "source_id" and not _is_ref(splan.entity, m.field)) for c in m.columns}  # fmt: skip
    own = splan.field_map("source_id")
    out = []
    for col, prof in profiles.items():
        if col in fixed or prof.filled == 0 or prof.shape not in _LINKABLE:
            continue
        if own is not None and own.columns == [col] and prof.unique:
            continue
        if prof.shape in ("text", "category") and prof.distinct < 2:
            continue
        out.append(col)
    return out


def _is_ref(entity: str | None, fname: str) -> bool:
    ent = ENTITIES.get(entity or "")
    return bool(ent and ent.has(fname) and ent.field(fname).type == FieldType.REFERENCE)


def apply_links(splans: list, links: list[Link]) -> list[tuple[int, str]]:
    """Map each inferred link onto its table's reference field (an automatic match by header
    that the values contradict gives way); returns (table, what was done, in words)."""
    said = []
    poly = {(ln.table, ln.column) for ln in links if ln.polymorphic}
    for link in links:
        splan = splans[link.table]
        if not splan.entity:
            continue
        field = reference_field(splan.entity, link.key.entity, link.key.match_by)
        if field is None:
            continue
        current = splan.field_map(field)
        if current is not None and current.columns != [link.column] and (
                current.origin != "auto" or current.confidence >= link.contained):  # fmt: skip
            continue
        shared = (link.table, link.column) in poly
        splan.fields = [m for m in splan.fields if m.field != field and (
            shared or m.columns != [link.column])]  # fmt: skip
        splan.fields.append(FieldMap(field, [link.column], match_by=link.key.match_by,
                                     confidence=link.contained))  # fmt: skip
        splan.custom.pop(link.column, None)
        what = ENTITIES[link.key.entity].label.lower()
        how = link.key.match_by.replace("_", " ")
        text = (f"{link.column} links to {what} by {how} ({link.contained:.0%} of its "
                f"{link.values} values found)")  # fmt: skip
        if shared:
            text = (f"{link.column} links to {what} by {how} where the value is one of theirs "
                    f"({link.contained:.0%} of its {link.values} values)")  # fmt: skip
        said.append((link.table, text))
    return said
