"""Build a plan from sources: Integration Sync presets first, then auto-matching, then custom.

Also decides, from the data, what a replay needs fixed in the plan: each date column's
day/month order, each number column's decimal mark, and picklist value maps.
"""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz, process

from wizard.core.automatch import (
    SUGGEST,
    custom_name,
    detect_entity,
    is_summary,
    match_columns,
    not_an_entity,
)
from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.errors import CutoverError
from wizard.core.plan import FieldMap, Plan, SourcePlan
from wizard.core.presets import apply_spec, recognise
from wizard.core.recognition.links import (
    Link,
    apply_links,
    candidate_columns,
    infer,
    reference_field,
    table_keys,
)
from wizard.core.recognition.profile import profile_table
from wizard.core.recognition.refine import record_id_column, refine
from wizard.core.sources import Source
from wizard.core.textnorm import norm
from wizard.core.transforms import DateEvidence, decide_decimal

SAMPLE_ROWS = 2000


def _sample_values(sample: pd.DataFrame, column: str) -> list[str]:
    return [v for v in sample[column].tolist() if v.strip()]


def auto_value_map(values: list[str], options: tuple[str, ...],
                   known: dict[str, str]) -> dict[str, str]:  # fmt: skip
    """Map each distinct source value to an option: preset map, exact (any case), or close."""
    out: dict[str, str] = {}
    normed = {norm(o): o for o in options}
    for v in dict.fromkeys(x.strip() for x in values):
        if not v:
            continue
        if v in known:
            out[v] = known[v]
        elif norm(v) in normed:
            out[v] = normed[norm(v)]
        else:
            hit = process.extractOne(norm(v), list(normed), scorer=fuzz.ratio, score_cutoff=88)
            if hit:
                out[v] = normed[hit[0]]
    return out


def decide_formats(splan: SourcePlan, sample: pd.DataFrame) -> None:
    """Fill date orders and decimal marks for mapped date and number columns."""
    ent = ENTITIES.get(splan.entity or "")
    if ent is None:
        return
    evidence: dict[str, DateEvidence] = {}
    for fm in splan.fields:
        f = ent.field(fm.field)
        for col in fm.columns:
            if col not in sample.columns:
                continue
            if f.type in (FieldType.DATE, FieldType.DATETIME):
                ev = DateEvidence()
                ev.add(_sample_values(sample, col))
                evidence[col] = ev
            elif f.type in (FieldType.NUMBER, FieldType.MONEY):
                splan.decimal_marks.setdefault(col, decide_decimal(_sample_values(sample, col)))
    # a column that cannot decide follows the other date columns of the same export
    settled = [ev.order()[0] for ev in evidence.values() if ev.order() == (ev.order()[0], True)]
    settled = [o for o in settled if o]
    file_order = max(set(settled), key=settled.count) if settled else None
    for col, ev in evidence.items():
        if col in splan.date_orders:
            continue
        order, sure = ev.order()
        if order and sure:
            splan.date_orders[col] = order
        elif ev.ambiguous or ev.dmy or ev.mdy:
            # '?' marks a guess the admin should confirm; the validation report says so
            splan.date_orders[col] = (file_order or order or "MDY") + "?"
        else:
            splan.date_orders[col] = "MDY"


