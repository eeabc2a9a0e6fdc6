"""Drag and drop for the mapping lives in the models: a column's MIME payload dropped on a
field maps it (through the core's remap), the keyboard alternative does the same, unmapped
columns go back to custom fields, and both models pass Qt's model tester."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import QMimeData, QModelIndex, Qt

from tests.test_pipeline import crm
from wizard.core.mapping import plan_source
from wizard.core.sources import open_source
from wizard.gui.models.mapping import MIME, FieldMappingModel, SourceColumnsModel


def _contacts(tmp_path: Path):
    source = open_source(crm(tmp_path / "export") / "contacts.csv")
    return source, plan_source(source)


def test_drop_maps_a_column_onto_a_field(qtmodeltester, tmp_path: Path) -> None:
    source, splan = _contacts(tmp_path)
    columns = SourceColumnsModel(splan, source.columns, source.preview(50))
    fields = FieldMappingModel(splan)
    qtmodeltester.check(columns)
    qtmodeltester.check(fields)
    assert "shoe_size" in splan.custom.values()
    shoe = columns.index(source.columns.index("Shoe Size"))
    assert columns.flags(shoe) & Qt.ItemFlag.ItemIsDragEnabled
    payload = columns.mimeData([shoe])
    assert payload.hasFormat(MIME) and "e.g. 38" in columns.data(shoe, Qt.ItemDataRole.ToolTipRole)
    title = [f.name for f in fields.fields].index("title")
    target = fields.index(title, 0)
    assert fields.canDropMimeData(payload, Qt.DropAction.CopyAction, -1, -1, target)
    assert fields.dropMimeData(payload, Qt.DropAction.CopyAction, -1, -1, target)
    assert splan.field_map("title").columns == ["Shoe Size"]
    assert splan.field_map("title").origin == "admin"
    assert "Shoe Size" not in splan.custom
    assert fields.data(fields.index(title, 1)) == "Shoe Size"
    assert "→ Job title" in columns.data(shoe)
    # unmapping gives the column back as a custom field: nothing dropped without a word
    fields.unmap(title)
    assert splan.field_map("title") is None and splan.custom["Shoe Size"] == "shoe_size"
    qtmodeltester.check(fields)


def test_keyboard_alternative_accept_and_refusals(tmp_path: Path) -> None:
    _source, splan = _contacts(tmp_path)
    fields = FieldMappingModel(splan)
    email = [f.name for f in fields.fields].index("email")
    assert fields.data(fields.index(email, 3)) == "suggested"
    fields.accept(email)
    assert (
        splan.field_map("email").origin == "admin" and fields.data(fields.index(email, 3)) == "you"
    )
    dept = [f.name for f in fields.fields].index("department")
    assert fields.assign(dept, "Last Name") and splan.field_map("department").columns == [
        "Last Name"
    ]
    assert splan.field_map("last_name").columns == ["Last Name"]  # one column, two fields
    other = QMimeData()
    other.setText("Shoe Size")  # not our payload
    assert not fields.dropMimeData(other, Qt.DropAction.CopyAction, -1, -1, fields.index(0, 0))
    deals = SourceColumnsModel(plan_source(open_source(tmp_path / "export" / "deals.csv")),
                               ["Deal ID"])  # fmt: skip
    foreign = deals.mimeData([deals.index(0)])
    assert foreign.hasFormat(MIME)  # a column of another file does not map onto contacts
    assert not fields.canDropMimeData(foreign, Qt.DropAction.CopyAction, -1, -1, fields.index(0, 0))
    assert not deals.mimeData([QModelIndex()]).hasFormat(MIME)
    assert fields.missing_required() == []


def test_a_field_no_column_fills_gets_one_value_for_every_row(tmp_path) -> None:
    """The engine's constants, reachable in the wizard: an owners file without emails gets
    one (the field model), and the check fills every row with it."""
    from tests.test_pipeline import write
    from wizard.core.mapping import build_plan
    from wizard.core.preview import preview_rows
    from wizard.core.sources import open_source
    from wizard.gui.models.mapping import FieldMappingModel

    path = write(tmp_path / "deals.csv", ["Deal ID", "Deal Name", "Amount"],
                 [["D1", "Big", "10"], ["D2", "Small", "5"]])  # fmt: skip
    source = open_source(path)
    plan = build_plan([source])
    splan = plan.sources[0]
    model = FieldMappingModel(splan)
    row = [f.name for f in model.fields].index("pipeline")
    linked = [f.name for f in model.fields].index("company")
    assert not model.set_constant(linked, "A1")  # a link is matched, never a constant
    assert model.set_constant(row, " Enterprise ")
    assert splan.constants == {"pipeline": "Enterprise"}
    assert model.data(model.index(row, 1)) == "every row: Enterprise"
    pv = preview_rows(plan, splan, source)
    at = pv.fields.index("pipeline")
    assert [r[at] for r in pv.values] == ["Enterprise", "Enterprise"]
    assert model.set_constant(row, "") and splan.constants == {}


def test_columns_combine_into_one_field_and_numbers_scale(tmp_path) -> None:
    """A deal name from two columns, revenue written in millions: both reachable in the
    wizard (the field model and the transforms list) and exact in the check."""
    from tests.test_pipeline import write
    from wizard.core.mapping import build_plan
    from wizard.core.preview import preview_rows
    from wizard.core.sources import open_source
    from wizard.core.transforms import TRANSFORM_LABELS, parse_numbers
    from wizard.gui.models.mapping import FieldMappingModel

    path = write(tmp_path / "deals.csv", ["Deal ID", "Deal Name", "Region", "Amount (M)"],
                 [["D1", "Renewal", "EMEA", "1.1"], ["D2", "Upsell", "APAC", "0,5"]])  # fmt: skip
    source = open_source(path)
    plan = build_plan([source])
    splan = plan.sources[0]
    model = FieldMappingModel(splan)
    names = [f.name for f in model.fields]
    name, amount, company = names.index("name"), names.index("amount"), names.index("company")
    assert model.assign(name, "Deal Name") and model.assign(name, "Region", add=True)
    assert splan.field_map("name").columns == ["Deal Name", "Region"]
    assert not model.assign(name, "Region", add=True)  # already there
    assert not model.assign(company, "Region", add=True)  # a link takes one column
    assert model.assign(amount, "Amount (M)") and model.set_transforms(amount, ["times_1000000"])
    assert "millions" in TRANSFORM_LABELS["times_1000000"]
    splan.decimal_marks["Amount (M)"] = "."
    pv = preview_rows(plan, splan, source)
    rows = {f: [r[pv.fields.index(f)] for r in pv.values] for f in ("name", "amount")}
    assert rows["name"] == ["Renewal EMEA", "Upsell APAC"]
    assert rows["amount"][0] == "1100000"  # exact: not 1100000.0000000002
    out, bad = parse_numbers(pd.Series(["12,34", "7"], dtype=object), ",", "0.01")
    assert out.tolist() == ["0.1234", "0.07"] and not bad.any()


def test_a_value_becomes_a_new_picklist_option_for_every_file(tmp_path) -> None:
    from tests.test_pipeline import write
    from wizard.core.mapping import build_plan
    from wizard.core.plan import Plan
    from wizard.core.preview import preview_rows
    from wizard.core.sources import open_source

    path = write(tmp_path / "contacts.csv", ["Contact ID", "Email", "Lifecycle Stage"],
                 [["C1", "a@x.com", "Hot prospect"], ["C2", "b@x.com", "Lead"]])  # fmt: skip
    source = open_source(path)
    plan = build_plan([source])
    splan = plan.sources[0]
    model = FieldMappingModel(splan, plan=plan)
    row = [f.name for f in model.fields].index("lifecycle_stage")
    before = preview_rows(plan, splan, source)
    assert before.counts()["warning"] == 1  # 'Hot prospect' is no option: flagged
    assert model.add_option(row, "Hot prospect") and not model.add_option(row, "Lead")
    assert model.options(row)[-1] == "Hot prospect"
    after = preview_rows(plan, splan, source)
    at = after.fields.index("lifecycle_stage")
    assert [r[at] for r in after.values] == ["Hot prospect", "Lead"] and not after.counts()
    again = Plan.from_dict(plan.to_dict())  # kept in the plan file, and checked when loaded
    assert again.options == {"contact.lifecycle_stage": ["Hot prospect"]}
