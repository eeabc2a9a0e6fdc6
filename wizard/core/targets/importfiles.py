"""Import-file packages: the Manual CSV Import path into a hosted CRM.

Instead of writing to the CRM, each phase writes the files the new CRM's own importer accepts,
numbered in the order to upload them, with the columns it expects and the columns that link
records. Records carry their legacy id in a unique property (HubSpot) or an External ID field
(Salesforce), and links name the parent's legacy id, so the importer can associate records
however many files the data is split into. Files are split to the importer's documented limits.

It is a :class:`Target` like the others: the package folder keeps an index (SQLite) of every
record written, so a resumed phase does not write a record twice, undo takes records out, and
the counts reconcile. The target id of a record is its legacy id.

Limits used (documented by the vendors):
- HubSpot (paid plans, import tool): files up to 512 MB, up to 1,048,576 rows per file, under
  1,000 columns; 500 imports and 10,000,000 rows a day (free tools: 20 MB, 500,000 rows a day).
- Salesforce Data Loader: meant for 50,000 to 5,000,000 records per operation; files split at
  5,000,000 rows. (The Data Import Wizard stops at 50,000.)
"""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.paths import private
from wizard.core.targets.base import Target, WriteResult
from wizard.core.textsafe import neutralise

ORDER = ("owner", "company", "contact", "deal", "activity")
GUARDED = "values-with-apostrophe.csv"  # the values a leading ' keeps from running as formulas


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    objects: dict[str, str]  # entity -> the CRM's object name
    legacy: str  # the column (unique property / External ID) holding the legacy id
    headers: dict[str, str] = field(default_factory=dict)  # "entity.field" or "field" -> header
    link_header: str = "{ref} {legacy}"  # the header of a link column
    max_rows: int = 1_048_576
    max_bytes: int = 512 * 1024 * 1024
    notes: tuple[str, ...] = ()

    def header(self, entity: str, name: str) -> str:
        return self.headers.get(f"{entity}.{name}") or self.headers.get(name) or name


HUBSPOT = Profile(
    "hubspot", "HubSpot import files",
    objects={"owner": "Users (invite them; owners are not imported)", "company": "Companies",
             "contact": "Contacts", "deal": "Deals", "activity": "Activities (notes, calls, "
             "meetings, tasks)"},
    legacy="legacy_record_id",
    headers={"name": "name", "company.name": "name", "domain": "domain", "website": "website",
             "phone": "phone", "first_name": "firstname", "last_name": "lastname",
             "email": "email", "title": "jobtitle", "lifecycle_stage": "lifecyclestage",
             "deal.name": "dealname", "amount": "amount", "stage": "dealstage",
             "close_date": "closedate", "subject": "hs_task_subject", "body": "hs_note_body",
             "occurred_at": "hs_timestamp", "type": "activity type"},
    link_header="{ref} legacy_record_id",
    notes=("Create the unique property 'legacy_record_id' (single-line text, unique values) "
           "on every object first.",
           "When you map a link column (for example 'company legacy_record_id'), choose the "
           "associated object and its property legacy_record_id: HubSpot then associates the "
           "records.",
           "Up to 3 imports run at the same time; upload the files in the order listed."),
)  # fmt: skip
SALESFORCE = Profile(
    "salesforce", "Salesforce Data Loader files",
    objects={"owner": "User (create or match them first)", "company": "Account",
             "contact": "Contact", "deal": "Opportunity", "activity": "Task"},
    legacy="Legacy_Id__c",
    headers={"company.name": "Name", "deal.name": "Name", "website": "Website",
             "phone": "Phone", "first_name": "FirstName", "last_name": "LastName",
             "email": "Email", "title": "Title", "amount": "Amount", "stage": "StageName",
             "close_date": "CloseDate", "subject": "Subject", "body": "Description",
             "occurred_at": "ActivityDate", "type": "Type"},
    link_header="{Ref}:Legacy_Id__c",
    max_rows=5_000_000,
    max_bytes=10 * 1024**3,
    notes=("Create the External ID field Legacy_Id__c (text, unique, External ID) on each "
           "object first.",
           "In Data Loader choose Upsert, match on Legacy_Id__c, and map link columns such as "
           "'Account:Legacy_Id__c' to the lookup by External ID.",),
)  # fmt: skip
PROFILES = {p.name: p for p in (HUBSPOT, SALESFORCE)}
_SF_REF = {"company": "Account", "contact": "Contact", "deal": "Opportunity", "owner": "Owner"}


def _stem(entity: str) -> str:
    """Files are numbered in upload order: 01-owners ... 05-activities."""
    return f"{ORDER.index(entity) + 1:02d}-{ENTITIES[entity].table}"


