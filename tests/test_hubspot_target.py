"""The HubSpot target against a local server speaking HubSpot's API (tests/hubspot_server.py):
upsert by the legacy id (twice = one record), associations, owners by email over pages, undo,
counts; a rate-limit storm, server errors, a token revoked mid-run and resumed with nothing
lost or doubled; the dry run; the token only in the password store, never in a file or log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HUBSPOT_TOKEN as TOKEN
from tests.hubspot_server import HubSpotServer
from tests.test_pipeline import crm, write
from wizard.core.migration import Migration
from wizard.core.targets.hubspot import BURST, HubSpotAuthError, HubSpotTarget


class FakeTime:
    """The target's clock and sleep: waits are recorded, none is slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def server(hubspot_server: HubSpotServer) -> HubSpotServer:
    return hubspot_server


def _target(server: HubSpotServer, tmp_path: Path, time: FakeTime | None = None,
            token: str = TOKEN) -> HubSpotTarget:  # fmt: skip
    time = time or FakeTime()
    return HubSpotTarget(token, tmp_path / f"index-{len(list(tmp_path.glob('index-*')))}.db",
                         sleep=time.sleep, clock=time.clock)  # fmt: skip


def test_upsert_twice_is_one_record_links_undo_counts(server, tmp_path: Path) -> None:
    t = _target(server, tmp_path)
    cols = ["source_id", "name", "domain", "properties", "parent_company", "owner"]
    first = t.write_batch("company", cols, [("A1", "Acme", "acme.com", "{}", None, None)])
    a1 = first[0].target_id
    again = t.write_batch("company", cols, [("A1", "Acme Inc", "acme.com", "{}", None, None)])
    assert again[0].target_id == a1 and t.count("company") == 1
    assert server.portal.objects["companies"][a1]["properties"]["name"] == "Acme Inc"
    child = t.write_batch("company", cols, [("A2", "Acme EU", "", "{}", a1, None),
                                            ("A3", "REFUSE me", "", "{}", None, None)])  # fmt: skip
    assert child[0].target_id and child[1].target_id is None and "refused" in child[1].error
    assert ("companies", child[0].target_id, "companies", a1) in server.portal.associations
    owners = t.write_batch("owner", ["source_id", "email"], [("U1", "CY@acme.com"), ("U2", "x@y")])
    assert owners[0].target_id == "903" and "invite" in owners[1].error  # found on page 2
    c = t.write_batch("contact", ["source_id", "first_name", "email", "properties", "company",
                                  "owner"], [("C1", "Ann", "ann@acme.com", "{}", a1, "903")])  # fmt: skip
    cid = c[0].target_id
    assert server.portal.objects["contacts"][cid]["properties"]["hubspot_owner_id"] == "903"
    assert ("contacts", cid, "companies", a1) in server.portal.associations
    assert t.lookup("contact", ["C1", "C9"]) == {"C1": cid}
    assert t.link_counts("contact") == {"company": 1, "owner": 1}
    assert t.dangling("contact") == {"company": 0, "owner": 0}
    assert t.delete("contact", [cid]) == 1 and t.count("contact") == 0
    assert all(h == f"Bearer {TOKEN}" for h in server.portal.auth_headers)


def test_a_whole_migration_through_the_runner(server, tmp_path: Path) -> None:
    export = crm(tmp_path / "export")
    target = _target(server, tmp_path)
    with Migration(tmp_path / "project", target=target) as mig:
        results = mig.migrate([export])
        assert all(r.state == "completed" and r.reconciled for r in results), [
            r.lines() for r in results]  # fmt: skip
    objects = server.portal.objects
    assert len(objects["contacts"]) == 5 and len(objects["deals"]) == 4
    assert len(objects["notes"]) == 5 and len(objects["companies"]) == 5
    assert any(a[0] == "notes" and a[2] == "deals" for a in server.portal.associations)


def test_rate_limit_storm_and_server_errors_are_ridden_out(server, tmp_path: Path) -> None:
    time = FakeTime()
    t = _target(server, tmp_path, time)
    server.portal.rate_limit_next = 4
    server.portal.errors_next = 2
    rows = [(f"A{i}", f"Company {i}", "{}") for i in range(250)]  # 3 batches of at most 100
    out = t.write_batch("company", ["source_id", "name", "properties"], rows)
    assert all(r.target_id for r in out) and len(server.portal.objects["companies"]) == 250
    assert time.slept[:4] == [1.0, 1.0, 1.0, 1.0]  # Retry-After, as the server said
    # 502: two jittered backoffs, waited a second at a time (the user may stop in between)
    assert 0 < sum(time.slept[4:]) <= 60 and all(0 < s <= 1.0 for s in time.slept[4:])
    # the burst limit: never more than 100 requests in 10 seconds
    time2 = FakeTime()
    t2 = _target(server, tmp_path, time2)
    for _ in range(150):
        t2.call("POST", "/crm/v3/objects/companies/search", {"limit": 1})
    assert time2.slept and time2.now >= BURST[1]


