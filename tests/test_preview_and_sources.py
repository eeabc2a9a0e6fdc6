"""The mapping page's live preview and the Sources page's corrections, in the core."""

from __future__ import annotations

from pathlib import Path

from tests.test_pipeline import crm, write
from wizard.core.mapping import remap
from wizard.core.migration import Migration
from wizard.core.preview import distinct_values, preview_rows
from wizard.core.sources import ReadOptions


def _prepared(tmp_path: Path):
    mig = Migration(tmp_path / "project")
    prepared = mig.prepare([crm(tmp_path / "export")])
    return mig, prepared


def _splan(prepared, name: str):
    return next(s for s in prepared.plan.sources if Path(s.file).name == name)


def test_preview_shows_clean_values_and_explains_problem_cells(tmp_path: Path) -> None:
    mig, prepared = _prepared(tmp_path)
    deals = _splan(prepared, "deals.csv")
    pv = preview_rows(prepared.plan, deals, prepared.source_of(deals))
    assert pv.rows == [2, 3, 4, 5] and "amount" in pv.fields and "name" in pv.fields
    amount = pv.fields.index("amount")
    # 'lots' is not a number: shown as written, flagged, and the row still loads
    assert [r[amount] for r in pv.values] == ["1000", "500", "lots", "10"]
    problem = pv.problems[(2, amount)]
    assert problem.severity == "warning" and "lots" in problem.message and problem.fix
    assert "kept as written" in problem.message
    assert pv.row_errors == {} and pv.counts()["error"] == 0
    contacts = _splan(prepared, "contacts.csv")
    pv = preview_rows(prepared.plan, contacts, prepared.source_of(contacts))
    email = pv.fields.index("email")
    assert pv.problems[(4, email)].severity == "warning"  # 'not an email' is kept aside
    assert pv.values[4][email] == "not an email"
    assert pv.row_errors == {6: pv.row_errors[6]}  # the row with nothing to tell it apart
    mig.close()


def test_preview_follows_transforms_and_value_maps(tmp_path: Path) -> None:
    mig, prepared = _prepared(tmp_path)
    contacts = _splan(prepared, "contacts.csv")
    remap(contacts, "last_name", ["Last Name"], transforms=["upper"])
    pv = preview_rows(prepared.plan, contacts, prepared.source_of(contacts))
    assert pv.values[0][pv.fields.index("last_name")] == "LEE"
    acts = _splan(prepared, "activities.csv")
    kind = next(f for f in acts.fields if f.field == "type")
    assert "Carrier pigeon" in distinct_values(prepared.source_of(acts), kind.columns)
    pv = preview_rows(prepared.plan, acts, prepared.source_of(acts))
    col = pv.fields.index("type")
    assert pv.problems[(3, col)].severity == "warning"
    assert pv.values[3][col] == "Carrier pigeon"  # kept as written until it is mapped
    acts.value_maps.setdefault("type", {})["Carrier pigeon"] = "Note"
    pv = preview_rows(prepared.plan, acts, prepared.source_of(acts))
    assert (3, col) not in pv.problems and pv.values[3][col] == "Note"
    mig.close()


def test_change_a_files_reading_and_entity(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    write(folder / "people.csv", ["Exported by Acme CRM", "", ""], [
        ["First Name", "Last Name", "Email"],
        ["Ann", "Lee", "ann@x.com"],
    ])  # fmt: skip
    mig = Migration(tmp_path / "project")
    prepared = mig.prepare([folder])
    splan = prepared.plan.sources[0]
    assert prepared.source_of(splan).options.header_row == 2  # the title row is skipped
    # the admin says the header is row 1: the columns change, the file is mapped again
    new = prepared.change_source(splan, ReadOptions(header_row=1))
    assert new is prepared.plan.sources[0] and new.options.header_row == 1
    assert prepared.source_of(new).columns[0] == "Exported by Acme CRM"
    back = prepared.change_source(new, ReadOptions(header_row=2))
    assert back.entity == "contact" and back.field_map("email") is not None
    # what the file holds: not imported, then companies (mapped against company fields)
    skipped = prepared.change_source(back, entity="")
    assert skipped.entity is None and "chose" in skipped.note
    company = prepared.change_source(skipped, entity="company")
    assert company.entity == "company" and company.entity_confidence == 1.0
    # the same columns and entity: the admin's mapping is kept
    remap(company, "name", ["Last Name"])
    kept = prepared.change_source(company, ReadOptions(encoding="cp1252", delimiter=",",
                                                       header_row=2))  # fmt: skip
    assert kept is company and kept.field_map("name").columns == ["Last Name"]
    assert prepared.source_of(kept).options.encoding == "cp1252"
    mig.close()


def test_value_maps_see_values_past_the_first_rows(tmp_path: Path) -> None:
    from wizard.core.preview import unmatched_values

    rows = [[f"D{i}", f"Deal {i}", "Won" if i % 2 else "Qualified To Buy"] for i in range(3000)]
    rows[2600][2] = "Parked by finance"  # first seen far past the 2,000 rows a preview reads
    write(tmp_path / "export" / "deals.csv", ["Deal ID", "Deal Name", "Stage"], rows)
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([tmp_path / "export"])
        for _ in mig.stage(prepared):
            pass
        deals = prepared.plan.sources[0]
        assert "Parked by finance" not in distinct_values(prepared.source_of(deals), ["Stage"])
        assert unmatched_values(mig.ledger, deals, "stage") == ["Parked by finance"]


def test_an_encoding_guess_that_leaves_bytes_undefined_still_reads(tmp_path) -> None:
    """charset-normalizer may name a code page (cp856) in which some bytes mean nothing: the
    single-byte test must not trip over them (it raised UnicodeDecodeError, found by the
    random-bytes property test)."""
    from wizard.core.errors import SourceError
    from wizard.core.sources import open_source

    path = tmp_path / "odd.csv"
    path.write_bytes(b"\tAaA\x80\t ")
    try:
        source = open_source(path)
    except SourceError:
        return  # refused in plain words is fine; a raw decoding error is not
    for _ in source.chunks():
        pass


def test_nul_bytes_are_removed_block_by_block_and_counted(tmp_path) -> None:
    """A UTF-8 export with NULs (a faulty export) in a value, and a run of them longer than a
    read block after the sample: every row reads, the values keep everything else, and the
    notice counts every NUL removed."""
    import pandas as pd

    from wizard.core.sources import open_source

    rows = b"".join(b"P%d,p%d@example.com\r\n" % (i, i) for i in range(20_000))
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Name,Email\r\nAnn\x00,ann@example.com\r\n" + rows + b"\x00" * 3_000_000
                     + b"Bob,bob@example.com\r\nJos\xc3\xa9\x00\x00,jose@example.com\r\n")  # fmt: skip
    source = open_source(path)
    frame = pd.concat(list(source.chunks(5_000)))
    assert len(frame) == 20_003
    assert frame.iloc[0].tolist() == ["Ann", "ann@example.com"]
    assert frame.iloc[-2:].values.tolist() == [["Bob", "bob@example.com"],
                                               ["José", "jose@example.com"]]  # fmt: skip
    assert [n.message.split(" invisible")[0] for n in source.read_notices] == ["3,000,003"]
