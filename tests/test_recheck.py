"""The re-check of the columns a mapping change touched (``wizard.core.recheck``): the staged
rows and findings must be the ones a fresh check of the changed mapping gives, column by
column, and a change it cannot do alone reads the file again."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_pipeline import write
from wizard.core.ledger import staged_rows_sql
from wizard.core.migration import Migration
from wizard.core.plan import FieldMap, SourcePlan
from wizard.core.staging import Staged

CONTACT_COLUMNS = ["Contact ID", "First Name", "Last Name", "Email", "Job Title", "Department",
                   "Notes", "Favourite Colour", "Company ID"]  # fmt: skip
TITLES = ["Buyer", " Head of Sales ", "=HYPERLINK(\"x\")", "CTO", "", "@SUM(A1)", "Sales - EMEA",
          "\u00a0+A1", "Directrice générale", "-5", "chief  ops"]  # fmt: skip


def export(folder: Path, rows: int = 1200, seed: int = 3) -> list[Path]:
    """Companies and contacts kept by hand: empty cells, spaces, formulas, accents."""
    rnd = random.Random(seed)
    companies = write(folder / "companies.csv", ["Company ID", "Company Name", "Website"],
                       [[f"A{i}", f"Company {i}", f"c{i}.example.com"] for i in range(40)])  # fmt: skip
    contacts = []
    for i in range(rows):
        kind = rnd.random()
        # a few rows without a record id (some without an email: keyed by their content), and a
        # few that repeat an earlier row's id or email (merged into it)
        sid = (
            "" if kind < 0.04 else f"C{rnd.randrange(i)}" if 0.04 <= kind < 0.06 and i else f"C{i}"
        )
        email = f"p{rnd.randrange(i + 1)}@example.com" if kind < 0.02 or kind > 0.95 else ""
        contacts.append([
            sid, rnd.choice(["Ann", "Bo", "Chloé", ""]), f"Name{i}",
            email if kind < 0.02 or kind > 0.95 else (f"p{i}@example.com" if kind >= 0.04 else ""),
            rnd.choice(TITLES), rnd.choice(["Sales", "", "IT", "=1+2"]),
            rnd.choice(["", "met at the fair", "-call back", " x "]),
            rnd.choice(["green", "", "blue"]), f"A{rnd.randrange(45)}",
        ])  # fmt: skip
    return [companies, write(folder / "contacts.csv", CONTACT_COLUMNS, contacts)]


def check(mig: Migration, prepared, should_stop=lambda: False) -> Staged | None:
    staged = None
    for item in mig.stage(prepared, should_stop=should_stop):
        if isinstance(item, Staged):
            staged = item
    return staged


def staged_rows(project: Path) -> list[dict[str, object]]:
    """Every staged contact row, as a fresh check would write it (its sid aside)."""
    db = sqlite3.connect(project / "ledger.db")
    try:
        cur = db.execute(staged_rows_sql(db, "contact") + " ORDER BY s.row")
        names = [d[0] for d in cur.description]
        out = []
        for values in cur:
            row = dict(zip(names, values, strict=True))
            del row["sid"], row["fid"]
            row["properties"] = json.loads(row["properties"])
            out.append(row)
        return out
    finally:
        db.close()


def rows_of_a_fresh_check(tmp_path: Path, inputs: list[Path], prepared) -> None:
    """The staged contacts in ``tmp_path / "p"`` are a fresh check's of the same plan."""
    with Migration(tmp_path / "fresh") as fresh_mig:
        fresh_prepared = fresh_mig.prepare(inputs)
        fresh_prepared.plan.sources = prepared.plan.sources
        check(fresh_mig, fresh_prepared)
    assert staged_rows(tmp_path / "p") == staged_rows(tmp_path / "fresh")


def findings(staged: Staged) -> tuple[dict, list]:
    assert staged.findings is not None
    examples = sorted((f.file, f.row or 0, f.column or "", f.value, f.rule, f.message)
                      for f in staged.findings.items)  # fmt: skip
    return dict(staged.findings.counts), examples


def contacts(plan) -> SourcePlan:
    return next(s for s in plan.sources if s.entity == "contact")


