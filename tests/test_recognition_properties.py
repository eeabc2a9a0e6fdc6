"""Property test: random relational exports (random header spellings, id formats, link styles,
file names in several languages) are recognised and linked with no plan."""

from __future__ import annotations

import csv
import sqlite3
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.migration import Migration

ID_HEADERS = ["Id", "ID", "{e}_id", "{E}ID", "{EU}ID", "{E} ID", "Record ID", "id_{e}"]
ID_FORMATS = ["int", "prefixed", "uuid", "long"]
FILES = {
    "company": ["companies", "accounts", "empresas", "Firmen", "organisations", "Kunden"],
    "contact": ["contacts", "people", "contactos", "Kontakte", "personen"],
    "deal": ["deals", "opportunities", "negocios", "Verkaufschancen", "pipeline"],
}
WORD = {"company": ("account", "Account", "ACCOUNT"), "contact": ("contact", "Contact", "CONTACT"),
        "deal": ("deal", "Deal", "DEAL")}  # fmt: skip
LINK_BY = ["id", "name", "name written otherwise"]
COMPANY_COLUMNS = ["Company", "Account Name", "Empresa", "Firma", "Organisation"]


def _id(fmt: str, kind: int, i: int) -> str:
    return {
        "int": str(kind * 1000 + i),
        "prefixed": f"{'ACD'[kind]}-{i:05d}",
        "uuid": str(uuid.UUID(int=(kind << 32) + i + 1)),
        "long": f"{kind + 3}6523970000{i:08d}",
    }[fmt]


def _header(pattern: str, entity: str) -> str:
    e, E, EU = WORD[entity]
    return pattern.format(e=e, E=E, EU=EU)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    id_header=st.sampled_from(ID_HEADERS),
    id_format=st.sampled_from(ID_FORMATS),
    names=st.tuples(*(st.sampled_from(v) for v in FILES.values())),
    company_link=st.sampled_from(LINK_BY),
    company_column=st.sampled_from(COMPANY_COLUMNS),
    deal_link=st.sampled_from(["id", "email"]),
    sizes=st.tuples(st.integers(5, 30), st.integers(10, 60), st.integers(5, 40)),
)
def test_random_exports_are_recognised_and_linked(tmp_path_factory, id_header, id_format, names,
                                                  company_link, company_column, deal_link,
                                                  sizes) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("export")
    n_comp, n_people, n_deals = sizes
    comp_ids = [_id(id_format, 0, i) for i in range(n_comp)]
    comp_names = [f"Company {chr(65 + i % 26)}{i} Ltd" for i in range(n_comp)]
    _write(folder / f"{names[0]}.csv", [_header(id_header, "company"), "Name", "City"],
           [[comp_ids[i], comp_names[i], "Lisbon"] for i in range(n_comp)])  # fmt: skip
    people_ids = [_id(id_format, 1, i) for i in range(n_people)]
    emails = [f"person{i}@example{i % 7}.com" for i in range(n_people)]
    link_col = _header("{E} ID", "company") if company_link == "id" else company_column

    def named(i: int) -> str:  # 'Company B1 Ltd' as another export writes it: 'company b1 limited'
        name = comp_names[i % n_comp]
        if company_link == "name written otherwise":
            return "  " + name.lower().replace(" ltd", " Limited") + " "
        return name

    _write(folder / f"{names[1]}.csv",
           [_header(id_header, "contact"), "First Name", "Last Name", "Email", link_col],
           [[people_ids[i], f"First{i}", f"Last{i}", emails[i],
             comp_ids[i % n_comp] if company_link == "id" else named(i)]
            for i in range(n_people)])  # fmt: skip
    contact_col = _header("{E} ID", "contact") if deal_link == "id" else "Contact email"
    _write(folder / f"{names[2]}.csv",
           [_header(id_header, "deal"), "Deal Name", "Amount", contact_col],
           [[_id(id_format, 2, i), f"Deal {i}", str(100 * (i + 1)),
             people_ids[i % n_people] if deal_link == "id" else emails[i % n_people]]
            for i in range(n_deals)])  # fmt: skip
    project = tmp_path_factory.mktemp("project")
    with Migration(project) as mig:
        mig.migrate([folder])
        plan = mig.require_plan()
        entities = {Path(s.file).stem: s.entity for s in plan.sources}
        fidelity = {f.label: f for f in mig.fidelity()}
    assert entities == {names[0]: "company", names[1]: "contact", names[2]: "deal"}
    db = sqlite3.connect(project / "sandbox.db")
    try:
        counts = [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("companies", "contacts", "deals")]  # fmt: skip
        linked = (db.execute("SELECT COUNT(company_id) FROM contacts").fetchone()[0],
                  db.execute("SELECT COUNT(contact_id) FROM deals").fetchone()[0])  # fmt: skip
        # the links are right, not only present: each contact's company is the one it names
        wrong = db.execute(
            "SELECT COUNT(*) FROM contacts c JOIN companies p ON p.id=c.company_id WHERE "
            "CAST(substr(c.first_name, 6) AS INTEGER) % ? != "
            "(SELECT COUNT(*) FROM companies q WHERE q.id < p.id)",
            (n_comp,),
        ).fetchone()[0]
    finally:
        db.close()
    assert counts == [n_comp, n_people, n_deals]
    assert linked == (n_people, n_deals)
    assert wrong == 0
    assert all(f.complete for f in fidelity.values()), [f.line() for f in fidelity.values()]


NAME_TEXT = st.lists(
    st.sampled_from([*"abcXYZ ij-_.'Ds0 9", "é", "ß", "İ", "\u0301", "Æ", "ﬁ", "Ω", "\t", "__c",
                     "IDs", "Mc", "O'", "-Ann"]),
    max_size=8,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True)
@given(parents=st.lists(NAME_TEXT, max_size=25), others=st.lists(NAME_TEXT, max_size=10),
       pick=st.lists(st.booleans(), max_size=25))  # fmt: skip
def test_the_names_worked_out_in_c_first_keep_every_name_a_child_may_point_to(parents, others,
                                                                              pick) -> None:  # fmt: skip
    # the parent table's names, some of them the children's (as another export writes them)
    import pyarrow as pa

    from wizard.core.recognition.links import _may_be_person_keys
    from wizard.core.validate import person_key

    names = [n.strip() for n in parents]
    wanted = {person_key(n) for n, p in zip(names, pick, strict=False) if p}
    wanted |= {person_key(n.upper()) for n in others} | {person_key(n) for n in others}
    wanted.discard("")
    letters = pa.array(list({w.replace(" ", "") for w in wanted}), pa.string())
    kept = set(_may_be_person_keys(names, letters))
    assert {n for n in names if person_key(n) in wanted} <= kept


def test_the_names_worked_out_in_c_first_leave_out_the_names_no_child_points_to() -> None:
    import pyarrow as pa

    from wizard.core.recognition.links import _may_be_person_keys

    letters = pa.array(["maryannoneil", "mcdonald"], pa.string())
    names = ["Mary-Ann O'Neil", "MARY ANN ONEIL", "Mc Donald", "McDonald", "John Smith",
             "José Núñez", "Ann__c"]  # fmt: skip
    assert _may_be_person_keys(names, letters) == [
        "Mary-Ann O'Neil",
        "MARY ANN ONEIL",
        "Mc Donald",
        "McDonald",
        "José Núñez",
        "Ann__c",
    ]
