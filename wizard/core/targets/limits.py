"""The daily-limit planner: how many calls or rows a hosted CRM takes a day, and so how many
days a cutover of this size needs. Limits as the vendors document them.

- HubSpot import tool (paid): 500 imports and 10,000,000 rows a day, 1,048,576 rows a file;
  free tools: 50 imports and 500,000 rows a day. Through the imports API: 80,000,000 rows a day.
- HubSpot API: 100 requests every 10 seconds per app; 250,000 requests a day (Free and
  Starter), 500,000 (Professional and Enterprise), 1,000,000 with the API add-on; batch upserts
  take up to 100 records a request.
- Salesforce Bulk API 2.0: 150,000,000 records a day for ingest and 15,000 batches a day
  (shared with Bulk API 1.0; a job's upload counts as one batch per 10,000 records). Every job
  also spends REST calls (create, upload, close, about 3 polls, 2 result files: about 8) from the
  org's daily API requests (100,000 plus 1,000 a user licence for Enterprise Edition).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HUBSPOT_IMPORTS = {"free": (50, 500_000), "paid": (500, 10_000_000)}  # imports, rows a day
HUBSPOT_API_DAILY = {"free": 250_000, "starter": 250_000, "professional": 500_000,
                     "enterprise": 500_000, "api-add-on": 1_000_000}  # fmt: skip
HUBSPOT_BATCH = 100
HUBSPOT_BURST = (100, 10.0)  # requests, seconds


@dataclass
class DayPlan:
    records: int
    units: int  # calls or rows, whichever the limit counts
    per_day: int
    days: int
    hours_at_full_speed: float
    text: str


def hubspot_import_days(rows_per_file: list[int], plan: str = "paid") -> DayPlan:
    imports, rows_a_day = HUBSPOT_IMPORTS[plan]
    rows = sum(rows_per_file)
    days = max(math.ceil(rows / rows_a_day), math.ceil(len(rows_per_file) / imports), 1)
    text = (f"{len(rows_per_file)} files with {rows:,} rows: HubSpot's importer takes "
            f"{rows_a_day:,} rows and {imports} imports a day on this plan, so the upload needs "
            f"{days} day{'s' if days != 1 else ''}.")  # fmt: skip
    return DayPlan(rows, rows, rows_a_day, days, 0.0, text)


def hubspot_api_days(records: int, links: int = 0, tier: str = "professional",
                     reserved: float = 0.2) -> DayPlan:  # fmt: skip
    """Batch upserts of 100 and association batches of 100, leaving ``reserved`` of the daily
    calls to the portal's other integrations."""
    calls = math.ceil(records / HUBSPOT_BATCH) + math.ceil(links / HUBSPOT_BATCH)
    per_day = int(HUBSPOT_API_DAILY[tier] * (1 - reserved))
    days = max(math.ceil(calls / per_day), 1)
    burst_calls, burst_s = HUBSPOT_BURST
    hours = calls / burst_calls * burst_s / 3600
    text = (f"{records:,} records and {links:,} links take about {calls:,} API calls; with "
            f"{per_day:,} calls a day for the cutover ({int(reserved * 100)}% left for other "
            f"integrations) that is {days} day{'s' if days != 1 else ''}, about {hours:.1f} "
            f"hours at the rate limit.")  # fmt: skip
    return DayPlan(records, calls, per_day, days, hours, text)


SALESFORCE_BULK = {"records": 150_000_000, "batches": 15_000}  # a day
SALESFORCE_JOB_ROWS = 10_000  # records a job (the runner's batch)
SALESFORCE_CALLS_A_JOB = 8
SALESFORCE_API_DAILY = 100_000  # Enterprise Edition before licences


def salesforce_bulk_days(records: int, api_daily: int = SALESFORCE_API_DAILY,
                         reserved: float = 0.2) -> DayPlan:  # fmt: skip
    """Bulk API 2.0 jobs of 10,000 records, leaving ``reserved`` of the daily batches and API
    calls to the org's other integrations."""
    jobs = max(math.ceil(records / SALESFORCE_JOB_ROWS), 1 if records else 0)
    calls = jobs * SALESFORCE_CALLS_A_JOB
    per_day = int(min(SALESFORCE_BULK["batches"], api_daily / SALESFORCE_CALLS_A_JOB)
                  * (1 - reserved))  # fmt: skip
    days = max(math.ceil(jobs / per_day), math.ceil(records / SALESFORCE_BULK["records"]), 1)
    text = (f"{records:,} records take about {jobs:,} Bulk API jobs ({calls:,} API calls); with "
            f"{per_day:,} jobs a day for the cutover ({int(reserved * 100)}% left for other "
            f"integrations) that is {days} day{'s' if days != 1 else ''}.")  # fmt: skip
    return DayPlan(records, jobs, per_day, days, 0.0, text)