def _set(splan: SourcePlan, field: str, columns: list[str], **kw) -> None:
    splan.fields = [fm for fm in splan.fields if fm.field != field]
    for fm in splan.fields:  # a column moved to this field leaves the field it fed
        fm.columns = [c for c in fm.columns if c not in columns]
    splan.fields = [fm for fm in splan.fields if fm.columns or fm.template]
    for c in columns:
        splan.custom.pop(c, None)
    splan.fields.append(FieldMap(field, columns, origin="admin", **kw))


def title_to_custom(s: SourcePlan) -> None:
    s.fields = [fm for fm in s.fields if "Job Title" not in fm.columns]
    s.custom["Job Title"] = "job_title_kept"


def custom_back_to_title(s: SourcePlan) -> None:
    _set(s, "title", ["Job Title"])


def title_in_capitals(s: SourcePlan) -> None:
    s.field_map("title").transforms = ["upper"]  # type: ignore[union-attr]


def title_left_out(s: SourcePlan) -> None:
    s.fields = [fm for fm in s.fields if fm.field != "title"]


def notes_as_department(s: SourcePlan) -> None:
    _set(s, "department", ["Notes"])  # and the description it fed has no column left


def title_from_a_template(s: SourcePlan) -> None:
    _set(s, "title", ["Job Title", "Favourite Colour"], template="{Job Title} ({Favourite Colour})")


def custom_renamed(s: SourcePlan) -> None:
    s.custom = {**s.custom, "Last Name": "surname", "Department": "team"}


def custom_named_as_no_json_path_can_spell(s: SourcePlan) -> None:
    s.custom = {**s.custom, "Job Title": 'title "as typed" \\ kept', "Last Name": "sur\tname"}


EDITS: list[Callable[[SourcePlan], None]] = [
    title_to_custom, custom_back_to_title, title_in_capitals, title_left_out,
    notes_as_department, title_from_a_template, custom_renamed,
    title_to_custom, custom_named_as_no_json_path_can_spell,
]  # fmt: skip


def each_edit_gives_a_fresh_check(mig: Migration, prepared, inputs: list[Path],
                                  tmp_path: Path) -> Staged:  # fmt: skip
    """Each of EDITS in turn, re-checked column by column in ``tmp_path / "p"``: the staged
    rows, findings and links of a fresh check of the same plan. The last re-check's result."""
    again = None
    for n, edit in enumerate(EDITS):
        edit(contacts(prepared.plan))
        again = check(mig, prepared)
        assert again is not None
        by_label = {f.label: f for f in again.files}
        assert by_label["contacts.csv"].columns, f"{edit.__name__}: the file was read again"
        assert not by_label["companies.csv"].restaged
        with Migration(tmp_path / f"fresh{n}") as fresh_mig:
            fresh_prepared = fresh_mig.prepare(inputs)
            fresh_prepared.plan.sources = prepared.plan.sources
            fresh = check(fresh_mig, fresh_prepared)
        assert fresh is not None
        assert staged_rows(tmp_path / "p") == staged_rows(tmp_path / f"fresh{n}"), edit.__name__
        assert findings(again) == findings(fresh), edit.__name__
        assert again.links == fresh.links and again.orphans == fresh.orphans
    assert again is not None
    return again


def test_each_column_change_gives_the_rows_and_findings_of_a_fresh_check(tmp_path: Path) -> None:
    inputs = export(tmp_path / "export")
    with Migration(tmp_path / "shape") as mig:  # the fixture has what the re-check must keep
        check(mig, mig.prepare(inputs))
    db = sqlite3.connect(tmp_path / "shape" / "ledger.db")
    merged, by_content = db.execute(
        "SELECT SUM(dup_of IS NOT NULL), SUM(key LIKE 'row:%') FROM stage_contact").fetchone()  # fmt: skip
    db.close()
    assert merged >= 10 and by_content >= 5, (merged, by_content)
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        first = check(mig, prepared)
        assert first is not None and all(not f.columns for f in first.files)
        again = each_edit_gives_a_fresh_check(mig, prepared, inputs, tmp_path)
    # formulas were found and counted through the changes (the fixture has some)
    assert any(rule == "formula" for (_, rule, _) in findings(again)[0])


