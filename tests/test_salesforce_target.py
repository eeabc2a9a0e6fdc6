"""The Salesforce target against a local server speaking Bulk API 2.0
(tests/salesforce_server.py): a record a validation rule refuses is rejected with Salesforce's
words while the rest load; the daily quota used up mid-run stops the phase plainly, and the
run resumed later loses and doubles nothing; a placeholder name is said on the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SALESFORCE_TOKEN
from tests.test_pipeline import write
from wizard.core.errors import CutoverError
from wizard.core.migration import Migration
from wizard.core.targets.salesforce import SalesforceTarget


def _target(tmp_path: Path, name: str = "i") -> SalesforceTarget:
    return SalesforceTarget("", SALESFORCE_TOKEN, tmp_path / f"{name}.db", sleep=lambda s: None)


def test_a_refused_record_is_rejected_with_the_reason_the_rest_load(salesforce_server, tmp_path):
    t = _target(tmp_path)
    out = t.write_batch("company", ["source_id", "name", "properties"],
                        [("A1", "Acme", "{}"), ("A2", "REFUSE me", "{}"), ("A3", "Beta", "{}")])  # fmt: skip
    assert out[0].target_id and out[2].target_id and out[1].target_id is None
    assert (
        out[1].error
        == "Salesforce refused it: Refused by a rule (FIELD_CUSTOM_VALIDATION_EXCEPTION)."
    )
    no_name = t.write_batch("contact", ["source_id", "first_name", "email", "properties"],
                            [("C1", "Ann", "ann@acme.com", '{"Shoe size": "41"}')])  # fmt: skip
    rec = salesforce_server.org.records["Contact"][no_name[0].target_id]
    assert rec["LastName"] == "ann@acme.com"  # Salesforce needs one: the email stands in
    props = json.loads(rec["Legacy_Properties__c"])
    assert props["Shoe size"] == "41" and "needs a LastName" in props["cutover_flag"]
    t.close()


def test_the_daily_quota_used_up_mid_run_then_resumed(salesforce_server, tmp_path) -> None:
    export = tmp_path / "export"
    write(export / "companies.csv", ["Company ID", "Company Name", "Website"],
          [[f"A{i}", f"Company {i}", f"c{i}.example.com"] for i in range(450)])  # fmt: skip
    org = salesforce_server.org
    calls = {"n": 0}
    real = org.run_job

    def run_job(job):  # the third job finds the quota used up
        calls["n"] += 1
        if calls["n"] == 3:
            org.fail_next.append((403, [{"message": "TotalRequests Limit exceeded.",
                                         "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))  # fmt: skip
        real(job)

    org.run_job = run_job
    with (Migration(tmp_path / "project", target=_target(tmp_path)) as mig,
          pytest.raises(CutoverError, match="daily API quota is used up")):  # fmt: skip
        mig.migrate([export], batch_rows=100)
    written = len(org.records["Account"])
    assert 200 <= written <= 300  # two or three jobs went through
    org.run_job = real
    with Migration(tmp_path / "project", target=_target(tmp_path, "again")) as mig:
        results = mig.migrate([export], batch_rows=100)
        assert results[-1].state == "completed" and results[-1].reconciled, results[-1].lines()
    legacy = [r["Legacy_Id__c"] for r in org.records["Account"].values()]
    assert len(legacy) == 450 and len(set(legacy)) == 450  # nothing lost, nothing doubled
