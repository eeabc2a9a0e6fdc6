"""'Connect to a CRM…' on the sources page: the dialog, a pull in the worker against a local
HubSpot server, Stop in the middle and going on, a refused token said plainly."""

from __future__ import annotations

import csv

from tests.conftest import HUBSPOT_TOKEN
from tests.test_connectors import fill_portal, hs, run_pull
from wizard.core.connectors import pull_folder
from wizard.gui.pages.connect import ConnectDialog
from wizard.gui.wizard import PageId


def _sources(wizard, tmp_path):
    wizard.currentPage().folder.setText(str(tmp_path / "p"))
    wizard.next()
    wizard.next()
    assert wizard.currentId() == PageId.SOURCES
    return wizard.currentPage()


def _wait_idle(qtbot, wizard) -> None:
    qtbot.waitUntil(lambda: not wizard.jobs.busy, timeout=60_000)


def test_the_dialog_asks_what_each_crm_needs(qtbot, tmp_path) -> None:
    dialog = ConnectDialog(tmp_path / "p")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    dialog.crm.setCurrentIndex(dialog.crm.findData("hubspot"))
    assert dialog.url.isHidden() and not ok.isEnabled()
    dialog.token.setText("pat-123")
    assert ok.isEnabled() and dialog.chosen() == ("hubspot", None, "pat-123", False)
    dialog.crm.setCurrentIndex(dialog.crm.findData("salesforce"))
    assert not dialog.url.isHidden() and not ok.isEnabled()  # which org?
    dialog.url.setText("https://acme.my.salesforce.com")
    assert ok.isEnabled() and not dialog.delta.isEnabled()  # no pull yet: everything


def test_pull_from_hubspot_in_the_worker_then_the_files_are_listed(qtbot, wizard, tmp_path,
                                                                   hubspot_server) -> None:  # fmt: skip
    fill_portal(hubspot_server.portal)
    sources = _sources(wizard, tmp_path)
    assert sources.start_pull("hubspot", None, HUBSPOT_TOKEN, False)
    assert wizard.jobs.busy and not sources.connect_crm.isEnabled()
    _wait_idle(qtbot, wizard)
    assert "Read from HubSpot" in sources.status.text(), sources.status.text()
    listed = [sources.files.item(i).text() for i in range(sources.files.count())]
    assert "contacts.csv — Contacts" in listed and "deals.csv — Deals" in listed
    assert sources.check.isEnabled() and sources.connect_crm.isEnabled()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()
    assert sources.isComplete() and "rows checked" in sources.status.text()
    dialog = ConnectDialog(wizard.session.migration.folder)
    qtbot.addWidget(dialog)
    assert dialog.delta.isEnabled() and dialog.delta.isChecked()  # the next pull: the changes


def test_stop_in_the_middle_of_a_pull_then_go_on(qtbot, wizard, tmp_path, hubspot_server) -> None:
    portal = hubspot_server.portal
    portal.page_limit = 1  # a page a record: there is a middle to stop in
    fill_portal(portal)
    clean = tmp_path / "clean"
    run_pull(hs(hubspot_server), clean)
    sources = _sources(wizard, tmp_path)
    seen = []
    assert sources.start_pull("hubspot", None, HUBSPOT_TOKEN, False)
    worker = wizard.jobs.worker
    worker.signals.progress.connect(lambda item: seen.append(item))
    qtbot.waitUntil(lambda: bool(seen) or not wizard.jobs.busy, timeout=30_000)
    sources.stop.click()
    _wait_idle(qtbot, wizard)
    assert sources.status.text().startswith("Stopped."), sources.status.text()
    assert sources.files.count() == 0  # nothing half-read is offered
    assert sources.start_pull("hubspot", None, None, False)  # the token was kept
    _wait_idle(qtbot, wizard)
    assert "Read from HubSpot" in sources.status.text(), sources.status.text()
    folder = pull_folder(wizard.session.migration.folder, "hubspot")
    for path in clean.glob("*.csv"):
        with path.open() as a, (folder / path.name).open() as b:
            assert list(csv.reader(a)) == list(csv.reader(b)), path.name


def test_a_refused_token_is_said_plainly(qtbot, wizard, tmp_path, hubspot_server) -> None:
    sources = _sources(wizard, tmp_path)
    assert sources.start_pull("hubspot", None, "wrong-token", False)
    _wait_idle(qtbot, wizard)
    assert "HubSpot refused the access token" in sources.status.text()
    assert sources.connect_crm.isEnabled() and not sources.stop.isVisible()