class ImportFilesTarget(Target):
    kind = "files"

    def __init__(self, folder: str | Path, profile: Profile | str) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.label = f"{self.profile.label} in {self.folder}"
        self.db = sqlite3.connect(self.folder / "package-index.db", check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS records (entity TEXT NOT NULL, source_id TEXT "
                        "NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (entity, "
                        "source_id))")  # fmt: skip
        self.db.commit()

    # -- writing -------------------------------------------------------------------------
    def write_batch(self, entity: str, columns: list[str],
                    rows: list[tuple]) -> list[WriteResult]:  # fmt: skip
        ent = ENTITIES[entity]
        refs = {c for c in columns if ent.has(c) and ent.field(c).type == FieldType.REFERENCE}
        results = []
        (seq,) = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()
        with self.db:
            for row in rows:
                data = dict(zip(columns, row, strict=True))
                missing = [c for c in refs if data.get(c) is not None and not self._exists(
                    ENTITIES[entity].field(c).ref or "", str(data[c]))]  # fmt: skip
                if missing:
                    results.append(WriteResult(None, "It links to a record that does not exist "
                                                     "in the package."))  # fmt: skip
                    continue
                seq += 1
                sid = str(data["source_id"])
                self.db.execute(
                    "INSERT INTO records VALUES (?,?,?,?) ON CONFLICT (entity, source_id) DO "
                    "UPDATE SET data=excluded.data", (entity, sid, seq, json.dumps(data, default=str)))  # fmt: skip
                results.append(WriteResult(sid))
        return results

    def _exists(self, entity: str, sid: str) -> bool:
        return self.db.execute("SELECT 1 FROM records WHERE entity=? AND source_id=?",
                               (entity, sid)).fetchone() is not None  # fmt: skip

    def end_load(self, entities: tuple[str, ...]) -> None:
        for entity in dict.fromkeys(entities):
            self.write_files(entity)
        self.write_checklist()

    def files_for(self, entities: tuple[str, ...]) -> list[Path]:
        """The package's files of these entities, in upload order."""
        return [path for entity in ORDER if entity in entities
                for path in sorted(self.folder.glob(f"{_stem(entity)}-part*.csv"))]  # fmt: skip

    def write_files(self, entity: str) -> list[Path]:
        """The entity's files, split to the importer's limits (written again from the index:
        a resumed or undone phase leaves exactly what the index holds)."""
        stem = _stem(entity)
        for old in [*self.folder.glob(f"{stem}*.csv"), self.folder / f"{stem}-{GUARDED}"]:
            old.unlink(missing_ok=True)
        ent = ENTITIES[entity]
        fields = [f for f in ent.fields if f.name != "source_id"]
        header = [self.profile.legacy]
        for f in fields:
            if f.type == FieldType.REFERENCE:
                ref = f.ref or ""
                header.append(self.profile.link_header.format(
                    ref=ref, Ref=_SF_REF.get(ref, ref.capitalize()), legacy=self.profile.legacy))  # fmt: skip
            else:
                header.append(self.profile.header(entity, f.name))
        header.append("custom properties (JSON)")
        written: list[Path] = []
        part, rows_in, size, out, writer = 0, 0, 0, None, None
        side = self.folder / f"{stem}-{GUARDED}"
        side_file = side.open("w", newline="", encoding="utf-8")
        guarded = csv.writer(side_file)
        guarded.writerow([self.profile.legacy, "column", "value as in your data"])
        for (data,) in self.db.execute("SELECT data FROM records WHERE entity=? ORDER BY seq",
                                       (entity,)):  # fmt: skip
            rec = json.loads(data)
            line = [rec["source_id"], *["" if rec.get(f.name) is None else rec.get(f.name)
                                        for f in fields], rec.get("properties") or ""]  # fmt: skip
            for i, value in enumerate(line):  # opened in a spreadsheet, no cell runs
                safe = neutralise(value)
                if safe is not value:
                    guarded.writerow([rec["source_id"], header[i], value])
                    line[i] = safe
            approx = sum(len(str(v)) + 3 for v in line)
            if (
                writer is None
                or rows_in >= self.profile.max_rows
                or (size + approx > self.profile.max_bytes - 1024)
            ):
                if out is not None:
                    out.close()
                part += 1
                path = self.folder / f"{stem}-part{part}.csv"
                out = path.open("w", newline="", encoding="utf-8")
                private(path)
                writer = csv.writer(out)
                writer.writerow(header)
                written.append(path)
                rows_in, size = 0, sum(len(h) + 3 for h in header)
            writer.writerow(line)
            rows_in += 1
            size += approx
        if out is not None:
            out.close()
        side_file.close()
        if side.stat().st_size <= len(",".join([self.profile.legacy, "column",
                                                "value as in your data"])) + 2:  # fmt: skip
            side.unlink()
        return written

    def write_checklist(self) -> Path:
        lines = [f"{self.profile.label}: upload in this order", ""]
        lines += [f"- {note}" for note in self.profile.notes]
        lines.append("")
        counts: list[int] = []
        for entity in ORDER:
            for path in self.files_for((entity,)):
                with path.open(encoding="utf-8") as f:
                    counts.append(sum(1 for _ in f) - 1)
                lines.append(f"{len(counts)}. {path.name}: {counts[-1]:,} "
                             f"{self.profile.objects[entity]} records (match on "
                             f"{self.profile.legacy})")  # fmt: skip
        guarded = sorted(self.folder.glob(f"*-{GUARDED}"))
        if guarded:
            n = sum(sum(1 for _ in p.open(encoding="utf-8")) - 1 for p in guarded)
            lines += ["", f"{n:,} value(s) begin with = + - or @, which a spreadsheet would run "
                      "as a formula: they were written with a leading apostrophe (') so that "
                      "opening a file is safe. The CRM keeps the apostrophe: the values as in "
                      "your data are listed in " + ", ".join(p.name for p in guarded) + "."]  # fmt: skip
        if self.profile.name == "hubspot" and counts:
            from wizard.core.targets.limits import hubspot_import_days

            lines += ["", "Upload time: " + hubspot_import_days(counts).text]
        path = self.folder / "UPLOAD-ORDER.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    # -- the CRM's export, read back ------------------------------------------------------
    def confirm_export(self, entity: str, path: str | Path) -> dict[str, Any]:
        """Read the CRM's own export of the object after the upload: how many of the package's
        records it holds, which are missing, and the CRM's new id of each (kept in the index).
        The export needs the legacy id column and the record id ('Record ID' in HubSpot, 'Id'
        in Salesforce)."""
        from wizard.core.sources import open_source

        source = open_source(path)
        cols = {c.strip().lower(): c for c in source.columns}
        legacy = next((cols[k] for k in (self.profile.legacy.lower(), "legacy record id",
                                         "legacy_record_id", "legacy_id__c") if k in cols), None)  # fmt: skip
        rid = next((cols[k] for k in ("record id", "id", "hs_object_id") if k in cols), None)
        if legacy is None or rid is None:
            from wizard.core.errors import SourceError

            raise SourceError(f"{Path(path).name} has no '{self.profile.legacy}' or no record id "
                              "column.", "Export the object with both columns, then try again.")  # fmt: skip
        self.db.execute("CREATE TABLE IF NOT EXISTS crm_ids (entity TEXT, source_id TEXT, "
                        "crm_id TEXT, PRIMARY KEY (entity, source_id))")  # fmt: skip
        found = 0
        with self.db:
            for chunk in source.chunks():
                pairs = [(entity, str(a).strip(), str(b).strip())
                         for a, b in zip(chunk[legacy], chunk[rid], strict=True) if str(a).strip()]  # fmt: skip
                self.db.executemany("INSERT OR REPLACE INTO crm_ids VALUES (?,?,?)", pairs)
        expected = self.count(entity)
        found = self.db.execute(
            "SELECT COUNT(*) FROM records r JOIN crm_ids c ON c.entity=r.entity AND "
            "c.source_id=r.source_id WHERE r.entity=?", (entity,)).fetchone()[0]  # fmt: skip
        missing = [sid for (sid,) in self.db.execute(
            "SELECT source_id FROM records r WHERE entity=? AND NOT EXISTS (SELECT 1 FROM crm_ids "
            "c WHERE c.entity=r.entity AND c.source_id=r.source_id) ORDER BY seq LIMIT 20",
            (entity,))]  # fmt: skip
        return {"entity": entity, "expected": expected, "found": found,
                "missing": missing, "complete": found == expected}  # fmt: skip

    # -- reading -------------------------------------------------------------------------
    def lookup(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        for sid in source_ids:
            if self._exists(entity, str(sid)):
                out[sid] = str(sid)
        return out

    def delete(self, entity: str, ids: list[int | str]) -> int:
        with self.db:
            n = sum(self.db.execute("DELETE FROM records WHERE entity=? AND source_id=?",
                                    (entity, str(i))).rowcount for i in ids)  # fmt: skip
        self.write_files(entity)
        self.write_checklist()
        return n

    def count(self, entity: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM records WHERE entity=?",
                               (entity,)).fetchone()[0]  # fmt: skip

    def _links(self, entity: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {f.name: [] for f in ENTITIES[entity].references}
        for (data,) in self.db.execute("SELECT data FROM records WHERE entity=?", (entity,)):
            rec = json.loads(data)
            for name in out:
                if rec.get(name) is not None:
                    out[name].append(str(rec[name]))
        return out

    def link_counts(self, entity: str) -> dict[str, int]:
        return {name: len(v) for name, v in self._links(entity).items()}

    def dangling(self, entity: str) -> dict[str, int]:
        ent = ENTITIES[entity]
        out = {}
        for name, values in self._links(entity).items():
            parent = ent.field(name).ref or ""
            known = {sid for (sid,) in self.db.execute(
                "SELECT source_id FROM records WHERE entity=?", (parent,))}  # fmt: skip
            out[name] = sum(v not in known for v in values)
        return out

    def describe(self) -> dict[str, Any]:
        out = {}
        for name in ORDER:
            ent = ENTITIES[name]
            out[name] = {"table": ent.table, "object": self.profile.objects[name],
                         "columns": ["source_id", *[f"{f.name}_id" if f.type == FieldType.REFERENCE
                                                    else f.name for f in ent.fields
                                                    if f.name != "source_id"], "properties"],
                         "references": {f.name: f"{f.name}_id -> {ENTITIES[f.ref or ''].table}"
                                        for f in ent.references}}  # fmt: skip
        return out

    def close(self) -> None:
        self.db.close()
