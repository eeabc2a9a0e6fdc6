"""Make the sample cutover report in docs/: the demo export rehearsed in the sandbox, QA
decided and signed off, spot checks, the live cutover (the buffer overridden, as a demo cannot
wait 30 days), then the report as PDF, and its pages rendered to PNG with pdftoppm.

    python docs/make_report_sample.py        # writes docs/sample-report.pdf and docs/report-page-*.png
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    os.environ["CUTOVER_WIZARD_HOME"] = tempfile.mkdtemp(prefix="cutover-report-")
    from wizard.cli import main as cli
    from wizard.core import qa
    from wizard.core.cutover import Project
    from wizard.core.migration import LIVE, Migration
    from wizard.core.report import build_report, write_report
    from wizard.resources import demo_dir

    folder = Path(os.environ["CUTOVER_WIZARD_HOME"]) / "acme-to-new-crm"
    assert cli(["migrate", str(demo_dir()), "--project", str(folder)]) == 0
    project = Project(folder)
    with Migration(folder) as mig:
        for i, (entity, source_id) in enumerate(qa.draw_spot_checks(mig, 10, seed=4)):
            spot = qa.spot_record(mig, entity, source_id)
            result = "fail" if i == 3 else "pass"
            comment = "Owner missing on this deal; fixed in the old CRM." if i == 3 else ""
            qa.record_spot_check(project.state, spot, result, "Dana Lee", comment)
        qa.decide(project.state, "consistency.picklists", "Dana Lee",
                  "'Carrier pigeon' and 'Hot prospect?' become options in the new CRM; the "
                  "sales team confirmed both.")  # fmt: skip
        qa.decide(project.state, "accessibility.spot_checks", "Dana Lee",
                  "The failed check was fixed at the source and re-checked.")  # fmt: skip
        qa.decide(project.state, "accessibility.find_own", "Sam Ortiz")
        qa.sign_off(project.state, qa.evaluate(project.state, mig), "Morgan Avery (VP Sales)")
    from wizard.core.cutover import PRECUTOVER, confirm

    for key, _ in PRECUTOVER:
        confirm(project.state, "precutover", key, "Dana Lee", True)
    project.save()
    assert cli(["migrate", str(demo_dir()), "--project", str(folder), "--env", "live",
                "--override-reason", "The old CRM's licence ends before the 30 days are over.",
                "--by", "Dana Lee"]) == 0  # fmt: skip
    project = Project(folder)
    with Migration(folder) as sandbox, Migration(folder, env=LIVE) as live:
        report = build_report(project, sandbox, live)
    pdf = write_report(report, HERE / "sample-report.pdf")
    for old in HERE.glob("report-page-*.png"):
        old.unlink()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(HERE / "report-page")],
                       check=True)  # fmt: skip
    print(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
