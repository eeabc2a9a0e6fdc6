"""A seeded, relational CRM export: companies, contacts, deals and activities as CSV files.

Made by our own code for the demo the wizard ships (``resources/demo``) and for the benchmark
and tests. About 2% of rows are dirty the way real exports are: invalid emails, impossible
dates, amounts that are not numbers, missing required names, links to records that are not in
the files, duplicate emails and picklist values that are not options. ``scale=1`` is 100k
companies, 1M contacts, 500k deals and 2M activities.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

SIZES = {"companies": 100_000, "contacts": 1_000_000, "deals": 500_000, "activities": 2_000_000}
FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jürgen",
         "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq"]  # fmt: skip
LAST = ["Lee", "Roy", "Dubois", "Ivanov", "Stone", "Haddad", "Hopper", "Sato", "Sousa", "Müller",
        "Okafor", "Berg", "Silva", "Kowalski", "Nakamura", "Fischer", "Moreau", "Rossi"]  # fmt: skip
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne",
         "Soylent", "Hooli", "Vandelay", "Wonka", "Gringotts", "Oscorp", "Pied Piper"]  # fmt: skip
SUFFIX = ["Inc", "Ltd", "GmbH", "LLC", "SA", "Group", "Labs", "Partners"]
INDUSTRY = ["Software", "Retail", "Banking", "Health", "Energy", "Logistics", "Media"]
STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
LIFECYCLE = ["Lead", "Subscriber", "Customer", "Marketing Qualified Lead", "Opportunity"]
AREA = ["212", "415", "646", "312", "617", "206", "303", "512", "404", "305", "718", "213"]
TYPES = ["Email", "Call", "Meeting", "Note", "Task"]

HEADERS = {
    "companies": ["Company ID", "Company Name", "Website", "Phone", "Industry", "Employees",
                  "Annual Revenue", "Parent Company ID", "City", "Country", "Account Tier"],
    "contacts": ["Contact ID", "First Name", "Last Name", "Email", "Phone", "Job Title",
                 "Company ID", "Lifecycle Stage", "Last Activity Date", "Favourite Colour"],
    "deals": ["Deal ID", "Deal Name", "Amount", "Stage", "Close Date", "Company ID",
              "Contact ID", "Probability"],
    "activities": ["Activity ID", "Activity Type", "Subject", "Activity Date", "Contact ID",
                   "Deal ID", "Notes"],
}  # fmt: skip


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("éüö", "euo"))


def _phone(rnd: random.Random) -> str:
    return (f"({rnd.choice(AREA)}) {rnd.randint(200, 999)}-{rnd.randint(0, 9999):04d}"
            if rnd.random() < 0.8 else
            f"+44 20 {rnd.randint(7000, 8999)} {rnd.randint(0, 9999):04d}")  # fmt: skip


def _day(rnd: random.Random, today: date, back: int, ahead: int = 0) -> date:
    return today + timedelta(days=rnd.randint(-back, ahead))


def generate(folder: Path, scale: float = 1.0, seed: int = 7, today: date | None = None,
             dirty: float = 0.02) -> dict[str, Path]:  # fmt: skip
    """Write the four CSV files into ``folder`` (if not already there); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    today = today or date.today()
    n = {k: max(2, int(v * scale)) for k, v in SIZES.items()}
    paths = {k: folder / f"{k}.csv" for k in SIZES}
    marker = folder / f".complete-{scale}-{seed}-{today.isoformat()}-{dirty}"
    if marker.exists() and all(p.exists() for p in paths.values()):
        return paths
    rnd = random.Random(seed)

    def dirt() -> float:
        return rnd.random() / dirty if dirty else 99.0  # < 1 for ``dirty`` of the rows

    with paths["companies"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADERS["companies"])
        for i in range(n["companies"]):
            name = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i} {rnd.choice(SUFFIX)}"
            parent = f"A{rnd.randrange(i)}" if i > 10 and rnd.random() < 0.05 else ""
            row = [f"A{i}", name, f"https://www.company{i}.com", _phone(rnd),
                   rnd.choice(INDUSTRY), str(rnd.randint(1, 50_000)),
                   f"{rnd.randint(10, 900_000) * 100:,}", parent, "Austin", "United States",
                   rnd.choice(["Gold", "Silver", "Bronze"])]  # fmt: skip
            d = dirt()
            if d < 0.3:
                row[1] = ""  # no name: named from its website
            elif d < 0.6:
                row[5] = "about fifty"  # not a number
            elif d < 1:
                row[2] = (
                    f"https://www.company{i - 1}.com" if i else row[2]
                )  # same domain, own id: kept apart
            w.writerow(row)
    with paths["contacts"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADERS["contacts"])
        for i in range(n["contacts"]):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            ascii_first, ascii_last = _ascii(first), _ascii(last)
            mail = f"{ascii_first}.{ascii_last}{i}@company{i % n['companies']}.com"
            row = [f"C{i}", first, last, mail, _phone(rnd), "Buyer",
                   f"A{rnd.randrange(n['companies'])}", rnd.choice(LIFECYCLE),
                   _day(rnd, today, 700).isoformat(),
                   rnd.choice(["red", "green", "blue"])]  # fmt: skip
            d = dirt()
            if d < 0.2:
                row[3] = mail.replace(
                    "@", " at "
                )  # invalid email: kept as written beside the field
            elif d < 0.4:
                row[8] = "2024-02-30"  # impossible date: kept as written, flagged
            elif d < 0.6:
                row[6] = f"A{n['companies'] + i}"  # company not in the files: orphan
            elif d < 0.8:
                row[3] = (
                    f"{ascii_first}.{ascii_last}{i // 2}@company{(i // 2) % n['companies']}.com"
                )
            elif d < 1:
                row[7] = "Hot prospect?"  # not a lifecycle stage: kept as written, flagged
            w.writerow(row)
    with paths["deals"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADERS["deals"])
        for i in range(n["deals"]):
            stage = rnd.choice(STAGES)
            row = [f"D{i}", f"Deal {i} {rnd.choice(WORDS)}", f"{rnd.randint(500, 250_000)}.00",
                   stage, _day(rnd, today, 400, 200).strftime("%m/%d/%Y"),
                   f"A{rnd.randrange(n['companies'])}", f"C{rnd.randrange(n['contacts'])}",
                   str(rnd.choice([10, 25, 50, 75, 90]))]  # fmt: skip
            d = dirt()
            if d < 0.3:
                row[2] = "n/a"  # not a number: kept as written, flagged
            elif d < 0.6:
                row[4] = "13/45/2024"  # impossible date: kept as written, flagged
            elif d < 1:
                row[6] = f"C{n['contacts'] + i}"  # contact not in the files: orphan
            w.writerow(row)
    with paths["activities"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADERS["activities"])
        for i in range(n["activities"]):
            row = [f"T{i}", rnd.choice(TYPES), f"Follow-up {i}",
                   _day(rnd, today, 900).isoformat() + " 10:30:00",
                   f"C{rnd.randrange(n['contacts'])}",
                   f"D{rnd.randrange(n['deals'])}" if rnd.random() < 0.5 else "",
                   "Talked about pricing; will call back."]  # fmt: skip
            d = dirt()
            if d < 0.5:
                row[1] = "Carrier pigeon"  # not an activity type: kept as written, flagged
            elif d < 1:
                row[5] = f"D{n['deals'] + i}"  # deal not in the files: orphan
            w.writerow(row)
    marker.touch()
    return paths


DEMO_SCALE, DEMO_SEED, DEMO_DAY = 0.0005, 7, date(2026, 11, 24)


def write_demo(folder: Path) -> dict[str, Path]:
    """The demo export shipped in ``resources/demo``: 50 companies, 500 contacts, 250 deals and
    1,000 activities, the same every time it is made."""
    paths = generate(folder, scale=DEMO_SCALE, seed=DEMO_SEED, today=DEMO_DAY)
    for marker in folder.glob(".complete-*"):
        marker.unlink()
    return paths


if __name__ == "__main__":  # python -m wizard.core.demo resources/demo
    write_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/demo"))