def sparse_export(folder: Path, rows: int = 1500, seed: int = 5) -> list[Path]:
    """Contacts each their own record (nothing merges) whose titles and notes are mostly
    empty: the re-check leaves the rows with nothing in the changed columns as they are."""
    rnd = random.Random(seed)
    companies = write(folder / "companies.csv", ["Company ID", "Company Name", "Website"],
                       [[f"A{i}", f"Company {i}", f"c{i}.example.com"] for i in range(40)])  # fmt: skip
    contacts = [[
        f"C{i}", rnd.choice(["Ann", "Bo", ""]), f"Name{i}", f"p{i}@example.com",
        rnd.choice(TITLES) if rnd.random() < 0.3 else "", rnd.choice(["Sales", "", "IT"]),
        rnd.choice(["met at the fair", "-call back", " x "]) if rnd.random() < 0.2 else "",
        rnd.choice(["green", "", "blue"]), f"A{rnd.randrange(45)}",
    ] for i in range(rows)]  # fmt: skip
    return [companies, write(folder / "contacts.csv", CONTACT_COLUMNS, contacts)]


@pytest.mark.parametrize("block", [None, 4096])
def test_column_changes_of_sparse_columns_give_the_rows_of_a_fresh_check(
    tmp_path: Path, monkeypatch, block: int | None
) -> None:
    """Without merges, rows with nothing in the changed columns are not written again; the
    staged rows are still a fresh check's. Also when the reader's fast path reads the file in
    many small blocks (each frame then gathers many of them)."""
    if block:
        from wizard.core.sources import csv_reader

        monkeypatch.setattr(csv_reader, "ARROW_BLOCK_BYTES", block)
    inputs = sparse_export(tmp_path / "export")
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        check(mig, prepared)
        assert mig.ledger.db.execute("SELECT COUNT(*) FROM stage_contact WHERE dup_of IS NOT "
                                     "NULL OR key LIKE 'row:%'").fetchone()[0] == 0  # fmt: skip
        each_edit_gives_a_fresh_check(mig, prepared, inputs, tmp_path)


def test_a_change_finalize_reads_reads_the_file_again(tmp_path: Path) -> None:
    """Email is a key (merges, links by email): a change to it is a fresh read of the file,
    and so is a change of the file itself."""
    inputs = export(tmp_path / "export")
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        check(mig, prepared)
        _set(contacts(prepared.plan), "email", ["Notes"])
        again = check(mig, prepared)
        assert again is not None
        f = next(f for f in again.files if f.label == "contacts.csv")
        assert f.restaged and not f.columns
        title_to_custom(contacts(prepared.plan))
        rows = inputs[1].read_text(encoding="utf-8").splitlines()
        inputs[1].write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")  # one row less
        prepared = mig.prepare(inputs)
        title_to_custom(contacts(prepared.plan))
        again = check(mig, prepared)
        f = next(f for f in again.files if f.label == "contacts.csv")
        assert f.restaged and not f.columns and f.rows_read == 1199


@pytest.mark.parametrize("shape", ["merged", "sparse"])
def test_a_stopped_column_check_changes_nothing_and_the_next_one_finishes(
    tmp_path: Path, shape: str
) -> None:
    """Stopped between steps, whether it writes into the rows (rows that merge) or beside
    them (sparse: a title moved back and forth, so the second stop leaves values beside)."""
    make = export if shape == "merged" else sparse_export
    inputs = make(tmp_path / "export", rows=3000)
    from wizard.core import recheck

    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        check(mig, prepared)
        before = staged_rows(tmp_path / "p")
        title_to_custom(contacts(prepared.plan))
        old = recheck.BATCH
        recheck.BATCH = 1000  # several steps to stop between
        try:
            assert check(mig, prepared, should_stop=lambda: True) is None
        finally:
            recheck.BATCH = old
        assert staged_rows(tmp_path / "p") == before
        again = check(mig, prepared)
        assert again is not None and next(f for f in again.files if f.columns)
        if shape == "sparse":  # stopped again with values beside the rows: they stand
            assert mig.ledger.db.execute("SELECT COUNT(*) FROM recheck_contact").fetchone()[0]
            before = staged_rows(tmp_path / "p")
            custom_back_to_title(contacts(prepared.plan))
            recheck.BATCH = 1000
            try:
                assert check(mig, prepared, should_stop=lambda: True) is None
            finally:
                recheck.BATCH = old
            assert staged_rows(tmp_path / "p") == before
            title_to_custom(contacts(prepared.plan))  # back to what was checked last
    rows_of_a_fresh_check(tmp_path, inputs, prepared)


