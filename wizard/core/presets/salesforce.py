"""Salesforce exports: Data Loader / Data Export API names and report-style labels.

Records are recognised by their 15/18-character ids, whose first three characters name the
object (001 Account, 003 Contact, 005 User, 006 Opportunity, 00Q Lead, 00T Task, 00U Event,
008 OpportunityHistory). Leads become contacts with lifecycle stage 'Lead'; a converted lead
is merged into the contact it became instead of being loaded twice.
"""

from __future__ import annotations

import re

import pandas as pd

from wizard.core.automatch import is_summary
from wizard.core.presets import ObjectSpec, Recognition
from wizard.core.textnorm import norm

SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
PREFIXES = {
    "001": "Account", "003": "Contact", "005": "User", "006": "Opportunity", "00Q": "Lead",
    "00T": "Task", "00U": "Event", "008": "OpportunityHistory",
}  # fmt: skip
MARKERS = {"account id", "stage name", "who id", "what id", "is deleted", "owner id",
           "system modstamp", "last modified date", "created by id", "is converted",
           "converted contact id", "opportunity id", "lead source", "is won", "is closed"}  # fmt: skip

_ADDRESS = {
    "{p}Street": "street", "{p}City": "city", "{p}State": "state",
    "{p}PostalCode": "postal_code", "{p}Country": "country",
}  # fmt: skip


def _address(prefix: str) -> dict[str, str]:
    return {k.format(p=prefix): v for k, v in _ADDRESS.items()}


STAGE_MAP = {
    "Prospecting": "Prospecting",
    "Qualification": "Qualification",
    "Needs Analysis": "Needs analysis",
    "Value Proposition": "Needs analysis",
    "Id. Decision Makers": "Needs analysis",
    "Perception Analysis": "Needs analysis",
    "Proposal/Price Quote": "Proposal",
    "Negotiation/Review": "Negotiation",
    "Closed Won": "Closed won",
    "Closed Lost": "Closed lost",
}
TASK_TYPES = {"Email": "Email", "ListEmail": "Email", "Call": "Call", "Task": "Task",
              "Meeting": "Meeting", "": "Task"}  # fmt: skip
COMMON = {"Id": "source_id", "OwnerId": "ref:owner:source_id", "CreatedDate": "created_at",
          "Description": "description"}  # fmt: skip
# activities have no created date of their own: CreatedDate stays a custom field
ACTIVITY_COMMON = {"Id": "source_id", "OwnerId": "ref:owner:source_id"}

OBJECTS: dict[str, ObjectSpec] = {
    "Account": ObjectSpec(
        "company",
        {**COMMON, "Name": "name", "Website": "website;domain|domain_from_url",
         "Phone": "phone", "Industry": "industry", "Type": "company_type",
         "NumberOfEmployees": "employees", "AnnualRevenue": "annual_revenue",
         **_address("Billing"), "ParentId": "ref:parent_company:source_id",
         "Account ID": "source_id", "Account Name": "name", "Account Owner": "ref:owner:name",
         "Billing City": "city", "Billing State/Province": "state",
         "Billing Zip/Postal Code": "postal_code", "Billing Country": "country",
         "Employees": "employees", "Annual Revenue": "annual_revenue",
         "Parent Account ID": "ref:parent_company:source_id"},
    ),
    "Contact": ObjectSpec(
        "contact",
        {**COMMON, "FirstName": "first_name", "LastName": "last_name", "Name": "full_name",
         "Email": "email", "Phone": "phone", "MobilePhone": "mobile_phone", "Title": "title",
         "Department": "department", "LeadSource": "lead_source", **_address("Mailing"),
         "AccountId": "ref:company:source_id", "LastActivityDate": "last_activity_at",
         "HasOptedOutOfEmail": "email_opt_out",
         "Contact ID": "source_id", "First Name": "first_name", "Last Name": "last_name",
         "Account ID": "ref:company:source_id", "Account Name": "ref:company:name",
         "Contact Owner": "ref:owner:name", "Mobile": "mobile_phone",
         "Mailing City": "city", "Mailing State/Province": "state",
         "Mailing Zip/Postal Code": "postal_code", "Mailing Country": "country",
         "Email Opt Out": "email_opt_out"},
    ),
    "Lead": ObjectSpec(
        "contact",
        {**COMMON, "FirstName": "first_name", "LastName": "last_name", "Name": "full_name",
         "Email": "email", "Phone": "phone", "MobilePhone": "mobile_phone", "Title": "title",
         "Company": "ref:company:name", "LeadSource": "lead_source", "Status": "lead_status",
         "Street": "street", "City": "city", "State": "state", "PostalCode": "postal_code",
         "Country": "country", "LastActivityDate": "last_activity_at",
         "HasOptedOutOfEmail": "email_opt_out",
         "Lead ID": "source_id", "First Name": "first_name", "Last Name": "last_name",
         "Lead Status": "lead_status", "Lead Owner": "ref:owner:name",
         "Company / Account": "ref:company:name"},
        constants={"lifecycle_stage": "Lead"},
        merge_into={"column": "ConvertedContactId", "entity": "contact"},
    ),
    "Opportunity": ObjectSpec(
        "deal",
        {**COMMON, "Name": "name", "AccountId": "ref:company:source_id",
         "ContactId": "ref:contact:source_id", "Amount": "amount", "StageName": "stage",
         "CloseDate": "close_date", "Probability": "probability", "Type": "deal_type",
         "LeadSource": "lead_source", "IsClosed": "is_closed", "IsWon": "is_won",
         "CurrencyIsoCode": "currency",
         "Opportunity ID": "source_id", "Opportunity Name": "name", "Stage": "stage",
         "Close Date": "close_date", "Account ID": "ref:company:source_id",
         "Account Name": "ref:company:name", "Opportunity Owner": "ref:owner:name",
         "Opportunity Currency": "currency", "Probability (%)": "probability"},
        value_maps={"stage": STAGE_MAP},
    ),
    "OpportunityHistory": ObjectSpec(
        "activity",
        {"Id": "source_id", "OpportunityId": "ref:deal:source_id",
         "CreatedById": "ref:owner:source_id", "CreatedDate": "occurred_at",
         "StageName": "subject"},
        constants={"type": "Note"},
        note="Stage history of deals, kept as notes on each deal.",
    ),
    "Task": ObjectSpec(
        "activity",
        {**ACTIVITY_COMMON, "Subject": "subject", "Description": "body", "ActivityDate": "occurred_at",
         "Status": "status", "TaskSubtype": "type", "CallDurationInSeconds": "duration_minutes|seconds_to_minutes",
         "WhoId": "ref:contact:source_id:003;ref:contact:source_id:00Q",
         "WhatId": "ref:deal:source_id:006;ref:company:source_id:001",
         "AccountId": "ref:company:source_id"},
        constants={"type": "Task"},
        value_maps={"type": TASK_TYPES},
    ),
    "Event": ObjectSpec(
        "activity",
        {**ACTIVITY_COMMON, "Subject": "subject", "Description": "body",
         "StartDateTime": "occurred_at", "ActivityDateTime": "occurred_at",
         "DurationInMinutes": "duration_minutes",
         "WhoId": "ref:contact:source_id:003;ref:contact:source_id:00Q",
         "WhatId": "ref:deal:source_id:006;ref:company:source_id:001",
         "AccountId": "ref:company:source_id"},
        constants={"type": "Meeting"},
    ),
    "User": ObjectSpec(
        "owner",
        {"Id": "source_id", "Email": "email", "FirstName": "first_name",
         "LastName": "last_name", "Name": "full_name", "Phone": "phone", "Title": "title",
         "IsActive": "active"},
    ),
}  # fmt: skip

