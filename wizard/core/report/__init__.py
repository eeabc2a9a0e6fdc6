"""The cutover report: the model (``model.build_report``) and its PDF, HTML and XLSX writers."""

from __future__ import annotations

from pathlib import Path

from wizard.core.errors import CutoverError
from wizard.core.paths import private
from wizard.core.report.model import Report, build_report

FORMATS = (".pdf", ".html", ".xlsx")

__all__ = ["FORMATS", "Report", "build_report", "write_report"]


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``report`` in the format the file name asks for (.pdf, .html or .xlsx)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CutoverError(f"'{path.name}' is not a report format this app writes.",
                           "Name the file .pdf, .html or .xlsx.")  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        from wizard.core.report.pdf import write_pdf as write
    elif suffix == ".html":
        from wizard.core.report.html import write_html as write
    else:
        from wizard.core.report.xlsx import write_xlsx as write
    return private(write(report, path))  # the report holds rejected rows' values
