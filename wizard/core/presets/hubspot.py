"""HubSpot exports (contacts, companies, deals, and activity exports), English labels."""

from __future__ import annotations

import pandas as pd

from wizard.core.automatch import detect_entity
from wizard.core.presets import ObjectSpec, Recognition
from wizard.core.textnorm import norm

MARKERS = {"record id", "associated company", "associated company ids",
           "associated company id primary", "contact owner", "company owner", "deal owner",
           "lifecycle stage", "deal stage", "company domain name", "create date",
           "associated contact", "associated contact ids", "associated deal ids",
           "activity assigned to", "hubspot team", "lead status"}  # fmt: skip

LIFECYCLE = {
    "subscriber": "Subscriber", "lead": "Lead",
    "marketingqualifiedlead": "Marketing qualified lead",
    "Marketing Qualified Lead": "Marketing qualified lead",
    "salesqualifiedlead": "Sales qualified lead", "Sales Qualified Lead": "Sales qualified lead",
    "opportunity": "Opportunity", "customer": "Customer", "evangelist": "Evangelist",
    "other": "Other", "Subscriber": "Subscriber", "Lead": "Lead",
    "Opportunity": "Opportunity", "Customer": "Customer", "Evangelist": "Evangelist",
    "Other": "Other",
}  # fmt: skip
DEAL_STAGES = {
    "appointmentscheduled": "Qualification", "Appointment Scheduled": "Qualification",
    "qualifiedtobuy": "Qualification", "Qualified To Buy": "Qualification",
    "presentationscheduled": "Needs analysis", "Presentation Scheduled": "Needs analysis",
    "decisionmakerboughtin": "Proposal", "Decision Maker Bought-In": "Proposal",
    "contractsent": "Negotiation", "Contract Sent": "Negotiation",
    "closedwon": "Closed won", "Closed Won": "Closed won",
    "closedlost": "Closed lost", "Closed Lost": "Closed lost",
}  # fmt: skip

OBJECTS: dict[str, ObjectSpec] = {
    "contacts": ObjectSpec(
        "contact",
        {"Record ID": "source_id", "Contact ID": "source_id", "First Name": "first_name",
         "Last Name": "last_name", "Email": "email", "Phone Number": "phone",
         "Mobile Phone Number": "mobile_phone", "Job Title": "title",
         "Lifecycle Stage": "lifecycle_stage", "Lead Status": "lead_status",
         "Original Source": "lead_source", "Contact owner": "ref:owner:name",
         "Associated Company IDs": "ref:company:source_id",
         "Associated Company ID (Primary)": "ref:company:source_id",
         "Associated Company": "ref:company:name", "Company Name": "ref:company:name",
         "Street Address": "street", "City": "city", "State/Region": "state",
         "Postal Code": "postal_code", "Country/Region": "country",
         "Create Date": "created_at", "Last Activity Date": "last_activity_at",
         "Unsubscribed from all email": "email_opt_out"},
        value_maps={"lifecycle_stage": LIFECYCLE},
    ),
    "companies": ObjectSpec(
        "company",
        {"Record ID": "source_id", "Company ID": "source_id", "Company name": "name",
         "Name": "name", "Company Domain Name": "domain", "Website URL": "website",
         "Phone Number": "phone", "Industry": "industry", "Type": "company_type",
         "Number of Employees": "employees", "Annual Revenue": "annual_revenue",
         "Street Address": "street", "City": "city", "State/Region": "state",
         "Postal Code": "postal_code", "Country/Region": "country",
         "Company owner": "ref:owner:name", "Parent Company": "ref:parent_company:source_id",
         "Create Date": "created_at", "Description": "description"},
    ),
    "deals": ObjectSpec(
        "deal",
        {"Record ID": "source_id", "Deal ID": "source_id", "Deal Name": "name",
         "Amount": "amount", "Deal Stage": "stage", "Pipeline": "pipeline",
         "Close Date": "close_date", "Deal Type": "deal_type", "Deal owner": "ref:owner:name",
         "Deal probability": "probability", "Currency": "currency",
         "Associated Company IDs": "ref:company:source_id",
         "Associated Company ID (Primary)": "ref:company:source_id",
         "Associated Company": "ref:company:name",
         "Associated Contact IDs": "ref:contact:source_id",
         "Associated Contact": "ref:contact:name", "Create Date": "created_at",
         "Deal Description": "description"},
        value_maps={"stage": DEAL_STAGES},
    ),
    "activities": ObjectSpec(
        "activity",
        {"Record ID": "source_id", "Activity ID": "source_id", "Activity type": "type",
         "Activity date": "occurred_at", "Create Date": "occurred_at",
         "Call Title": "subject", "Email subject": "subject", "Meeting name": "subject",
         "Task Title": "subject", "Call notes": "body", "Email body": "body",
         "Note body": "body", "Meeting description": "body", "Task notes": "body",
         "Activity assigned to": "ref:owner:name", "Call duration": "duration_minutes",
         "Associated Contact IDs": "ref:contact:source_id",
         "Associated Company IDs": "ref:company:source_id",
         "Associated Deal IDs": "ref:deal:source_id",
         "Associated Contact": "ref:contact:name", "Associated Company": "ref:company:name",
         "Associated Deal": "ref:deal:name"},
        value_maps={"type": {"CALL": "Call", "EMAIL": "Email", "MEETING": "Meeting",
                             "NOTE": "Note", "TASK": "Task", "Call": "Call", "Email": "Email",
                             "Meeting": "Meeting", "Note": "Note", "Task": "Task"}},
    ),
}  # fmt: skip
_BY_ENTITY = {spec.entity: name for name, spec in OBJECTS.items()}

for _spec in OBJECTS.values():
    _spec.columns = {norm(k): v for k, v in _spec.columns.items()}


def recognise(name: str, columns: list[str], sample: pd.DataFrame | None) -> Recognition | None:
    normed = {norm(c) for c in columns}
    hits = normed & MARKERS
    if "record id" not in normed or len(hits) < 2:
        return None
    guess = detect_entity(name, columns, sample)
    if guess.entity not in _BY_ENTITY:
        return None
    obj = _BY_ENTITY[guess.entity]
    return Recognition("hubspot", obj, OBJECTS[obj], 0.95, f"HubSpot {obj} export")