def test_records_loaded_before_a_column_change_are_updated_when_their_phase_runs_again(
    tmp_path: Path,
) -> None:
    """The re-check forgets what the file's rows loaded: the phase decides again, and the
    records whose values moved are updated in the sandbox (nothing left as it was)."""
    inputs = export(tmp_path / "export", rows=300)
    with Migration(tmp_path / "p") as mig:
        result = mig.migrate(inputs)
        assert result is not None
        prepared = mig.prepare(inputs)
        title_to_custom(contacts(prepared.plan))
        again = check(mig, prepared)
        assert again is not None and next(f for f in again.files if f.columns)
        rerun = mig.migrate(inputs)  # the plan the check saved
        assert any(r.phase in ("contacts", "active") for r in rerun), rerun
    db = sqlite3.connect(tmp_path / "p" / "sandbox.db")
    try:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        table = next(t for t in tables if "contact" in t)
        cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        rows = [dict(zip(cols, r, strict=True)) for r in db.execute(f"SELECT * FROM {table}")]
    finally:
        db.close()
    # (a row keyed by its content is another record once its content changed: the old one is
    # listed as no longer in the files, as after any change of such a row)
    rows = [r for r in rows if not str(r["source_id"]).startswith("row:")]
    titles = [r for r in rows if json.loads(r.get("properties") or "{}").get("job_title_kept")]
    assert titles and all(not r.get("title") for r in rows)


def sandbox_contacts(project: Path) -> dict[str, tuple]:
    """The sandbox's contacts by source id: their title and custom fields."""
    db = sqlite3.connect(project / "sandbox.db")
    try:
        table = next(t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE "
                                              "type='table'") if "contact" in t)  # fmt: skip
        return {sid: (title, json.loads(props or "{}")) for sid, title, props in
                db.execute(f"SELECT source_id, title, properties FROM {table}")}  # fmt: skip
    finally:
        db.close()


def test_a_column_change_kept_beside_the_rows_loads_what_a_fresh_check_loads(
    tmp_path: Path,
) -> None:
    """Without merges the re-check writes beside the staged rows (``recheck_contact``), not
    in them: the phase run, fidelity and the values shown read what it wrote, through two
    changes in a row, and a file read again later writes it into the rows (finalize) with
    the same result as a fresh check."""
    inputs = sparse_export(tmp_path / "export", rows=400)

    def title_skipped(s: SourcePlan) -> None:  # left out on purpose: fewer values kept
        title_left_out(s)
        s.skipped.append("Job Title")

    edits = [title_to_custom, custom_back_to_title, title_in_capitals, title_skipped]
    shows = [[None, "Buyer"], ["Buyer", None], ["BUYER", None], [None, None]]
    lines = inputs[1].read_text(encoding="utf-8").splitlines()
    buyer = next(i + 1 for i, line in enumerate(lines) if line.split(",")[4] == "Buyer")
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        # contacts of a company no file holds are refused: their values are in the error file
        prepared.plan.orphan_policy["contact.company"] = "reject"
        mig.save_plan(prepared.plan)
        assert mig.migrate(inputs)
        for n, edit in enumerate(edits):
            edit(contacts(prepared.plan))
            again = check(mig, prepared)
            assert again is not None and next(f for f in again.files if f.columns)
            db = mig.ledger.db
            beside = db.execute("SELECT COUNT(*) FROM recheck_contact").fetchone()[0]
            assert beside > 100, "the re-check wrote beside the rows"
            shown = mig.staged_row("contacts.csv", buyer)  # the row on the review page
            assert [shown.get(k) for k in ("title", "job_title_kept")] == shows[n], edit.__name__
            mig.migrate(inputs)
            with Migration(tmp_path / f"fresh{n}") as fresh:
                fresh.save_plan(prepared.plan)
                fresh.migrate(inputs, plan_path=fresh.plan_path)
                theirs = [(f.label, f.records_kept, f.links_kept, f.values, f.values_kept)
                          for f in fresh.fidelity()]  # fmt: skip
                refused = (fresh.exports / "03-contacts-rejected.csv").read_text("utf-8")
            assert refused.count("\n") > 10
            assert (mig.exports / "03-contacts-rejected.csv").read_text("utf-8") == refused
            assert sandbox_contacts(tmp_path / "p") == sandbox_contacts(tmp_path / f"fresh{n}")
            mine = [(f.label, f.records_kept, f.links_kept, f.values, f.values_kept)
                    for f in mig.fidelity()]  # fmt: skip
            assert mine == theirs, edit.__name__
            assert staged_rows(tmp_path / "p") == staged_rows(tmp_path / f"fresh{n}")
        # the companies file changes: it is read again, finalize runs and writes the values
        # beside the rows into them
        rows = inputs[0].read_text(encoding="utf-8").splitlines()
        inputs[0].write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
        prepared = mig.prepare(inputs)
        check(mig, prepared)
        assert mig.ledger.db.execute("SELECT COUNT(*) FROM recheck_contact").fetchone()[0] == 0
    rows_of_a_fresh_check(tmp_path, inputs, prepared)