def plan_source(source: Source, sample: pd.DataFrame | None = None,
                entity: str | None = None, profiles: dict | None = None) -> SourcePlan:  # fmt: skip
    """Recognise one table and map its columns, with no manual work.

    ``entity`` is the admin's word on what the table holds ('' for 'not imported'): a known
    export's preset is still used when it holds that entity, otherwise the columns are matched
    against that entity's fields."""
    if sample is None:
        sample = source.preview(SAMPLE_ROWS)
    columns = source.columns
    profiles = profiles if profiles is not None else profile_table(sample)
    splan = SourcePlan(file=str(source.path), options=source.options)
    rec = recognise(source.label, columns, sample)
    if rec and entity is not None and rec.spec.entity != (entity or None):
        rec = None
    skipped: list[str] = []
    if entity == "":
        splan.note = "you chose not to import it"
    elif entity is not None and rec is None:
        splan.entity, splan.entity_confidence = entity, 1.0
    elif rec:
        spec = rec.spec
        splan.preset, splan.preset_object = rec.preset, rec.object
        splan.entity, splan.entity_confidence = spec.entity, rec.confidence
        splan.note = spec.note
        splan.fields, skipped = apply_spec(spec, columns)
        splan.constants = dict(spec.constants)
        splan.value_maps = {k: dict(v) for k, v in spec.value_maps.items()}
        if spec.merge_into and spec.merge_into["column"] in columns:
            splan.merge_into = dict(spec.merge_into)  # the column itself stays, as custom
    else:
        guess = detect_entity(source.label, columns, sample, profiles)
        splan.entity, splan.entity_confidence = guess.entity, guess.confidence
        if guess.entity is None:
            splan.note = f"{guess.reason}."
    if splan.entity:
        ent = ENTITIES[splan.entity]
        taken = {m.field for m in splan.fields} | set(splan.constants)
        used = splan.mapped_columns() | set(skipped)
        rest = [c for c in columns if c not in used]
        for m in match_columns(ent, rest, sample):
            if m.field not in taken and m.confidence >= SUGGEST:
                splan.fields.append(m)
                taken.add(m.field)
        splan.notes = refine(splan, profiles, source.label)
        _match_by_values(splan, ent, profiles)
        used = splan.mapped_columns() | set(skipped)
        splan.custom = {}
        for c in columns:
            if c not in used:
                splan.custom[c] = custom_name(c, set(splan.custom.values()))
        splan.skipped = skipped
        for fm in splan.fields:
            f = ent.field(fm.field)
            if f.type == FieldType.PICKLIST and fm.columns[0] in sample.columns:
                splan.value_maps[f.name] = auto_value_map(
                    _sample_values(sample, fm.columns[0]),
                    f.options,
                    splan.value_maps.get(f.name, {}),
                )
        decide_formats(splan, sample)
    return splan


_JUNCTION_WORDS = {"role", "roles", "relation", "relations", "relationship", "association",
                   "associations", "junction", "link", "links", "member", "members"}  # fmt: skip


def _junction(label: str, links: list[Link]) -> tuple[Link, Link] | None:
    """A table whose rows only tie records of two other files together (Salesforce's
    OpportunityContactRole and AccountContactRelation, association exports): (the link to the
    records it adds to, the link to what it adds)."""
    words = set(norm(label.rsplit(".", 1)[0]).split())
    if not words & _JUNCTION_WORDS:
        return None
    by_id = [ln for ln in links if ln.key.match_by == "source_id" and not ln.polymorphic]
    for owner in by_id:
        for other in by_id:
            if other.key.entity != owner.key.entity and reference_field(
                owner.key.entity, other.key.entity, "source_id"
            ):
                return owner, other
    return None


def _junction_plan(source: Source, sample: pd.DataFrame, profiles: dict, owner: Link,
                   other: Link) -> SourcePlan:  # fmt: skip
    """Each row is merged into the record it adds to (which keeps every link, the first as its
    own and all as associations, and the row's other values); a row whose record no file
    holds cannot exist on its own."""
    splan = plan_source(source, sample, entity=owner.key.entity, profiles=profiles)
    field = reference_field(owner.key.entity, other.key.entity, "source_id") or ""
    splan.fields = [m for m in splan.fields if m.field != field and m.columns != [owner.column]
                    and m.columns != [other.column]]  # fmt: skip
    splan.fields.append(FieldMap(field, [other.column], match_by="source_id",
                                 confidence=other.contained))  # fmt: skip
    splan.merge_into = {"column": owner.column, "entity": owner.key.entity, "required": True}
    splan.custom.pop(other.column, None)
    own = record_id_column(splan, profiles, source.label)  # the row's own id, if it has one
    if own and splan.field_map("source_id") is None:
        splan.fields.insert(0, FieldMap("source_id", [own], confidence=0.9))
        splan.custom.pop(own, None)
    splan.entity_confidence = 0.8
    what = ENTITIES[owner.key.entity].label.lower()
    to = ENTITIES[other.key.entity].label.lower()
    splan.notes.insert(0, f"it ties {what} to {to}: each row is merged into the record its "
                       f"{owner.column} names, which keeps every one of its {to} (the first as "
                       "its link, all as associations) and the row's other values")  # fmt: skip
    return splan