def test_token_revoked_mid_run_then_resumed_nothing_lost_or_doubled(server, tmp_path: Path) -> None:
    export = tmp_path / "export"
    write(export / "companies.csv", ["Company ID", "Company Name", "Website"],
          [[f"A{i}", f"Company {i}", f"c{i}.example.com"] for i in range(450)])  # fmt: skip
    server.portal.revoke_after = 2  # two batches, then the token stops working
    with (Migration(tmp_path / "project", target=_target(server, tmp_path)) as mig,
          pytest.raises(HubSpotAuthError, match="refused the access token")):  # fmt: skip
        mig.migrate([export], batch_rows=100)
    assert len(server.portal.objects["companies"]) == 200
    server.portal.token = "pat-na1-new-token-9876543210"  # the admin connects again
    server.portal.revoke_after = None
    target = _target(server, tmp_path, token=server.portal.token)
    with Migration(tmp_path / "project", target=target) as mig:
        results = mig.migrate([export], batch_rows=100)
        assert results[-1].state == "completed" and results[-1].reconciled
    legacy = [r["properties"]["legacy_record_id"] for r in
              server.portal.objects["companies"].values()]  # fmt: skip
    assert len(legacy) == 450 and len(set(legacy)) == 450  # nothing lost, nothing doubled


def test_dry_run_finds_what_the_portal_lacks(server, tmp_path: Path) -> None:
    t = _target(server, tmp_path)
    assert t.check_properties() == []
    server.portal.missing_properties = {"deals": {"legacy_record_id", "dealstage"}}
    problems = t.check_properties()
    assert problems == ["deals: create the property 'legacy_record_id' (single-line text, "
                        "unique values).", "deals: the portal has no property 'dealstage'."]  # fmt: skip


def test_the_token_is_never_written_to_a_file_or_log(server, tmp_path: Path, monkeypatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    from wizard.core import secrets
    from wizard.core.logs import close_log, log, log_to

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.store: dict = {}

        def set_password(self, service, username, password) -> None:
            self.store[(service, username)] = password

        def get_password(self, service, username):
            return self.store.get((service, username))

        def delete_password(self, service, username) -> None:
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        project = tmp_path / "project"
        assert secrets.store("hubspot", str(project), TOKEN)
        log_to(project)
        token = secrets.load("hubspot", str(project))
        assert token == TOKEN
        server.portal.revoke_after = 1
        target = HubSpotTarget(token, project / "hubspot-index.db",
                               sleep=FakeTime().sleep, clock=FakeTime().clock)  # fmt: skip
        with Migration(project, target=target) as mig:
            with pytest.raises(HubSpotAuthError) as failure:
                mig.migrate([crm(tmp_path / "export")])
            log.error("%s\n%r", failure.value, target)  # what the wizard logs on failure
        close_log()
        leaked = [p for p in project.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
        assert leaked == []
        assert TOKEN not in str(failure.value) and TOKEN not in repr(target)
        secrets.forget("hubspot", str(project))
        assert secrets.load("hubspot", str(project)) is None
    finally:
        keyring.set_keyring(previous)


def test_cli_live_cutover_into_hubspot(server, tmp_path: Path, monkeypatch, capsys) -> None:
    from wizard.cli import main
    from wizard.core import secrets

    monkeypatch.setattr(secrets, "_session", {})
    monkeypatch.setattr("time.sleep", lambda s: None)  # Retry-After is honoured, not slept here
    export = crm(tmp_path / "export")
    folder = tmp_path / "project"
    assert main(["migrate", str(export), "--project", str(folder)]) == 0
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    server.portal.missing_properties = {"contacts": {"legacy_record_id"}}
    args = ["migrate", str(export), "--project", str(folder), "--env", "live", "--hubspot",
            "--override-reason", "Testing the HubSpot target."]  # fmt: skip
    assert main(args) == 2  # the dry run refuses before writing anything
    assert "create the property 'legacy_record_id'" in capsys.readouterr().err
    assert "companies" not in server.portal.objects
    server.portal.missing_properties = {}
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN")  # remembered (here: for this session)
    assert main(args) == 0
    assert "API calls; with 400,000 calls a day" in capsys.readouterr().out  # the planner
    assert len(server.portal.objects["contacts"]) == 5
    assert main(["status", "--project", str(folder)]) == 0
    assert "HubSpot portal" in capsys.readouterr().out
    leaked = [p for p in folder.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leaked == []