def test_status_and_report_read_the_values_beside_the_rows_and_older_ledgers(
    tmp_path: Path,
) -> None:
    """A project opened only to read it (status, report) reads what a re-check wrote beside
    the rows; a ledger of version 4 (before there was such a table) still opens that way."""
    inputs = sparse_export(tmp_path / "export", rows=300)
    with Migration(tmp_path / "p") as mig:
        mig.migrate(inputs)
        prepared = mig.prepare(inputs)
        title_to_custom(contacts(prepared.plan))
        check(mig, prepared)
        mig.migrate(inputs)
        kept = [(f.label, f.values, f.values_kept) for f in mig.fidelity()]
        row = mig.staged_row("contacts.csv", 2)
        assert mig.ledger.db.execute("SELECT COUNT(*) FROM recheck_contact").fetchone()[0]
    with Migration(tmp_path / "p", read_only=True) as ro:
        assert [(f.label, f.values, f.values_kept) for f in ro.fidelity()] == kept
        assert ro.staged_row("contacts.csv", 2) == row
    db = sqlite3.connect(tmp_path / "p" / "ledger.db")
    from wizard.core.ledger import fold

    with db:
        fold(db)  # what version 4 would have held: the values in the rows
        for name in ("owner", "company", "contact", "deal", "activity"):
            db.execute(f"DROP TABLE recheck_{name}")
        db.execute("UPDATE meta SET value='4' WHERE key='ledger_version'")
    db.close()
    with Migration(tmp_path / "p", read_only=True) as ro:
        assert [(f.label, f.values, f.values_kept) for f in ro.fidelity()] == kept
        assert ro.staged_row("contacts.csv", 2) == row
    from wizard.core.ledger import LEDGER_VERSION

    with Migration(tmp_path / "p") as mig:  # written to again: brought up to date
        assert mig.ledger.meta("ledger_version") == str(LEDGER_VERSION)
        assert mig.staged_row("contacts.csv", 2) == row


def test_the_raw_store_keeps_cells_as_read_and_is_dropped_with_its_file(tmp_path: Path) -> None:
    import pandas as pd

    from wizard.core import rawstore

    ledger = tmp_path / "ledger.db"
    w = rawstore.RawWriter(ledger, 7)
    frames = [pd.DataFrame({"a": ["x", "", " é "], "b": ["=1", "2", ""]}, dtype="str",
                           index=pd.Index([2, 3, 5], name="row")),
              pd.DataFrame({"a": ["y"], "b": ["z"]}, dtype="str", index=pd.Index([9], name="row"))]  # fmt: skip
    for f in frames:
        w.write(f)
    assert not rawstore.store_path(ledger, 7).exists()  # only a complete store has its name
    assert w.commit()
    assert rawstore.columns(ledger, 7) == ["a", "b"]
    back = pd.concat(list(rawstore.read(ledger, 7, ["b", "a", "missing"], rows=2)))
    assert back.index.tolist() == [2, 3, 5, 9] and list(back.columns) == ["b", "a"]
    assert back["a"].tolist() == ["x", "", " é ", "y"] and back["b"].tolist() == [
        "=1",
        "2",
        "",
        "z",
    ]
    rawstore.drop(ledger, 7)
    assert rawstore.columns(ledger, 7) is None
    # a cell that is not text: no store, and staging goes on
    bad = rawstore.RawWriter(ledger, 8)
    bad.write(pd.DataFrame({"a": ["x", None]}, dtype=object))
    assert not bad.commit() and rawstore.columns(ledger, 8) is None