def _count_rows(source: Source) -> int:
    try:
        return sum(len(frame) for frame in source.chunks())
    except CutoverError:
        return 0


def _match_by_values(splan: SourcePlan, ent, profiles: dict) -> None:
    """A link said to match by name whose values are emails (HubSpot's 'Contact owner' in some
    exports) or web addresses matches by those instead."""
    for fm in splan.fields:
        f = ent.field(fm.field) if ent.has(fm.field) else None
        prof = profiles.get(fm.columns[0]) if len(fm.columns) == 1 else None
        if f is None or f.type != FieldType.REFERENCE or prof is None or fm.match_by != "name":
            continue
        better = {"email": "email", "domain": "domain", "url": "domain"}.get(prof.shape)
        if better and better in f.match_by:
            fm.match_by = better
            if better == "domain" and prof.shape == "url":
                fm.transforms = [*fm.transforms, "domain_from_url"]
            splan.notes.append(f"{fm.columns[0]} holds {prof.shape}s: its link matches by "
                               f"{better}")  # fmt: skip


def build_plan(sources: list[Source], method: str | None = None) -> Plan:
    """A whole plan for the given tables; Integration Sync when a known CRM was recognised.

    Recognition, as one pipeline: each table is profiled, its entity detected and its columns
    matched (``plan_source``); then the links between the tables are inferred from the
    values, and a table no name or header explained becomes activities when its rows hang on
    records of the others (a campaign send, a transaction of a customer)."""
    samples = [s.preview(SAMPLE_ROWS) for s in sources]
    profiles = [profile_table(sample) for sample in samples]
    splans = [plan_source(s, sample, profiles=p)
              for s, sample, p in zip(sources, samples, profiles, strict=True)]  # fmt: skip
    _link_tables(sources, samples, splans, profiles)
    derived = derive_parents(splans)
    for sp, source, sample in zip(splans, sources, samples, strict=True):
        if sp.entity is None:  # how much is left out is part of the reason
            rows = len(sample) if len(sample) < SAMPLE_ROWS else _count_rows(source)
            left = "its 1 row is" if rows == 1 else f"its {rows:,} rows are"
            sp.note = f"{sp.note.rstrip('.')}; {left} left out."
    presets = {sp.preset for sp in splans if sp.preset}
    preset = presets.pop() if len(presets) == 1 else None
    chosen = method or ("integration_sync" if preset else "manual")
    return Plan(method=chosen, preset=preset, sources=splans, derived=derived)


def derive_parents(splans: list[SourcePlan]) -> list[dict[str, str | None]]:
    """Parents no file holds, to be made from the references to them: a company per name or
    domain in a contacts file's company column, an owner per email or name in an owner column
    (flagged to invite). Said in the child's notes."""
    present = {sp.entity for sp in splans if sp.entity}
    out: list[dict[str, str | None]] = []
    for sp in splans:
        if not sp.entity:
            continue
        ent = ENTITIES[sp.entity]
        for fm in sp.fields:
            f = ent.field(fm.field) if ent.has(fm.field) else None
            if (f is None or f.type != FieldType.REFERENCE or f.ref in present
                    or f.ref not in ("company", "owner")  # deals or people from a name: no
                    or fm.match_by not in ("name", "email", "domain") or len(fm.columns) != 1):  # fmt: skip
                continue
            parent = ENTITIES[f.ref or ""]
            out.append({"entity": parent.name, "file": sp.file, "sheet": sp.options.sheet,
                        "field": f.name, "match_by": fm.match_by, "column": fm.columns[0]})  # fmt: skip
            what = parent.label.split(" (")[0].lower()
            sp.notes.append(f"no file holds {what}: they are made from {fm.columns[0]} "
                            f"(one per {fm.match_by.replace('_', ' ')})"
                            + (", flagged to invite" if parent.name == "owner" else ""))  # fmt: skip
    return out


