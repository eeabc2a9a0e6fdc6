"""F1 on any page: what the page is for, what to do on it and what happens next, in plain words
(no ledger, target or source id)."""

from __future__ import annotations

HELP: dict[str, str] = {
    "welcome": (
        "Start a new migration, try the whole path on demo data, or open a project you started "
        "earlier: it opens on the page you left.\n\nNext: choose how your old CRM's data comes "
        "in."
    ),
    "method": (
        "Integration Sync recognises the export of a known CRM (Salesforce, HubSpot, Zoho, "
        "Pipedrive, Dynamics 365, Odoo) and maps it for you; HubSpot, Salesforce and Pipedrive "
        "can also be read directly through their API (no exporting by hand). Manual CSV Import "
        "takes any "
        "spreadsheet; you map its columns yourself.\n\nEither way everything goes into the "
        "sandbox first: nothing reaches your new CRM until you have checked it.\n\nNext: add "
        "your export files."
    ),
    "sources": (
        "Add the files your old CRM exported (or a folder of them), or 'Connect to a CRM…' to "
        "read HubSpot, Salesforce or Pipedrive through its API into the same files (a pull you "
        "stop goes on where it stopped). Each file shows what it "
        "holds and how it is read; change the text encoding, the separator or the header row "
        "if the preview looks wrong.\n\n'Read and check every row' reads every file to the end "
        "and checks every value; you can stop it and go on later.\n\nNext: which column becomes "
        "which field."
    ),
    "mapping": (
        "Drag a column of your file onto a field of the new CRM (or select both and press "
        "Map). 'Add to field +' joins a second column to a field. The selected field's tab has "
        "its transforms, how dates and numbers are written, how a link finds its record, the "
        "values of a list field, or one value for every row when no column fills it.\n\nThe "
        "preview shows the first rows as they would load: red cannot load, amber is kept as "
        "written and flagged.\n\nNext: how the files link."
    ),
    "relations": (
        "The picture shows how your files link: each arrow is a link, with how many rows found "
        "their record and how many point to records that are in none of your files. Choose "
        "what to do with those: load the record without the link (the value is kept), or not "
        "at all.\n\nActive sales contacts are held back to the very last step; set who counts "
        "as active.\n\nNext: what the check found."
    ),
    "validation": (
        "Everything the check found, grouped by problem; open a group to see the rows, and "
        "type in the search box to find a file, a row or a value. Export the list to a "
        "spreadsheet to work on it.\n\nNext: 'Start loading' fixes the plan; a sample "
        "rehearsal and the steps follow."
    ),
    "rehearsal": (
        "A small sample of your records, with their links, loaded into a sandbox of its own: a "
        "quick proof that the plan works before the full run.\n\nNext: the full sandbox "
        "rehearsal, one step at a time."
    ),
    "phase": (
        "One step of the load: parents before the records that hang on them, active sales "
        "contacts last. Run it, watch it (rows per second and the time left), stop it after "
        "the batch in progress if you must: running it again goes on where it stopped and "
        "never loads a record twice.\n\nWhen it is done the page says where every row went and "
        "what reached the CRM, file by file. Undo takes out what this step loaded.\n\nNext: "
        "the following step."
    ),
    "spotcheck": (
        "Open real records in the sandbox beside the row they came from and the records they "
        "link to, and mark each as right or wrong. People catch what counts cannot.\n\nNext: "
        "the checkpoint."
    ),
    "checkpoint": (
        "The testing buffer (30 days by default) counts the days since the rehearsal. The QA "
        "checklist ticks what can be measured; people sign the rest. Sign-off opens the way to "
        "the live cutover.\n\nNext: prepare the live cutover."
    ),
    "cutover": (
        "Choose where the live cutover goes (HubSpot, Salesforce, the new CRM's own import "
        "files, a database), tick the things admins forget (workflows off, edits frozen), and "
        "check the latest exports against the rehearsal (read through the API again when the "
        "rehearsal was: only what changed).\n\nNext: the live steps, in the same order as "
        "the rehearsal."
    ),
    "postload": (
        "After the last live step: switch back on what was paused and keep the old CRM as a "
        "read-only archive.\n\nNext: the cutover report."
    ),
    "report": (
        "The cutover report as PDF, HTML or a spreadsheet: every step, where every row went, "
        "the rejections with their reasons, the sign-offs and overrides.\n\nThis is the last "
        "page."
    ),
}


def help_key(page_id: int) -> str:
    """The help text's key for a page id of the wizard."""
    from wizard.gui.wizard import PageId

    if PageId.PHASE <= page_id < PageId.SPOTCHECK or PageId.LIVE_PHASE <= page_id < PageId.POSTLOAD:
        return "phase"
    try:
        return PageId(page_id).name.lower()
    except ValueError:
        return "welcome"