def test_a_ledger_staged_before_keeps_its_hashes_and_reads_files_again(tmp_path: Path) -> None:
    """Records a project loaded before this version compare by their old hashes (nothing looks
    changed); such a project re-checks by reading files, as it did."""
    from wizard.core.ledger import Ledger

    inputs = export(tmp_path / "export", rows=50)
    with Migration(tmp_path / "p") as mig:
        mig.migrate(inputs)
    db = sqlite3.connect(tmp_path / "p" / "ledger.db")
    db.execute("UPDATE meta SET value='3' WHERE key='ledger_version'")
    db.execute("DELETE FROM meta WHERE key='hash_scheme'")
    db.commit()
    db.close()
    assert Ledger(tmp_path / "p" / "ledger.db").meta("hash_scheme") == "1"
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        title_to_custom(contacts(prepared.plan))
        again = check(mig, prepared)
        assert again is not None
        f = next(f for f in again.files if f.label == "contacts.csv")
        assert f.restaged and not f.columns
    assert Ledger(tmp_path / "new.db").meta("hash_scheme") == "2"


def test_a_ledger_staged_before_that_loaded_nothing_reads_once_then_rechecks_by_column(
    tmp_path: Path,
) -> None:
    inputs = export(tmp_path / "export", rows=50)
    with Migration(tmp_path / "p") as mig:
        check(mig, mig.prepare(inputs))
    db = sqlite3.connect(tmp_path / "p" / "ledger.db")
    db.execute("UPDATE meta SET value='3' WHERE key='ledger_version'")
    db.execute("DELETE FROM meta WHERE key='hash_scheme'")
    db.commit()
    db.close()
    with Migration(tmp_path / "p") as mig:
        assert mig.ledger.meta("hash_scheme") == "2"
        prepared = mig.prepare(inputs)
        first = check(mig, prepared)  # every file read again, hashed by value
        assert first is not None and all(f.restaged and not f.columns for f in first.files)
        title_to_custom(contacts(prepared.plan))
        again = check(mig, prepared)
        assert again is not None and any(f.columns for f in again.files)


def test_a_file_is_checked_again_when_another_starts_linking_to_it_by_name(tmp_path: Path) -> None:
    """Name keys are made only when some file links by name. A link changed to match by name
    must check the linked file again: before, its rows kept no name keys, and all 10 links
    were orphans."""
    from wizard.core.plan import FieldMap

    write(tmp_path / "export" / "companies.csv", ["Company ID", "Company Name"],
           [[f"A{i}", f"Firm {i}"] for i in range(5)])  # fmt: skip
    write(tmp_path / "export" / "contacts.csv", ["Contact ID", "Email", "Employer"],
           [[f"C{i}", f"c{i}@x.com", f"Firm {i % 5}"] for i in range(10)])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([tmp_path / "export"])
        people = contacts(prepared.plan)
        people.fields = [fm for fm in people.fields if fm.field != "company"]
        check(mig, prepared)
        people.fields.append(FieldMap("company", ["Employer"], match_by="name"))
        staged = check(mig, prepared)
    assert staged is not None
    assert all(f.restaged for f in staged.files)
    assert staged.links["contact.company"] == 10 and not staged.orphans["contact.company"]


def test_a_link_by_name_is_resolved_again_when_only_the_linked_file_changed(
    tmp_path: Path,
) -> None:
    """Links by name are resolved again over the whole staged set, also for rows whose own
    file did not change: a company renamed in a new export no longer holds the contacts that
    named it (they become orphans, said as such), and a name two firms share links to neither."""
    folder = tmp_path / "export"
    companies = [[f"A{i}", f"Firm {i}"] for i in range(5)]
    write(folder / "companies.csv", ["Company ID", "Company Name"], companies)
    write(folder / "contacts.csv", ["Contact ID", "Email", "Employer"],
          [[f"C{i}", f"c{i}@x.com", f"Firm {i % 5}"] for i in range(10)])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        staged = check(mig, mig.prepare([folder]))
        assert staged is not None and dict(staged.links) == {"contact.company": 10}
        assert contacts(mig.require_plan()).field_map("company").match_by == "name"
        companies[0][1] = "Firm Zero"  # renamed: contacts C0 and C5 name a firm no file holds
        write(folder / "companies.csv", ["Company ID", "Company Name"], companies)
        staged = check(mig, mig.prepare([folder]))
        assert staged is not None
        assert [f.restaged for f in staged.files] == [True, False]
        assert staged.links["contact.company"] == 8
        assert staged.orphans["contact.company"] == 2
        # a second firm takes the name "Firm 1": which one C1 and C6 meant cannot be told, so
        # they link to neither (their values stay as written), and "Firm 0" is back for C0, C5
        companies[0][1], companies[2][1] = "Firm 0", "Firm 1"
        write(folder / "companies.csv", ["Company ID", "Company Name"], companies)
        staged = check(mig, mig.prepare([folder]))
        assert staged is not None and staged.orphans["contact.company"] == 4
        linked = dict(mig.ledger.db.execute("SELECT key, p_company FROM stage_contact"))
    assert linked == {f"C{i}": None if i % 5 in (1, 2) else f"A{i % 5}" for i in range(10)}


