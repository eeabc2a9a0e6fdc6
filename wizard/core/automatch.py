"""Manual CSV Import's helpers: guess a table's entity and match unknown headers to fields.

Matching runs on normalised headers against each field's synonyms (several languages):
an exact synonym is certain; otherwise rapidfuzz's similarity gives a confidence. A sample of
values refines references (ids, emails or names) and settles close calls. The admin's decision
always wins; this only suggests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process

from wizard.core.blueprint import ENTITIES, Entity, FieldType
from wizard.core.plan import FieldMap
from wizard.core.textnorm import norm, singular, split_prefix

SUGGEST = 0.8  # below this a column stays unmapped (kept as a custom field)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/?$", re.I)
_IDLIKE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_VALUE_SHAPES = {FieldType.EMAIL: _EMAIL, FieldType.DOMAIN: _DOMAIN}
_SUMMARY_HEADERS = {"count", "record count", "sum", "total", "subtotal", "grand total"}

# Words that mean "this entity" in a file name or a header prefix ("Deal - Title").
_ENTITY_WORDS: dict[str, str] = {}
for _e in ENTITIES.values():
    for _w in _e.synonyms:
        _ENTITY_WORDS[norm(_w)] = _e.name
        _ENTITY_WORDS[singular(norm(_w))] = _e.name


@dataclass
class EntityGuess:
    entity: str | None
    confidence: float
    reason: str


def entity_word(text: str) -> str | None:
    """The entity a word or phrase names ('Kontakte' -> contact), if any."""
    n = norm(text)
    return _ENTITY_WORDS.get(n) or _ENTITY_WORDS.get(singular(n))


def _name_hint(name: str) -> str | None:
    stem, _, sheet = name.partition(" [")
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]  # 'sales_teams.csv' -> 'sales_teams'
    n = norm(f"{stem} {sheet.rstrip(']')}")
    whole = entity_word(n)
    if whole:
        return whole
    words = n.split()
    # the last entity phrase wins ('hubspot-crm-exports-all-deals' -> deal), two words before
    # one ('sales teams' is owners, though 'sales' alone is deals)
    for i in range(len(words) - 1, -1, -1):
        for size in (2, 1):
            if i - size + 1 < 0:
                continue
            hit = entity_word(" ".join(words[i - size + 1 : i + 1]))
            if hit:
                return hit
    return None


def _values(sample: pd.DataFrame | None, column: str) -> list[str]:
    if sample is None or column not in sample.columns:
        return []
    return [v for v in sample[column].head(200).tolist() if isinstance(v, str) and v.strip()]


def _share(values: list[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for v in values if pattern.match(v.strip())) / len(values) if values else 0.0


def is_summary(columns: list[str]) -> bool:
    """A report summary (stage, count) holds totals, not records."""
    normed = {norm(c) for c in columns}
    return len(columns) <= 4 and bool(normed & _SUMMARY_HEADERS)


# Tables CRMs export that are none of the blueprint's entities: not imported, said why
NOT_ENTITIES = {
    "ticket": "support tickets", "tickets": "support tickets", "case": "support cases",
    "cases": "support cases", "product": "products", "products": "products",
    "line item": "line items", "line items": "line items", "lineitem": "line items",
    "lineitems": "line items", "quote": "quotes", "quotes": "quotes", "invoice": "invoices",
    "invoices": "invoices", "order": "orders", "orders": "orders", "sales order": "orders",
    "sales orders": "orders", "purchase orders": "orders", "campaign member": "campaign members",
    "campaign members": "campaign members", "campaignmember": "campaign members",
    "pricebook": "price books", "price book": "price books", "price books": "price books",
    "pricebookentry": "price books", "vendors": "vendors", "solutions": "solutions",
    "lookup": "a lookup list", "lookups": "a lookup list", "picklist values": "a lookup list",
    "produtos": "products", "produkte": "products", "produits": "products",
    "productos": "products", "chamados": "support tickets",
}  # fmt: skip


def not_an_entity(name: str) -> str | None:
    """What a table holds when its name says it is none of the entities ('Tickets.csv')."""
    stem = name.partition(" [")[0]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    words = norm(stem).split()
    if " ".join(words) in NOT_ENTITIES:  # 'Quote.csv', 'Case.csv', 'Product2.csv'
        return NOT_ENTITIES[" ".join(words)]
    for size in (2, 1):
        for i in range(len(words) - size, -1, -1):
            phrase = " ".join(words[i : i + size])
            # one word alone only in the plural: 'unclosed_quote.csv' holds no quotes
            if phrase in NOT_ENTITIES and (size == 2 or phrase.endswith("s")):
                return NOT_ENTITIES[phrase]
    return None


def detect_entity(name: str, columns: list[str], sample: pd.DataFrame | None = None,
                  profiles: dict | None = None) -> EntityGuess:  # fmt: skip
    """Which entity a table holds, from its file/sheet name, its headers and (with
    ``profiles``) its values: one email per row beside people's names is people, whatever the
    file is called ('Our customers.csv')."""
    if is_summary(columns):
        return EntityGuess(None, 0.9, "a summary report (totals per group), not records")
    other = not_an_entity(name)
    if other:
        return EntityGuess(None, 0.9, f"it holds {other}, which the new CRM's blueprint has no "
                           "place for (choose an entity for it on the Sources page to import "
                           "it anyway)")  # fmt: skip
    scores = dict.fromkeys(ENTITIES, 0.0)
    hint = _name_hint(name)
    if hint:
        scores[hint] += 3.0
    prefixes = [p for p, _ in map(split_prefix, columns) if p]
    for p in prefixes:
        e = entity_word(p)
        if e:
            scores[e] += 2.0 / max(len(prefixes), 1) * 2
    for ent in ENTITIES.values():
        matched = 0.0
        for m in match_columns(ent, columns, sample, for_detection=True):
            f = ent.field(m.field)
            if f.name in ("source_id", "description", "full_name"):
                continue
            weight = 0.5 if f.type == FieldType.REFERENCE else 1.0
            if f.required or f.unique or f.name in _SIGNATURE.get(ent.name, ()):
                weight *= 2
            matched += weight * m.confidence
        scores[ent.name] += matched / 3
    if profiles:
        shapes = [p.shape for p in profiles.values()]
        people = "person_name" in shapes or {"first name", "last name"} <= {
            norm(c) for c in columns
        }
        mails = [
            p for p in profiles.values() if p.shape == "email" and p.distinct >= 0.9 * p.filled
        ]
        if mails and people:  # people: contacts, or owners when the name says so
            scores["contact"] += 3.0
            scores["owner"] += 2.0
        elif mails:  # one email per row: people still, more likely than not
            scores["contact"] += 2.0
            scores["owner"] += 1.0
        if any(s in ("url", "domain") for s in shapes) and not mails:
            scores["company"] += 1.0
    best = max(scores, key=lambda k: scores[k])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 1.0:
        return EntityGuess(None, 0.0, "neither its name nor its columns say what it holds")
    margin = ranked[0] - ranked[1]
    confidence = min(1.0, 0.5 + margin / 4 + (0.2 if hint == best else 0.0))
    why = f"its name says {ENTITIES[best].label.lower()}" if hint == best else "its columns"
    return EntityGuess(best, round(confidence, 2), why)


_SIGNATURE = {
    "contact": ("first_name", "last_name", "email", "mobile_phone", "lifecycle_stage"),
    "company": ("domain", "industry", "employees", "annual_revenue", "website"),
    "deal": ("stage", "amount", "close_date", "probability", "pipeline"),
    "activity": ("type", "subject", "body", "occurred_at", "duration_minutes"),
    "owner": ("active",),
}


def _ref_match_by(header_norm: str, values: list[str], allowed: tuple[str, ...]) -> str:
    words = header_norm.split()
    names = values and _share(values, re.compile(r"^[^\d@]+\s[^\d@]+$")) > 0.8
    if words and words[-1] in ("id", "ids", "key", "nr", "number", "no") and not names:
        return "source_id"  # (Odoo's 'user_id' holds the user's name: matched by name)
    if "email" in words or "mail" in words or _share(values, _EMAIL) > 0.6:
        return "email" if "email" in allowed else "source_id"
    if "domain" in words and "domain" in allowed:
        return "domain"
    if (
        values
        and _share(values, _IDLIKE) > 0.95
        and all(any(ch.isdigit() for ch in v) for v in values[:50])
    ):
        return "source_id"
    return "name" if "name" in allowed else "source_id"


def _candidates(ent: Entity) -> tuple[list[str], list[str]]:
    choices, owners = [], []
    for f in ent.fields:
        for s in (f.name.replace("_", " "), *f.synonyms):
            choices.append(norm(s))
            owners.append(f.name)
    return choices, owners


_CACHE: dict[str, tuple[list[str], list[str]]] = {}


def _score(ent: Entity, header: str) -> tuple[str | None, float]:
    if ent.name not in _CACHE:
        _CACHE[ent.name] = _candidates(ent)
    choices, owners = _CACHE[ent.name]
    exact = [owners[i] for i, c in enumerate(choices) if c == header]
    if exact:
        return exact[0], 1.0
    hit = process.extractOne(header, choices, scorer=fuzz.token_sort_ratio, score_cutoff=60)
    if not hit:
        return None, 0.0
    _, score, index = hit
    short = min(len(header), len(choices[index]))
    if short <= 3 and score < 100:  # 'cp', 'ca' and friends only count when exact
        return None, 0.0
    return owners[index], round(min(score / 100, 0.95), 2)


def match_columns(ent: Entity, columns: list[str], sample: pd.DataFrame | None = None,
                  for_detection: bool = False) -> list[FieldMap]:  # fmt: skip
    """Suggest a field for each column; each field is filled from one column at most."""
    proposals: list[FieldMap] = []
    for col in columns:
        prefix, rest = split_prefix(col)
        header = norm(col)
        values = [] if for_detection else _values(sample, col)
        target, conf = None, 0.0
        prefix_entity = entity_word(prefix) if prefix else None
        if prefix_entity and prefix_entity != ent.name:
            # 'Organization - Name' in a persons export: the person's company, by name
            ref = next((f for f in ent.references if f.ref == prefix_entity), None)
            if ref is None:
                continue
            target, conf = ref.name, 0.95
            header = rest if rest not in ("id", "record id") else "id"
            match_by = "source_id" if header == "id" else None
            if match_by is None:
                match_by = {"name": "name", "email": "email", "domain": "domain",
                            "title": "name"}.get(rest) or _ref_match_by(rest, values,
                                                                        ref.match_by)  # fmt: skip
            if match_by not in ref.match_by:
                continue
            proposals.append(FieldMap(target, [col], match_by=match_by, confidence=conf))
            continue
        if prefix_entity == ent.name:
            header = rest
        words = header.split()
        if len(words) >= 2 and entity_word(words[0]) == ent.name and words[-1] != "id":
            header = " ".join(words[1:])  # Zoho's 'Potential Name' in Potentials: the name

        own_words = header.split()
        if (
            len(own_words) >= 2
            and own_words[-1] == "id"
            and (entity_word(" ".join(own_words[:-1])) == ent.name)
        ):
            target, conf = "source_id", 0.95
        else:
            target, conf = _score(ent, header)
            if header.endswith(" id") and values and _share(values, _IDLIKE) < 0.5:
                # Odoo's 'stage_id' holds 'Qualified': the stage itself
                alt, alt_conf = _score(ent, header[:-3])
                if alt_conf > conf:
                    target, conf = alt, alt_conf
        if target is None or conf < (0.6 if for_detection else SUGGEST):
            continue
        f = ent.field(target)
        fmap = FieldMap(target, [col], confidence=conf)
        if f.type == FieldType.REFERENCE:
            fmap.match_by = _ref_match_by(header, values, f.match_by)
        elif values and f.type in _VALUE_SHAPES and _share(values, _VALUE_SHAPES[f.type]) < 0.3:
            fmap.confidence = round(conf * 0.7, 2)
        proposals.append(fmap)
    # one column per field: keep the most confident (ids beat names for references)
    best: dict[str, FieldMap] = {}
    for m in proposals:
        key = m.field
        rank = (m.confidence, m.match_by == "source_id")
        if key not in best or rank > (best[key].confidence, best[key].match_by == "source_id"):
            best[key] = m
    keep = {id(m) for m in best.values()}
    return [m for m in proposals if id(m) in keep]


RESERVED = {"cutover_flag"}  # the app's own property on every flagged record


def custom_name(column: str, taken: object = ()) -> str:
    """The custom property a column becomes ('Favourite Colour' -> 'favourite_colour'), made
    unique among ``taken`` ('favourite-colour' beside it -> 'favourite_colour_2') and never
    one of the app's own names (a column called 'cutover_flag' -> 'cutover_flag_2')."""
    base = norm(column).replace(" ", "_") or "column"
    name, n = base, 1
    while name in taken or name in RESERVED:  # type: ignore[operator]
        n += 1
        name = f"{base}_{n}"
    return name
