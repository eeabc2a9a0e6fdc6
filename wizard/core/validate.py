"""Validation of every row (not a sample), before anything is written.

Each chunk is mapped through the plan (transforms, typed parsing, value maps) and checked; the
staging writes it to the ledger, where duplicates within and across files and orphans
(references to nothing in the sources) are found over the whole set (:mod:`crosscheck`), so
memory does not grow with the input. Every finding names the file, row, column, value, the
rule, a plain message and a suggested fix.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd

from wizard.core import rx
from wizard.core.blueprint import ENTITIES, Entity, Field, FieldType
from wizard.core.plan import TEMPLATE_PLACE, FieldMap, Plan, SourcePlan
from wizard.core.presets.salesforce import id18
from wizard.core.recognition.vocab import activity_type_from_name, option_for
from wizard.core.textnorm import norm
from wizard.core.transforms import (
    SCALES,
    apply_transforms,
    check_domains,
    check_emails,
    check_phones,
    check_urls,
    join_columns,
    parse_booleans,
    parse_dates,
    parse_numbers,
)

# '=' and one more character, or + - @ before a letter or '(' ('-5' and '+44 20...' are not)
_FORMULA = re.compile(r"^\s*(?:=.|[+\-@]\s*[A-Za-z(])")
# what every value _FORMULA matches starts with, in RE2 (pyarrow) terms: any of Python's spaces
_FORMULA_START = r"^[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]*[=+@-]"
_LEGAL = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|plc|corp|corporation|co|company|gmbh|ag|sa|sas|"
    r"sarl|bv|nv|srl|spa|oy|ab|as|kg|pty|the)\b"
)
RULE_TITLES = {
    "unreadable_row": "Rows that could not be split into columns",
    "required": "Required values missing",
    "email": "Email addresses that are not valid",
    "phone": "Phone numbers that could not be read",
    "url": "Web addresses that are not valid",
    "domain": "Domains that are not valid",
    "number": "Numbers that could not be read",
    "date": "Dates that could not be read",
    "date_order": "Dates whose day and month order is a guess",
    "two_digit_year": "Dates written with two-digit years",
    "excel_serial": "Dates stored as Excel serial numbers",
    "picklist": "Values that are not one of the allowed options",
    "boolean": "Yes/no values that could not be read",
    "formula": "Values that look like spreadsheet formulas",
    "duplicate": "Duplicate records",
    "orphan": "Links to records that are not in your files",
    "merged": "Records that will be merged into another",
    "derived": "Required values made from the rest of the record",
    "to_invite": "Owners without an email (kept by name, to invite)",
    "possible_duplicate": "Possible duplicates (kept apart: their record ids differ)",
}


@dataclass
class Finding:
    file: str
    row: int | None
    column: str | None
    value: str
    rule: str
    severity: str  # error (the row cannot load as is), warning, info
    message: str
    fix: str
    entity: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class FileSummary:
    label: str
    entity: str | None
    rows_read: int = 0
    rows_with_errors: int = 0
    set_aside: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)


class Findings:
    """Collects findings: exact counts always; the first ``keep`` examples of each rule per file
    in memory (all of them with ``keep=None``)."""

    def __init__(self, keep: int | None = 1000) -> None:
        self.keep = keep
        self.items: list[Finding] = []
        self._kept: Counter[tuple[str, str]] = Counter()
        self.counts: Counter[tuple[str, str, str]] = Counter()  # (file, rule, severity)

    def add(self, f: Finding) -> None:
        self.counts[(f.file, f.rule, f.severity)] += 1
        key = (f.file, f.rule)
        if self.keep is None or self._kept[key] < self.keep:
            self._kept[key] += 1
            self.items.append(f)

    def kept(self, file: str, rule: str) -> bool:
        """Whether the next finding of ``rule`` in ``file`` is kept as an example."""
        return self.keep is None or self._kept[(file, rule)] < self.keep

    def merge(self, other: Findings) -> None:
        """Another collector's findings (one file's), added to these."""
        self.items.extend(other.items)
        self.counts.update(other.counts)
        self._kept.update(other._kept)

    def restore(self, items: list[Finding], counts: dict[tuple[str, str, str], int]) -> None:
        """Findings kept from an earlier check (the ledger's), as they were: exact counts and
        the examples that were kept."""
        self.counts.update(counts)
        for f in items:
            self.items.append(f)
            self._kept[(f.file, f.rule)] += 1

    def by_rule(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = defaultdict(list)
        for f in self.items:
            groups[f.rule].append(f)
        return groups


def company_key(name: str) -> str:
    """'Acme, Inc.' and 'ACME Inc' -> 'acme'."""
    return " ".join(_LEGAL.sub(" ", norm(name)).split())


def person_key(name: str) -> str:
    return " ".join(norm(name).split())


@dataclass
class Validation:
    """The outcome of validating a whole plan."""

    findings: Findings
    files: dict[str, FileSummary]
    orphans: Counter[str] = field(default_factory=Counter)  # "contact.company" -> rows
    links: Counter[str] = field(default_factory=Counter)  # "contact.company" -> matched rows
    duplicates: Counter[str] = field(default_factory=Counter)  # "contact.email" -> rows

    def count(self, severity: str) -> int:
        return sum(n for (_, _, s), n in self.findings.counts.items() if s == severity)


def wants_name_keys(plan: Plan, entity: str) -> bool:
    """Whether some file links to this entity's records by name: only then are name keys made
    (they cost a Python call per row)."""
    return any(
        fm.match_by == "name" and ENTITIES[s.entity].has(fm.field)
        and ENTITIES[s.entity].field(fm.field).ref == entity
        for s in plan.sources if s.entity for fm in s.fields
    )  # fmt: skip


def _key(value: pd.Series, kind: str, salesforce: bool) -> pd.Series:
    v = value.str.strip()
    if kind == "source_id":
        return v.map(id18) if salesforce else v
    if kind in ("email", "domain"):
        return v.str.lower()
    return v


def _name_key(entity: str, value: pd.Series) -> pd.Series:
    return value.map(company_key if entity == "company" else person_key)


@dataclass
class Mapped:
    """One chunk mapped through the plan: what a row would become, and why it cannot."""

    index: pd.Index
    values: dict[str, pd.Series]  # field -> clean text ('' when empty or invalid)
    refs: dict[str, tuple[pd.Series, str, pd.Series, str]]  # field -> (key, match_by, raw, col)
    errors: pd.Series  # True where the row cannot load as it is
    reasons: pd.Series  # the first error of each row, in plain words ('' when none)
    notes: pd.Series  # what was changed to load the row (a value left out), '' when nothing
    keys: dict[str, pd.Series]  # source_id, email, domain, name keys
    merge_to: pd.Series | None  # converted-into record (leads), normalised
    kept: dict[str, pd.Series] = field(default_factory=dict)  # field -> value as written


class Checker:
    def __init__(self, plan: Plan, splan: SourcePlan, label: str, findings: Findings) -> None:
        self.plan, self.splan, self.label = plan, splan, label
        self.ent: Entity = ENTITIES[splan.entity or ""]
        self.findings = findings
        self.salesforce = splan.preset == "salesforce"
        self.name_keys = wants_name_keys(plan, self.ent.name)
        self.column_notes: set[tuple[str, str]] = set()

    def note(self, rule: str, column: str, message: str, fix: str, severity: str = "warning",
             fname: str | None = None) -> None:  # fmt: skip
        if (rule, column) in self.column_notes:
            return
        self.column_notes.add((rule, column))
        self.findings.add(Finding(self.label, None, column, "", rule, severity, message, fix,
                                  self.ent.name, fname))  # fmt: skip

    def flag(self, bad: pd.Series, raw: pd.Series, column: str, f: Field, rule: str,
             message: Callable[[int, str], str], fix: str, notes: pd.Series,
             kept_in: str) -> None:  # fmt: skip
        """A finding on each bad value; the record still loads, the value kept as written
        (``kept_in`` says where: the field itself or a custom field beside it)."""
        if not bad.any():
            return
        for row, value in raw[bad].items():
            text = message(int(row), value)
            self.findings.add(Finding(self.label, int(row), column, value, rule, "warning",
                                      text, fix, self.ent.name, f.name))  # fmt: skip
            what = "is not one of the options" if rule == "picklist" else "could not be read"
            note = f"{f.label} '{value[:80]}' {what}; kept as written{kept_in}."
            notes.at[row] = f"{notes.at[row]} {note}".strip()

    def field_values(self, frame: pd.DataFrame, fm: FieldMap) -> tuple[pd.Series, str]:
        cols = [c for c in fm.columns if c in frame.columns]
        if fm.template:
            return apply_transforms(_fill_template(frame, fm.template), fm.transforms), (
                cols[0] if cols else ", ".join(fm.columns)
            )
        if not cols:
            return pd.Series("", index=frame.index, dtype=object), ", ".join(fm.columns)
        if len(cols) == 1:
            raw = frame[cols[0]]
        else:
            raw = join_columns(frame, cols, ", " if fm.field == "street" else " ")
        return apply_transforms(raw.str.strip(), fm.transforms), cols[0]

    def check(self, frame: pd.DataFrame) -> Mapped:
        """Map and check one chunk; findings are collected, the result is returned."""
        ent, splan, where = self.ent, self.splan, self.label
        errors = pd.Series(False, index=frame.index)
        reasons = pd.Series("", index=frame.index, dtype=object)
        notes = pd.Series("", index=frame.index, dtype=object)
        values: dict[str, pd.Series] = {}
        kept: dict[str, pd.Series] = {}  # field -> values as written that the field cannot hold
        invalid: dict[str, pd.Series] = {}  # field -> rows whose value was flagged as invalid
        refs: dict[str, tuple[pd.Series, str, pd.Series, str]] = {}
        merge_to = None
        if splan.merge_into and splan.merge_into["column"] in frame.columns:
            merge_to = _key(frame[splan.merge_into["column"]], "source_id", self.salesforce)
        for fm in splan.fields:
            if not ent.has(fm.field):
                continue
            f = ent.field(fm.field)
            raw, col = self.field_values(frame, fm)
            filled = raw != ""
            if f.type == FieldType.REFERENCE:
                if not filled.any():
                    continue
                use = filled & (raw.str.startswith(fm.prefix) if fm.prefix else True)
                match_by = fm.match_by or "source_id"
                key = raw[use]
                many = key.str.contains(";", regex=False) if match_by != "name" else None
                if many is not None and many.any():
                    # 'Associated Company IDs' = '123;456': the first is the link, the whole
                    # cell stays as written beside it
                    kept[f.name] = raw.where(raw.index.isin(key[many].index), "")
                    key = key.where(~many, key.str.split(";").str[0].str.strip())
                key = (_name_key(f.ref or "", key) if match_by == "name"
                       else _key(key, match_by, self.salesforce))  # fmt: skip
                refs[f.name] = (key, match_by, raw[use], col)
                continue
            out, bad, rule = raw, None, f.type.value
            if f.type == FieldType.EMAIL:
                out, bad = check_emails(raw)
            elif f.type == FieldType.PHONE:
                out, bad = check_phones(raw, self.plan.phone_region)
            elif f.type == FieldType.URL:
                out, bad = check_urls(raw)
            elif f.type == FieldType.DOMAIN:
                out, bad = check_domains(raw)
            elif f.type in (FieldType.NUMBER, FieldType.MONEY):
                scale = next((SCALES[t] for t in fm.transforms if t in SCALES), None)
                out, bad = parse_numbers(raw, splan.decimal_marks.get(col, "."), scale)
                rule = "number"
            elif f.type in (FieldType.DATE, FieldType.DATETIME):
                order = splan.date_orders.get(col, "MDY")
                out, bad, serials = parse_dates(raw, order, f.type == FieldType.DATETIME)
                rule = "date"
                self._date_notes(col, f, order, raw, serials)
            elif f.type == FieldType.BOOLEAN:
                out, bad = parse_booleans(raw)
            elif f.type == FieldType.PICKLIST:
                out, bad = self._picklist(raw, f)
            else:
                self.formulas(raw, col, f)
            if bad is None or not bad.any():
                values[f.name] = out
                continue
            invalid[f.name] = bad
            if f.type in IN_FIELD:  # text underneath: the value stays in its field
                values[f.name] = out.where(~bad, raw)
                where_kept = ""
            else:  # a typed or key field cannot hold it: a custom field beside it does
                values[f.name] = out.where(~bad, "")
                kept[f.name] = raw.where(bad, "")
                where_kept = f" in the custom field {as_written(f.name)}"
            self.flag(bad, raw, col, f, rule, _MESSAGES[rule](where, f, col, where_kept),
                      _FIXES[rule], notes, where_kept)  # fmt: skip
        if ent.name == "company" and "domain" not in values and "website" in values:
            # like the big CRMs: a company's domain comes from its website when not given
            domain, bad = check_domains(values["website"])
            values["domain"] = domain.where(~bad, "")
        for name, constant in splan.constants.items():
            if ent.has(name):
                values[name] = pd.Series(constant, index=frame.index, dtype=object)
        identity = self._identity(values, refs, frame, kept)
        missing = ~identity
        if missing.any():
            wanted = _IDENTITY_WORDS[ent.name]
            for row in missing[missing].index:
                text = (f"Row {row} of {where} has no {wanted}, so the record could not be "
                        "told apart from others.")  # fmt: skip
                self.findings.add(Finding(
                    where, int(row), None, "", "required", "error", text,
                    "Fill in at least one of them in the file, or map the column that holds "
                    "it.", ent.name, None))  # fmt: skip
                reasons.at[row] = text
            errors |= missing
        for f in ent.fields:
            if not f.required or f.type == FieldType.REFERENCE:
                continue
            empty = values.get(f.name, pd.Series("", index=frame.index, dtype=object)) == ""
            empty &= identity
            if f.name in invalid and f.type in IN_FIELD:
                empty &= ~invalid[f.name]
            if empty.any() and not (splan.merge_into and splan.merge_into.get("required")):
                # (rows that only tie records together take the record's own values)
                self._derive(f, empty, values, refs, frame, notes)
        return Mapped(
            frame.index,
            values,
            refs,
            errors,
            reasons,
            notes,
            self._keys(values),
            merge_to,
            kept,
        )

    def _identity(self, values: dict[str, pd.Series],
                  refs: dict[str, tuple[pd.Series, str, pd.Series, str]],
                  frame: pd.DataFrame, kept: dict[str, pd.Series]) -> pd.Series:  # fmt: skip
        """Rows that name the record somehow (an id, a name, an email, a domain): only a row
        with none of these cannot exist. A deal or an activity is a fact: any value will do."""
        index = frame.index
        if self.ent.name in ("deal", "activity"):
            return frame.ne("").any(axis=1)
        present = pd.Series(False, index=index)
        for name in _IDENTITY[self.ent.name]:
            if name in values:
                present |= values[name] != ""
            if name in refs:
                present |= refs[name][2].reindex(index, fill_value="") != ""
        for name in ("email", "domain", "website"):  # written, though not readable
            if name in _IDENTITY[self.ent.name] and name in kept:
                present |= kept[name] != ""
        return present

    def _derive(self, f: Field, empty: pd.Series, values: dict[str, pd.Series],
                refs: dict[str, tuple[pd.Series, str, pd.Series, str]], frame: pd.DataFrame,
                notes: pd.Series) -> None:  # fmt: skip
        """A required value the row lacks: made from what the row has, with a note; an owner
        without an email is kept by name and flagged to invite."""
        ent, where, idx = self.ent, self.label, frame.index
        blank = pd.Series("", index=idx, dtype=object)

        def get(name: str) -> pd.Series:
            if name in values:
                return values[name]
            if name in refs:
                return refs[name][2].reindex(idx, fill_value="")
            return blank

        sid = get("source_id")
        if ent.name == "owner":
            made, how = blank, ""
            text = ("has no email; it is kept by name and flagged to invite (the new CRM needs "
                    "an email to give the person a login)")  # fmt: skip
        elif ent.name == "company":
            made = get("domain").where(get("domain") != "", get("website"))
            made = made.where(made != "", ("Company " + sid).where(sid != "", ""))
            how = "from its domain or website, else its record id"
        elif ent.name == "deal":
            parent = get("company").where(get("company") != "", get("contact"))
            detail = get("stage").where(get("stage") != "", get("close_date"))
            named = (parent + " - " + detail).where(detail != "", parent).where(parent != "", "")
            made = named.where(named != "", ("Deal " + sid).where(sid != "", ""))
            how = "from its company or contact and its stage or close date, else its record id"
        else:  # activity type
            kind = activity_type_from_name(where)
            how = (f"from the file's name ('{where}')" if kind
                   else "as a note, since the file does not say what kind it is")  # fmt: skip
            made = pd.Series(kind or "Note", index=idx, dtype=object)
        if ent.name != "owner":
            rows_left = empty & (made == "")
            made = made.where(made != "", "Row " + pd.Series(idx.astype(str), index=idx))
            current = values.get(f.name, blank)
            values[f.name] = current.where(~empty, made)
        rule = "to_invite" if ent.name == "owner" else "derived"
        if self.splan.field_map(f.name) is None and ent.name != "owner":
            # no column holds it: one decision for the whole file, said once
            sample = values[f.name].iloc[0] if len(values[f.name]) else ""
            self.note(rule, "", f"{where} has no {f.label.lower()} column; each record gets one "
                      f"made {how} (for example '{sample}').", f"Map the column that holds the "
                      f"{f.label.lower()}, or give every row a value on the mapping page.",
                      severity="info", fname=f.name)  # fmt: skip
            return
        for row in empty[empty].index:
            if ent.name == "owner":
                message = f"Row {row} of {where} {text}."
            else:
                value = values[f.name].at[row]
                src = " (from its row number)" if rows_left.at[row] else ""
                message = (f"Row {row} of {where} has no {f.label.lower()}; it loads as "
                           f"'{value}', made {how}{src}.")  # fmt: skip
            self.findings.add(Finding(where, int(row), None, "", rule, "warning", message,
                                      f"Fill in the {f.label.lower()} in the file, or map the "
                                      "column that holds it.", ent.name, f.name))  # fmt: skip
            notes.at[row] = f"{notes.at[row]} {message.split(': ', 1)[-1]}".strip()

    def _keys(self, values: dict[str, pd.Series]) -> dict[str, pd.Series]:
        ent = self.ent.name
        out: dict[str, pd.Series] = {}
        if "source_id" in values:
            out["source_id"] = _key(values["source_id"], "source_id", self.salesforce)
        if "email" in values:
            out["email"] = values["email"].str.lower()
        if "domain" in values:
            out["domain"] = values["domain"].str.lower()
        if not self.name_keys:
            return out
        if (ent == "company" and "name" in values) or (ent == "deal" and "name" in values):
            out["name"] = _name_key(ent, values["name"])
        elif ent in ("contact", "owner"):
            full = values.get("full_name")
            if "first_name" in values or "last_name" in values:
                blank = pd.Series("", index=next(iter(values.values())).index, dtype=object)
                joined = (values.get("first_name", blank) + " "
                          + values.get("last_name", blank)).str.strip()  # fmt: skip
                full = joined if full is None else full.where(full != "", joined)
            if full is not None:
                out["name"] = _name_key(ent, full)
        return out

    def _picklist(self, raw: pd.Series, f: Field) -> tuple[pd.Series, pd.Series]:
        """Each distinct value decided once: the plan's value map, else the option it means
        (any case, the known CRMs' words, a close spelling); else it is flagged."""
        vmap = self.splan.value_maps.get(f.name, {})
        stripped = raw.str.strip()
        options = self.plan.options_of(self.ent.name, f)
        lookup = {v: (vmap.get(v) or option_for(v, f.name, options)[0]) if v else ""
                  for v in stripped.unique()}  # fmt: skip
        out = stripped.map(lookup)
        bad = (stripped != "") & (out == "")
        return out.astype(object), bad

    def formulas(self, raw: pd.Series, col: str, f: Field) -> None:
        # only a value that starts (after any space) with = + - or @ can be a formula: those
        # are found in pyarrow's kernels (without the GIL), then matched one by one
        text = raw if isinstance(raw.dtype, pd.StringDtype) else raw.astype("str")
        maybe = raw[text.str.contains(_FORMULA_START, regex=True).to_numpy(dtype=bool)]
        if maybe.empty:
            return
        hits = maybe[[bool(_FORMULA.match(v)) for v in maybe]]
        if not hits.empty:
            for row, value in hits.items():
                self.findings.add(Finding(
                    self.label, int(row), col, value, "formula", "warning",
                    f"Row {row} of {self.label}: '{value[:60]}' in {col} looks like a "
                    "spreadsheet formula. It will be stored as plain text and made harmless in "
                    "every export.",
                    "Check the value; replace the formula with its result if that was meant.",
                    self.ent.name, f.name))  # fmt: skip

    def _date_notes(self, col: str, f: Field, order: str, raw: pd.Series, serials: int) -> None:
        if order.endswith("?"):
            sample = next((v for v in raw if v), "")
            human = "month/day" if order.startswith("MDY") else "day/month"
            self.note("date_order", col,
                      f"The dates in {col} of {self.label} could be day/month or month/day "
                      f"(for example '{sample}'); the data cannot tell. They are read as "
                      f"{human}.", "Confirm or change the date order on the mapping page.",
                      fname=f.name)  # fmt: skip
        if raw.str.match(rx.exact(r"^\s*\d{1,2}[./-]\d{1,2}[./-]\d{2}(\D|$)")).any():
            self.note(
                "two_digit_year",
                col,
                f"Some dates in {col} of {self.label} have two-digit years; years up to "
                "ten years ahead are read as 20xx, older ones as 19xx.",
                "Check a few dates in the preview.",
                severity="info",
                fname=f.name,
            )
        if serials:
            self.note(
                "excel_serial",
                col,
                f"Some dates in {col} of {self.label} were Excel serial numbers "
                "(like 45123); they were turned into real dates.",
                "Check a few dates in the preview.",
                severity="info",
                fname=f.name,
            )


def _msg(text: str) -> Callable[[str, Field, str, str], Callable[[int, str], str]]:
    def outer(where: str, f: Field, col: str, kept: str) -> Callable[[int, str], str]:
        return lambda row, value: text.format(row=row, where=where, value=value[:80],
                                              field=f.label.lower(), col=col, kept=kept)  # fmt: skip

    return outer


IN_FIELD = (FieldType.PHONE, FieldType.URL, FieldType.PICKLIST)  # text in every target


def as_written(field_name: str) -> str:
    """The custom field that keeps a value its own field cannot hold ('amount_as_written')."""
    return f"{field_name}_as_written"


_IDENTITY = {
    "owner": ("source_id", "email", "first_name", "last_name", "full_name"),
    "company": ("source_id", "name", "domain", "website"),
    "contact": ("source_id", "email", "first_name", "last_name", "full_name"),
    "deal": (),
    "activity": (),
}
_IDENTITY_WORDS = {
    "owner": "record id, email or name",
    "company": "record id, name, domain or website",
    "contact": "record id, email or name",
    "deal": "value at all",
    "activity": "value at all",
}
_KEPT = "the record loads and the value is kept as written{kept}."
_MESSAGES = {
    "email": _msg("Row {row} of {where}: the email '{value}' is not valid; " + _KEPT),
    "phone": _msg("Row {row} of {where}: '{value}' in {col} could not be read as a phone "
                  "number; " + _KEPT),
    "url": _msg("Row {row} of {where}: '{value}' in {col} is not a valid web address; "
                + _KEPT),
    "domain": _msg("Row {row} of {where}: '{value}' in {col} is not a valid domain; " + _KEPT),
    "number": _msg("Row {row} of {where}: '{value}' in {col} is not a number; " + _KEPT),
    "date": _msg("Row {row} of {where}: '{value}' in {col} is not a date that exists; "
                 + _KEPT),
    "boolean": _msg("Row {row} of {where}: '{value}' in {col} is not a yes/no value; "
                    + _KEPT),
    "picklist": _msg("Row {row} of {where}: '{value}' is not one of the options for "
                     "{field}; " + _KEPT),
}  # fmt: skip
_FIXES = {
    "email": "Fix the address in the file and load the file again to add it.",
    "phone": "Add the country code (like +44) or fix the number in the file.",
    "url": "Fix the address in the file, or leave it as it is.",
    "domain": "Fix the domain in the file (like example.com).",
    "number": "Write the number with digits only, like 1250.50.",
    "date": "Fix the date in the file, or check the date order on the mapping page.",
    "boolean": "Use Yes or No (TRUE or FALSE).",
    "picklist": "Map this value to an option (or add it as an option) on the mapping page.",
}


def _fill_template(frame: pd.DataFrame, template: str) -> pd.Series:
    """A template's value per row: its text with each {Column} replaced by the row's cell
    (trimmed); empty where a column it names is empty in the row (or not in the file), so a
    half-made value ('ann.@acme.com') is never loaded."""
    parts = TEMPLATE_PLACE.split(template)  # text, column, text, column, ..., text
    out = pd.Series(parts[0], index=frame.index, dtype=object)
    empty = pd.Series(False, index=frame.index)
    for i in range(1, len(parts), 2):
        column = parts[i]
        if column in frame.columns:
            cell = frame[column].astype(object).fillna("").str.strip()
        else:
            cell = pd.Series("", index=frame.index, dtype=object)
        empty |= cell == ""
        out = out + cell + parts[i + 1]
    return out.where(~empty, "")
