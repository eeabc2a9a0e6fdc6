"""One table's automatic mapping checked against its values.

A match made from a header alone is dropped when the values contradict it (an age is not a
city, an id column is not a name, a stage column none of whose values is a stage is not the
stage); a first-name match over full names becomes the full name; and a table with no record
id mapped gets the column that is one by its shape and uniqueness, whatever its spelling
(``ACCOUNTID``, ``USER_ID``, ``cliente_id``, ``Contact ID``, ``Id``).
Only automatic matches are touched: a preset's and the admin's decisions stand.
"""

from __future__ import annotations

import re

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.plan import FieldMap, SourcePlan
from wizard.core.recognition.profile import ColumnProfile, has_id_words
from wizard.core.recognition.vocab import option_for
from wizard.core.textnorm import norm, singular

_FREE_TEXT = {"description", "body", "subject", "postal_code", "street"}
_NOT_TEXT = {"number", "money", "integer_id", "uuid", "salesforce_id", "date", "email", "url",
             "boolean"}  # fmt: skip
_NOT_NAME = _NOT_TEXT | {"alnum_id", "phone", "domain"}
_DATEISH = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def contradicted(fm: FieldMap, entity: str, prof: ColumnProfile, splan: SourcePlan) -> str:
    """Why the values say the column is not this field ('' when they agree)."""
    f = ENTITIES[entity].field(fm.field)
    shape, values = prof.shape, prof.values
    if shape == "empty":
        return ""
    if f.name == "source_id":
        if prof.filled and prof.distinct < prof.filled * 0.5:
            return "its values repeat, so it is not a record id"
        return ""
    if f.type == FieldType.TEXT and f.name not in _FREE_TEXT:
        names = f.name in ("name", "first_name", "last_name", "full_name")
        if shape in (_NOT_NAME if names else _NOT_TEXT):
            return f"its values are {_WORDS.get(shape, shape)}, not a {f.label.lower()}"
        return ""
    if f.type == FieldType.EMAIL:
        if _share(values, lambda v: "@" in v) < 0.5:
            return "its values are not email addresses"
    elif f.type == FieldType.PHONE:
        if shape in ("date", "email", "url", "person_name", "boolean", "company_name"):
            return f"its values are {_WORDS.get(shape, shape)}, not phone numbers"
    elif f.type in (FieldType.URL, FieldType.DOMAIN):
        if shape in ("number", "money", "integer_id", "date", "person_name", "boolean"):
            return f"its values are {_WORDS.get(shape, shape)}, not web addresses"
    elif f.type in (FieldType.NUMBER, FieldType.MONEY):
        if _share(values, lambda v: any(c.isdigit() for c in v)) < 0.5:
            return "its values are not numbers"
        if shape == "date":
            return "its values are dates, not numbers"
    elif f.type in (FieldType.DATE, FieldType.DATETIME):
        # dates as text, or Excel serial numbers (45123)
        if (
            shape != "date"
            and _share(values, lambda v: bool(_DATEISH.search(v)) or (v.isdigit() and len(v) <= 5))
            < 0.5
        ):
            return "its values are not dates"
    elif f.type == FieldType.BOOLEAN:
        if shape != "boolean" and prof.distinct > 3:
            return "its values are not yes/no values"
    elif f.type == FieldType.PICKLIST:
        vmap = splan.value_maps.get(f.name, {})
        if not any(vmap.get(v) or option_for(v, f.name, f.options)[0] for v in values[:200]):
            return f"none of its values is a {f.label.lower()} option"
    return ""


_WORDS = {"integer_id": "record ids", "uuid": "record ids", "salesforce_id": "record ids",
          "alnum_id": "codes", "number": "numbers", "money": "amounts", "date": "dates",
          "email": "email addresses", "url": "web addresses", "boolean": "yes/no values",
          "phone": "phone numbers", "domain": "domains", "person_name": "people's names",
          "company_name": "company names"}  # fmt: skip