for _spec in OBJECTS.values():
    _spec.columns = {norm(k): v for k, v in _spec.columns.items()}

_NAME_OBJECTS = {norm(k): k for k in OBJECTS} | {"opportunity history": "OpportunityHistory",
                                                 "users": "User"}  # fmt: skip


def _object_from_ids(columns: list[str], sample: pd.DataFrame | None) -> str | None:
    if sample is None or sample.empty:
        return None
    own = [c for c in columns if norm(c) in ("id", "record id")]
    if own:  # the table's own ids decide; 'OpportunityId' in a contact-roles file is a link
        columns = own
    for col in columns:
        if norm(col) not in ("id", "record id") and not norm(col).endswith(" id"):
            continue
        values = [v for v in sample[col].head(100) if isinstance(v, str) and v]
        if not values or not all(SF_ID.match(v) for v in values):
            continue
        prefixes = {v[:3] for v in values}
        obj = PREFIXES.get(prefixes.pop()) if len(prefixes) == 1 else None
        if obj and norm(col) in ("id", f"{norm(obj)} id"):
            return obj
    return None


def recognise(name: str, columns: list[str], sample: pd.DataFrame | None) -> Recognition | None:
    normed = {norm(c) for c in columns}
    stem = norm(name.rsplit(".", 1)[0].split(" [")[0])
    by_ids = _object_from_ids(columns, sample)
    markers = len(normed & MARKERS)
    if is_summary(columns) and markers:
        return Recognition(
            "salesforce", "Summary", ObjectSpec(None, note="a summary report (counts per "
                                                "stage), not records: nothing to import"),
            0.9, "a Salesforce summary report",
        )  # fmt: skip
    if by_ids is None and markers < 2:
        return None
    obj = by_ids or _NAME_OBJECTS.get(stem) or _NAME_OBJECTS.get(stem.rstrip("s"))
    if obj is None:
        return None
    confidence = 1.0 if by_ids else 0.9
    why = "its record ids" if by_ids else "its column names and file name"
    return Recognition("salesforce", obj, OBJECTS[obj], confidence, f"Salesforce {obj} ({why})")


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id18(value: str) -> str:
    """A 15-character (case-sensitive) Salesforce id in its 18-character form; others as is."""
    if len(value) != 15 or not SF_ID.match(value):
        return value
    suffix = ""
    for block in (value[0:5], value[5:10], value[10:15]):
        bits = sum(1 << i for i, ch in enumerate(block) if "A" <= ch <= "Z")
        suffix += _ALPHABET[bits]
    return value + suffix