def _link_tables(sources: list[Source], samples: list[pd.DataFrame], splans: list[SourcePlan],
                 profiles: list[dict]) -> None:  # fmt: skip
    tables = list(zip(sources, samples, profiles, [s.entity for s in splans], strict=True))
    keys = [k for t, sp in enumerate(splans) for k in table_keys(t, sp, profiles[t])]
    if not keys:
        return
    # tables nothing explained, not summaries and not the admin's 'not imported', are tried too
    open_ = [t for t, sp in enumerate(splans) if sp.entity is None and not sp.preset
             and not is_summary(sources[t].columns) and not not_an_entity(sources[t].label)]  # fmt: skip
    # and tables whose name says they tie records together, whatever entity the name suggests
    ties = {t: sp for t, sp in enumerate(splans) if sp.entity and not sp.preset
            and _JUNCTION_WORDS & set(norm(sources[t].label.rsplit(".", 1)[0]).split())}  # fmt: skip
    open_ += list(ties)
    for t in open_:
        splans[t].entity = "activity"  # as a hypothesis, for the candidates
    candidates = [(t, c) for t, sp in enumerate(splans) if sp.entity
                  for c in candidate_columns(t, sp, profiles[t])]  # fmt: skip
    links = infer(tables, keys, candidates, SAMPLE_ROWS)
    junctions: dict[int, tuple[Link, Link]] = {}
    for t in open_:
        mine = [ln for ln in links if ln.table == t and ln.key.entity in ("contact", "company",
                                                                           "deal")]  # fmt: skip
        dated = any(p.shape == "date" for p in profiles[t].values())
        pair = _junction(sources[t].label, mine)
        if pair:
            junctions[t] = pair
            splans[t] = _junction_plan(sources[t], samples[t], profiles[t], *pair)
        elif t in ties:  # not a tie after all: what its name and columns said stands
            splans[t] = plan_source(sources[t], samples[t], profiles=profiles[t])
        elif mine and dated:
            note = splans[t].note
            splans[t] = plan_source(sources[t], samples[t], entity="activity",
                                    profiles=profiles[t])  # fmt: skip
            splans[t].entity_confidence = 0.7
            splans[t].notes.insert(0, "its rows hang on records of the other files and carry "
                                   "a date: activities" + (f" ({note.rstrip('.')})" if note
                                                           else ""))  # fmt: skip
        else:
            splans[t].entity = None
    links = [ln for ln in links if splans[ln.table].entity and ln.table not in junctions]
    for t, text in apply_links(splans, links):
        splans[t].notes.append(text)
    for sp, source in zip(splans, sources, strict=True):
        if sp.entity:  # a column a link took over from stays as a custom field, never lost
            used = sp.mapped_columns() | set(sp.skipped)
            for c in source.columns:
                if c not in used:
                    sp.custom.setdefault(c, custom_name(c, set(sp.custom.values())))
    for t, sp in enumerate(splans):
        if sp.entity == "activity" and sp.field_map("occurred_at") is None:
            dates = [c for c, p in profiles[t].items() if p.shape == "date"
                     and c not in sp.mapped_columns()]  # fmt: skip
            if dates:
                sp.fields.append(FieldMap("occurred_at", [dates[0]], confidence=0.7))
                sp.custom.pop(dates[0], None)
                sp.notes.append(f"{dates[0]} holds the activity's date")
        if sp.entity:
            decide_formats(sp, samples[t])


def remap(splan: SourcePlan, field: str, columns: list[str], **extra: object) -> None:
    """The admin's decision: ``field`` comes from ``columns`` (an empty list unmaps it).

    One column may feed several fields (a full name split into first and last). A column no
    longer mapped anywhere becomes a custom field again, so nothing is dropped without a word."""
    before = splan.mapped_columns()
    splan.fields = [m for m in splan.fields if m.field != field]
    for c in columns:
        splan.custom.pop(c, None)
    if columns:
        splan.fields.append(FieldMap(field, list(columns), origin="admin", **extra))  # type: ignore[arg-type]
    used = splan.mapped_columns()
    for c in before - used:
        if c not in splan.skipped:
            splan.custom.setdefault(c, custom_name(c, set(splan.custom.values())))
