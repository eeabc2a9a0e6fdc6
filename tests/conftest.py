"""Test configuration: Qt offscreen, a temporary data folder, and the shared sample's path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
SALESFORCE_SAMPLE = ROOT.parent / "shared" / "data" / "salesforce-devorg-sample"
PTBR_SAMPLE = ROOT.parent / "shared" / "data" / "ptbr-crm-lifecycle"


@pytest.fixture(autouse=True)
def _private_data_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """No test touches the real user data folder."""
    monkeypatch.setenv("CUTOVER_WIZARD_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def salesforce_sample() -> Path:
    if not SALESFORCE_SAMPLE.is_dir():
        pytest.skip(
            "The shared Salesforce export (../shared/data/salesforce-devorg-sample) is not "
            "present next to this clone; it is not part of the repository."
        )
    return SALESFORCE_SAMPLE


@pytest.fixture
def ptbr_sample() -> Path:
    if not PTBR_SAMPLE.is_dir():
        pytest.skip(
            "The shared Portuguese CRM export (../shared/data/ptbr-crm-lifecycle) is not "
            "present next to this clone; it is not part of the repository."
        )
    return PTBR_SAMPLE


def rehearse_sample(qtbot, wizard) -> None:
    """On the sample rehearsal page: run it (in the worker) and go on to the first phase."""
    from wizard.gui.wizard import PageId

    assert wizard.currentId() == PageId.REHEARSAL
    page = wizard.currentPage()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.run_button.click()
    assert page.isComplete(), page.status.text()
    wizard.next()


def new_wizard(qtbot):
    """A wizard window, shown, that pytest-qt closes after the test."""
    from wizard.gui.wizard import CutoverWizard

    w = CutoverWizard()
    w.confirm_leave = lambda: True  # closing with a project open asks; the tests answer Yes
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def wizard(qtbot):
    """A wizard; afterwards its job has ended (no thread left) and its project is closed."""
    w = new_wizard(qtbot)
    yield w
    assert w.jobs.wait(10_000)
    w.session.close()


@pytest.fixture(scope="session")
def pg_dsn():
    """A connection string to a throwaway PostgreSQL server (see tests/pg_server.py)."""
    from tests.pg_server import PgServer

    server = PgServer()
    if not server.start():
        pytest.skip(f"No PostgreSQL server for the PostgreSQL target's tests: {server.why_not}")
    yield server.dsn
    server.stop()


HUBSPOT_TOKEN = "pat-na1-test-token-0123456789"
SALESFORCE_TOKEN = "00D5g000-test-session-token"
PIPEDRIVE_TOKEN = "pd-test-token-0123"


@pytest.fixture
def pipedrive_server(monkeypatch):
    """A local server speaking Pipedrive's API v2 (tests/pipedrive_server.py)."""
    from tests.pipedrive_server import PipedriveServer
    from wizard.core.connectors.pipedrive import TEST_SERVER_ENV

    s = PipedriveServer(PIPEDRIVE_TOKEN)
    monkeypatch.setenv(TEST_SERVER_ENV, s.url)
    yield s
    s.close()


@pytest.fixture
def salesforce_server(monkeypatch):
    """A local server speaking Salesforce's REST and Bulk API 2.0 (tests/salesforce_server.py),
    reached only through the test-only setting (never stored in a project)."""
    from tests.salesforce_server import SalesforceServer
    from wizard.core.connectors.salesforce import TEST_SERVER_ENV

    s = SalesforceServer(SALESFORCE_TOKEN)
    s.org.add(
        "User",
        FirstName="Ann",
        LastName="Owner",
        Name="Ann Owner",
        Email="ann@acme.com",
        IsActive=True,
    )
    monkeypatch.setenv(TEST_SERVER_ENV, s.url)
    yield s
    s.close()


@pytest.fixture
def hubspot_server(monkeypatch):
    """A local server speaking HubSpot's CRM API (tests/hubspot_server.py), which the HubSpot
    target reaches only through the test-only setting (never stored in a project)."""
    from tests.hubspot_server import HubSpotServer
    from wizard.core.targets.hubspot import TEST_SERVER_ENV

    s = HubSpotServer(HUBSPOT_TOKEN)
    monkeypatch.setenv(TEST_SERVER_ENV, s.url)
    yield s
    s.close()