@pytest.mark.parametrize("value, formula", [
    ("=SUM(A1)", True), ("\u00a0=x", True), ("\u3000@foo", True), (" +A1", True),
    ("-5", False), ("+44 20 7946 0000", False), ("Sales - EMEA", False), ("a=b", False),
])  # fmt: skip
def test_formulas_are_found_as_before_with_the_prefilter(value: str, formula: bool) -> None:
    import pandas as pd

    from wizard.core.blueprint import ENTITIES
    from wizard.core.plan import Plan
    from wizard.core.validate import Checker, Findings

    found = Findings()
    splan = SourcePlan(file="x.csv", entity="contact")
    checker = Checker(Plan(sources=[splan]), splan, "x.csv", found)
    for dtype in ("str", object):
        checker.formulas(pd.Series([value, "plain"], dtype=dtype), "Job Title",
                         ENTITIES["contact"].field("title"))  # fmt: skip
    assert sum(found.counts.values()) == (2 if formula else 0)


def staged_all(project: Path) -> dict[str, list[dict[str, object]]]:
    """Every staged row of every entity, its file named by path (not by its id)."""
    from wizard.core.blueprint import ENTITIES

    db = sqlite3.connect(project / "ledger.db")
    try:
        files = dict(db.execute("SELECT fid, path || '|' || sheet FROM files"))
        out: dict[str, list[dict[str, object]]] = {}
        for name in ENTITIES:
            cur = db.execute(staged_rows_sql(db, name))
            names = [d[0] for d in cur.description]
            rows = []
            for values in cur:
                row = dict(zip(names, values, strict=True))
                del row["sid"]
                row["fid"] = files[row["fid"]]
                row["properties"] = json.loads(row["properties"])
                rows.append(row)
            out[name] = sorted(rows, key=lambda r: (str(r["fid"]), r["row"], str(r["key"])))
        return out
    finally:
        db.close()


def _free_text_field(splan: SourcePlan) -> str | None:
    from wizard.core.blueprint import ENTITIES
    from wizard.core.recheck import _local

    taken = {fm.field for fm in splan.fields}
    ent = ENTITIES[splan.entity or ""]
    return next((f.name for f in ent.fields if f.name not in taken
                 and _local(ent.name, f.name, splan) and ent.has(f.name)), None)  # fmt: skip


