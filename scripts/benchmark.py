"""Print how long the offline preview takes per stack and how much memory it needs.

    .venv/bin/python scripts/benchmark.py [--repeat N]

Figures, not assertions: the targets (a stack previews in under 10 s, all stacks in under 50 s so
the review hook stays fast, peak memory under 1 GiB) are read off this output, never timed in tests.
Each stack runs in a fresh interpreter so imports are part of the figure, as in CI.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import json, resource, sys, time
t0 = time.perf_counter()
from infra.preview import run_stack
t1 = time.perf_counter()
result = run_stack(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "resources": len(result.resources),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "error": result.config_error}))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from infra.preview import all_stacks

    print(f"{'stack':<14} {'resources':>9} {'import s':>9} {'run s':>7} {'total s':>8} {'peak MiB':>9}")
    grand = 0.0
    for stack in all_stacks():
        samples = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", PROBE, stack], cwd=REPO, capture_output=True, text=True, check=True)
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
        imp = statistics.median(s["import_s"] for s in samples)
        run = statistics.median(s["run_s"] for s in samples)
        rss = max(s["peak_rss_mib"] for s in samples)
        grand += imp + run
        print(f"{stack:<14} {samples[0]['resources']:>9} {imp:>9.2f} {run:>7.2f} {imp + run:>8.2f} {rss:>9.0f}")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "infra.preview", "--all", "--out", "/tmp/rasa-platform-bench"],
                   cwd=REPO, capture_output=True, check=False)
    print(f"\nsum of per-stack medians: {grand:.2f} s; `python -m infra.preview --all` in one process: "
          f"{time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
