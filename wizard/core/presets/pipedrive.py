"""Pipedrive exports: organizations, persons, deals and activities.

Pipedrive links records by name in its exports ('Organization' holds the organization's name),
so references match by name unless an id column is present.
"""

from __future__ import annotations

import pandas as pd

from wizard.core.automatch import entity_word
from wizard.core.presets import ObjectSpec, Recognition
from wizard.core.textnorm import norm, split_prefix

MARKERS = {"contact person", "expected close date", "add time", "update time",
           "assigned to user", "organization", "label", "won time", "lost reason",
           "currency of value", "visible to", "next activity date", "people"}  # fmt: skip

OBJECTS: dict[str, ObjectSpec] = {
    "organizations": ObjectSpec(
        "company",
        {"ID": "source_id", "Name": "name", "Address": "street", "Owner": "ref:owner:name",
         "Add time": "created_at", "Website": "website;domain|domain_from_url",
         "Industry": "industry", "Annual revenue": "annual_revenue",
         "Number of employees": "employees", "Phone": "phone"},
    ),
    "persons": ObjectSpec(
        "contact",
        {"ID": "source_id", "Name": "full_name", "First name": "first_name",
         "Last name": "last_name", "Email": "email", "Email - Work": "email",
         "Email - Home": "email", "Email - Other": "email", "Phone": "phone",
         "Phone - Work": "phone", "Phone - Mobile": "mobile_phone",
         "Phone - Home": "mobile_phone", "Organization ID": "ref:company:source_id",
         "Organization": "ref:company:name", "Owner": "ref:owner:name",
         "Label": "lifecycle_stage", "Job title": "title", "Add time": "created_at",
         "Postal address": "street"},
        value_maps={"lifecycle_stage": {"Customer": "Customer", "Hot lead": "Lead",
                                        "Warm lead": "Lead", "Cold lead": "Lead"}},
    ),
    "deals": ObjectSpec(
        "deal",
        {"ID": "source_id", "Title": "name", "Value": "amount",
         "Currency of Value": "currency", "Currency": "currency",
         "Organization ID": "ref:company:source_id", "Organization": "ref:company:name",
         "Contact person ID": "ref:contact:source_id", "Contact person": "ref:contact:name",
         "Stage": "stage", "Pipeline": "pipeline", "Expected close date": "close_date",
         "Owner": "ref:owner:name", "Probability": "probability", "Add time": "created_at",
         "Status": "is_won|pipedrive_won;is_closed|pipedrive_closed"},
    ),
    "activities": ObjectSpec(
        "activity",
        {"ID": "source_id", "Subject": "subject", "Type": "type", "Due date": "occurred_at",
         "Done": "status", "Note": "body", "Duration": "duration_minutes",
         "Deal ID": "ref:deal:source_id", "Deal": "ref:deal:name",
         "Contact person ID": "ref:contact:source_id", "Contact person": "ref:contact:name",
         "Organization ID": "ref:company:source_id", "Organization": "ref:company:name",
         "Assigned to user": "ref:owner:name"},
        value_maps={"type": {"Call": "Call", "Meeting": "Meeting", "Task": "Task",
                             "Deadline": "Task", "Email": "Email", "Lunch": "Meeting"}},
    ),
}  # fmt: skip
_BY_ENTITY = {spec.entity: name for name, spec in OBJECTS.items()}
for _spec in OBJECTS.values():
    _spec.columns = {norm(k): v for k, v in _spec.columns.items()}


def recognise(name: str, columns: list[str], sample: pd.DataFrame | None) -> Recognition | None:
    prefixes = [p for p, _ in map(split_prefix, columns) if p]
    own = None
    if prefixes and len(prefixes) * 2 >= len(columns):
        words = {entity_word(p) for p in prefixes} - {None}
        # 'Deal - Title', 'Deal - Organization': the table's own prefix is the commonest one
        own = max(words, key=lambda w: sum(entity_word(p) == w for p in prefixes), default=None)
    normed = {norm(c) for c in columns}
    if own is None and len(normed & MARKERS) < 2:
        return None
    if own is None:
        from wizard.core.automatch import detect_entity

        own = detect_entity(name, columns, sample).entity
    if own not in _BY_ENTITY:
        return None
    obj = _BY_ENTITY[own]
    return Recognition("pipedrive", obj, OBJECTS[obj], 0.85, f"Pipedrive {obj} export")
