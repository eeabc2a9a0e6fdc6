"""Benchmark: writing through the Salesforce target (Bulk API 2.0 ingest jobs of 10,000
records) into the local test server, in another process.

Not a test. Writes N accounts, then N contacts linked to them, as the runner's batches would,
and prints records/s, jobs, requests and the writing process's peak RSS. The local server is
Python on the same 2 cores (a real org runs each job on Salesforce's side, usually for longer).

    python tests/benchmarks/bench_salesforce_target.py [--records 50000]
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


def serve(q) -> None:
    from tests.salesforce_server import SalesforceServer

    srv = SalesforceServer(TOKEN)
    q.put(srv.url)
    while True:
        time.sleep(3600)


def child(url: str, n: int, folder: str) -> None:
    os.environ["CUTOVER_WIZARD_TEST_SALESFORCE"] = url
    from wizard.core.targets.salesforce import SalesforceTarget

    t = SalesforceTarget("https://x.my.salesforce.com", TOKEN, Path(folder) / "i.db",
                         sleep=lambda s: None)  # fmt: skip
    start = time.perf_counter()
    accounts = []
    for i in range(0, n, 10_000):
        rows = [
            (f"A{j}", f"Account {j}", "https://a.example", "{}")
            for j in range(i, min(n, i + 10_000))
        ]
        out = t.write_batch("company", ["source_id", "name", "website", "properties"], rows)
        accounts += [r.target_id for r in out]
    for i in range(0, n, 10_000):
        rows = [(f"C{j}", "Ann", f"Lee {j}", f"a{j}@x.example", '{"tier": "gold"}',
                 accounts[j % len(accounts)]) for j in range(i, min(n, i + 10_000))]  # fmt: skip
        out = t.write_batch("contact", ["source_id", "first_name", "last_name", "email",
                                        "properties", "company"], rows)  # fmt: skip
        assert all(r.target_id for r in out)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": seconds, "records": 2 * n, "jobs": t.jobs,
                      "requests": t.api.requests, "peak_mb": peak}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    print(f"{'records':>10}{'seconds':>10}{'records/s':>12}{'jobs':>6}{'requests':>10}"
          f"{'peak RSS MB':>13}")  # fmt: skip
    for n in (args.records // 5, args.records):
        q = mp.get_context("spawn").Queue()
        server = mp.get_context("spawn").Process(target=serve, args=(q,), daemon=True)
        server.start()
        url = q.get(timeout=60)
        with tempfile.TemporaryDirectory() as folder:
            out = subprocess.run([sys.executable, __file__, "--child", url, str(n), folder],
                                 capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
        server.kill()
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['records']:>10,}{r['seconds']:>10.1f}{r['records'] / r['seconds']:>12,.0f}"
              f"{r['jobs']:>6}{r['requests']:>10,}{r['peak_mb']:>13}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