@pytest.mark.parametrize("sample", ["salesforce_sample", "ptbr_sample"])
def test_a_column_change_on_a_real_export_gives_a_fresh_checks_rows(sample, request,
                                                                    tmp_path: Path) -> None:  # fmt: skip
    """On the shared real exports: in every file, a custom column becomes a free text field
    and a text field becomes a custom column (where the file has them). Every staged row of
    every entity, and every finding, is then the fresh check's; files merged with another
    file's rows (converted leads) are read again instead."""
    from wizard.core.blueprint import ENTITIES
    from wizard.core.recheck import _local

    folder = request.getfixturevalue(sample)
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([folder])
        check(mig, prepared)
        edited = 0
        for splan in prepared.plan.sources:
            if splan.entity is None:
                continue
            free = _free_text_field(splan)
            column = next(iter(splan.custom), None)
            if free and column:
                splan.custom.pop(column)
                splan.fields.append(FieldMap(free, [column], origin="admin"))
                edited += 1
            ent = ENTITIES[splan.entity]
            text = next((fm for fm in splan.fields if fm.field != free and ent.has(fm.field)
                         and _local(ent.name, fm.field, splan)), None)  # fmt: skip
            if text and len(text.columns) == 1 and text.columns[0] not in splan.custom:
                splan.fields.remove(text)
                splan.custom[text.columns[0]] = f"{text.field}_kept"
                edited += 1
        assert edited
        again = check(mig, prepared)
    assert again is not None
    assert any(f.columns for f in again.files), [(f.label, f.restaged) for f in again.files]
    with Migration(tmp_path / "fresh") as fresh_mig:
        fresh_prepared = fresh_mig.prepare([folder])
        fresh_prepared.plan.sources = prepared.plan.sources
        fresh = check(fresh_mig, fresh_prepared)
    assert fresh is not None
    mine, theirs = staged_all(tmp_path / "p"), staged_all(tmp_path / "fresh")
    for name in mine:
        assert mine[name] == theirs[name], name
    assert findings(again) == findings(fresh)
    assert again.links == fresh.links and again.orphans == fresh.orphans


@pytest.mark.parametrize("changed", ["people.csv", "more-people.csv"])
def test_a_column_change_in_a_file_merged_with_another_gives_a_fresh_checks_rows(
    changed: str, tmp_path: Path
) -> None:
    """Rows of one file merged into records of another (the same email, no id of their
    own): after a change in either file alone, the merged records hold what a fresh check
    gives them (values filled from the duplicate, and the differing ones kept beside)."""
    header = ["Contact ID", "Email", "Job Title", "Team"]
    write(tmp_path / "export" / "people.csv", header,
          [[f"C{i}", f"p{i}@x.com", ["Buyer", "", "CTO"][i % 3], ["a", ""][i % 2]]
           for i in range(30)])  # fmt: skip
    write(tmp_path / "export" / "more-people.csv", header,
          [["", f"p{i}@x.com", ["", "Owner", "CTO", "=1+1"][i % 4], ["", "b"][i % 2]]
           for i in range(0, 40, 2)])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([tmp_path / "export"])
        first = check(mig, prepared)
        assert first is not None and first.duplicates["contact"] == 15
        splan = next(s for s in prepared.plan.sources if s.label == changed)
        title_to_custom(splan)
        splan.custom["Team"] = "team_kept"
        splan.fields = [fm for fm in splan.fields if "Team" not in fm.columns]
        again = check(mig, prepared)
    assert again is not None
    assert next(f for f in again.files if f.label == changed).columns
    with Migration(tmp_path / "fresh") as fresh_mig:
        fresh_prepared = fresh_mig.prepare([tmp_path / "export"])
        fresh_prepared.plan.sources = prepared.plan.sources
        fresh = check(fresh_mig, fresh_prepared)
    assert fresh is not None
    assert staged_all(tmp_path / "p") == staged_all(tmp_path / "fresh")
    assert findings(again) == findings(fresh)


def test_a_damaged_raw_store_means_the_file_is_read_again(tmp_path: Path) -> None:
    """The kept cells are a cache: damaged in the middle (its schema still readable), the
    re-check reads the file instead, with the rows and findings of a fresh check."""
    from wizard.core import rawstore

    inputs = export(tmp_path / "export", rows=3000)
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare(inputs)
        check(mig, prepared)
        fid = mig.ledger.db.execute("SELECT fid FROM files WHERE entity='contact'").fetchone()[0]
        store = rawstore.store_path(mig.ledger.path, fid)
        data = bytearray(store.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 4096] = b"\xff" * 4096
        store.write_bytes(bytes(data))
        assert rawstore.columns(mig.ledger.path, fid) is not None  # it still opens
        title_to_custom(contacts(prepared.plan))
        again = check(mig, prepared)
        assert again is not None
        f = next(f for f in again.files if f.label == "contacts.csv")
        assert f.restaged and not f.columns  # read from the file
    with Migration(tmp_path / "fresh") as fresh_mig:
        fresh_prepared = fresh_mig.prepare(inputs)
        fresh_prepared.plan.sources = prepared.plan.sources
        fresh = check(fresh_mig, fresh_prepared)
    assert fresh is not None
    assert staged_rows(tmp_path / "p") == staged_rows(tmp_path / "fresh")
    assert findings(again) == findings(fresh)