def refine(splan: SourcePlan, profiles: dict[str, ColumnProfile], table: str) -> list[str]:
    """Check the automatic matches of ``splan`` against the values; returns what it changed,
    in plain words (for the plan's notes)."""
    if not splan.entity:
        return []
    ent = ENTITIES[splan.entity]
    said: list[str] = []
    keep: list[FieldMap] = []
    for fm in splan.fields:
        prof = profiles.get(fm.columns[0]) if len(fm.columns) == 1 else None
        if fm.origin != "auto" or prof is None or ent.field(fm.field).type == FieldType.REFERENCE:
            keep.append(fm)
            continue
        why = contradicted(fm, ent.name, prof, splan)
        if why:
            said.append(f"{fm.columns[0]} is not {ent.field(fm.field).label.lower()}: {why}; "
                        "kept as a custom field")  # fmt: skip
            splan.value_maps.pop(fm.field, None)
            continue
        keep.append(fm)
    splan.fields = keep
    taken = {m.field for m in splan.fields}
    # 'nome' (first name in Portuguese) over 'Ana Luiza Carvalho': the full name
    first = splan.field_map("first_name")
    if (first and first.origin == "auto" and ent.has("full_name") and "full_name" not in taken
            and "last_name" not in taken):  # fmt: skip
        prof = profiles.get(first.columns[0])
        if prof and prof.shape == "person_name":
            first.field = "full_name"
            said.append(f"{first.columns[0]} holds full names: mapped to full name")
    said += _fill_by_shape(splan, profiles)
    taken = {m.field for m in splan.fields}
    if "source_id" not in taken:
        col = record_id_column(splan, profiles, table)
        if col:
            splan.fields.insert(0, FieldMap("source_id", [col], confidence=0.9))
            said.append(f"{col} is the record id (unique values shaped like ids)")
    return said


_NAMED = {"name", "nome", "nombre", "nom", "naam", "title", "account", "company", "organization",
          "organisation", "firma", "empresa", "agent", "rep", "user", "owner"}  # fmt: skip


def _fill_by_shape(splan: SourcePlan, profiles: dict[str, ColumnProfile]) -> list[str]:
    """Key fields no header named, found by their values: an email column, people's names, a
    company's name, a web address."""
    ent = ENTITIES[splan.entity or ""]
    said = []

    def free() -> list[tuple[str, ColumnProfile]]:
        used = splan.mapped_columns()
        return [(c, p) for c, p in profiles.items() if c not in used and p.filled]

    def take(fname: str, col: str, why: str) -> None:
        splan.fields.append(FieldMap(fname, [col], confidence=0.8))
        said.append(f"{col} is the {ent.field(fname).label.lower()} ({why})")

    taken = {m.field for m in splan.fields}
    if ent.name in ("contact", "owner") and "email" not in taken:
        mails = [c for c, p in free() if p.shape == "email"]
        if mails:
            take("email", mails[0], "its values are email addresses")
    names = {"first_name", "last_name", "full_name"}
    if ent.name in ("contact", "owner") and not names & taken:
        people = [c for c, p in free() if p.shape == "person_name"]
        if people:
            take("full_name", people[0], "its values are people's names")
    if ent.name == "company" and "name" not in taken:
        options = [(c, p) for c, p in free() if p.shape in ("text", "company_name", "category",
                   "person_name") and p.distinct >= 0.9 * p.filled and p.distinct >= 2]  # fmt: skip
        options.sort(
            key=lambda cp: (not set(norm(cp[0]).split()) & _NAMED, cp[1].shape != "company_name")
        )
        if options:
            take("name", options[0][0], "one different name on every row")
    if ent.name == "company" and not {"website", "domain"} & taken:
        webs = [(c, p) for c, p in free() if p.shape in ("url", "domain")]
        if webs:
            col, prof = webs[0]
            take(
                "website" if prof.shape == "url" else "domain", col, "its values are web addresses"
            )
    return said


def record_id_column(splan: SourcePlan, profiles: dict[str, ColumnProfile],
                     table: str) -> str | None:  # fmt: skip
    """The column that holds this table's record ids, judged by shape and uniqueness: among
    unmapped columns of unique id-shaped values, the one whose header names the table's entity
    (or the table) beside 'id', else the first column when it is one."""
    used = splan.mapped_columns()
    ent = ENTITIES[splan.entity or ""]
    stem = {singular(w) for w in norm(table.rsplit(".", 1)[0]).split()}
    words = {singular(norm(w)) for w in (ent.name, *ent.synonyms)}
    options = [c for c, p in profiles.items() if c not in used and p.unique and p.is_id
               and p.fill >= 0.95]  # fmt: skip
    if not options:
        return None

    def score(col: str) -> tuple[int, int]:
        header = {singular(w) for w in norm(col).split()}
        named = bool(header & (stem | words)) or norm(col) in ("id", "record id", "uid")
        return (2 if named and has_id_words(col) else 1 if has_id_words(col) else 0,
                -list(profiles).index(col))  # fmt: skip

    best = max(options, key=score)
    first = next(iter(profiles))
    if score(best)[0] == 0 and best != first:
        return None
    if score(best)[0] < 2 and best != first and sum(score(c)[0] for c in options) > score(best)[0]:
        return None  # several id columns, none named for this table: a guess too far
    return best
