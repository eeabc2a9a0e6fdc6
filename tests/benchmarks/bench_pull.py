"""Benchmark: pulling a CRM through its API into export files, against the local test servers.

Not a test. For each CRM, a server process holds N records in the vendor's shapes (Salesforce:
accounts and contacts, 2,000 a page; HubSpot: companies and contacts with their associations,
100 a page plus a v4 association read a page; Pipedrive: organizations and persons, 500 a page)
and a separate process pulls them with ``wizard.core.connectors.pull``. Prints records/s,
requests and the pulling process's peak RSS, for two sizes (the memory must not grow with N).

The rate is bound by the local server as much as by the client (both are Python, on the same
2 cores); a real CRM's rate limits are far lower (HubSpot: 100 requests each 10 s).

    python tests/benchmarks/bench_pull.py [--records 20000] [--crm salesforce,hubspot,pipedrive]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = "bench-token"


def serve(crm: str, n: int, q) -> None:
    """Fill a server with n records (half parents, half children) and serve until killed."""
    if crm == "salesforce":
        from tests.salesforce_server import SalesforceServer

        srv = SalesforceServer(TOKEN)
        org = srv.org
        owner = org.add("User", LastName="Owner", Email="o@x.example", IsActive=True)
        parents = [org.add("Account", Name=f"Account {i}", BillingCity="Lisboa", OwnerId=owner)
                   for i in range(n // 2)]  # fmt: skip
        for j in range(n - n // 2):
            org.add("Contact", FirstName="Ann", LastName=f"Lee {j}", Email=f"a{j}@x.example",
                    AccountId=parents[j % len(parents)], OwnerId=owner)  # fmt: skip
    elif crm == "hubspot":
        from tests.hubspot_server import HubSpotServer

        srv = HubSpotServer(TOKEN)
        p = srv.portal
        parents = [p.add("companies", name=f"Company {i}", domain=f"c{i}.example")
                   for i in range(n // 2)]  # fmt: skip
        for j in range(n - n // 2):
            cid = p.add("contacts", firstname="Ann", lastname=f"Lee {j}", email=f"a{j}@x.example")
            p.associate("contacts", cid, "companies", parents[j % len(parents)])
    else:
        from tests.pipedrive_server import PipedriveServer

        srv = PipedriveServer(TOKEN)
        a = srv.account
        parents = [a.add("organizations", name=f"Org {i}", owner_id=11) for i in range(n // 2)]
        for j in range(n - n // 2):
            a.add("persons", name=f"Ann Lee {j}", org_id=parents[j % len(parents)], owner_id=11,
                  emails=[{"value": f"a{j}@x.example", "primary": True}])  # fmt: skip
    q.put(srv.url)
    while True:
        time.sleep(3600)


def child(crm: str, url: str, folder: str) -> None:
    """Pull into ``folder`` and print seconds, records, requests and peak RSS as JSON."""
    os.environ[f"CUTOVER_WIZARD_TEST_{crm.upper()}"] = url
    from wizard.core.connectors import connector_for
    from wizard.core.connectors.pull import PullDone, pull

    address = {"salesforce": "https://x.my.salesforce.com", "pipedrive": "https://x.pipedrive.com"}
    source = connector_for(crm, TOKEN, address.get(crm), folder)
    start = time.perf_counter()
    done = None
    for item in pull(source, folder):
        if isinstance(item, PullDone):
            done = item
    seconds = time.perf_counter() - start
    assert done is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": seconds, "records": done.pulled, "requests": done.requests,
                      "peak_mb": peak}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--crm", default="salesforce,hubspot,pipedrive")
    parser.add_argument(
        "--child", nargs=3, metavar=("CRM", "URL", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"{'crm':<12}{'records':>10}{'seconds':>10}{'records/s':>12}{'requests':>10}"
          f"{'peak RSS MB':>13}")  # fmt: skip
    for crm in args.crm.split(","):
        for n in (args.records // 4, args.records):
            q = mp.get_context("spawn").Queue()
            server = mp.get_context("spawn").Process(target=serve, args=(crm, n, q), daemon=True)
            server.start()
            url = q.get(timeout=600)
            with tempfile.TemporaryDirectory() as folder:
                out = subprocess.run([sys.executable, __file__, "--child", crm, url, folder],
                                     capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
            server.kill()
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{crm:<12}{r['records']:>10,}{r['seconds']:>10.1f}"
                  f"{r['records'] / r['seconds']:>12,.0f}{r['requests']:>10,}{r['peak_mb']:>13}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
