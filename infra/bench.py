"""How long the offline preview takes, against the engine's floor, and how long a first deploy would.

    python -m infra.bench [--repeat N] [--stack NAME ...] [--stacks-dir DIR] [--skip-all]

Per stack: resources registered; the preview's time (median of N runs, each in a fresh interpreter:
importing the preview and running the stack's program, policies included, as CI pays it); the floor,
a program registering one resource under the same engine and policy pack, measured the same way in
the same run (interleaved with the stacks, so both see the same machine); their ratio; peak memory;
and the first deploy's critical-path estimate against all creation times added up. Then one
`python -m infra.preview --all` in one process (unless --skip-all), and the machine.

Figures, not assertions: the targets (a prod stack within 3x the floor, `--all` within 30 s, the
critical path within 1.1x of the slowest chain that cannot be shortened) are read off this output
and the README, never timed in tests.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parent.parent
# The child's whole program: `probe` starts its clock before importing anything of the preview.
PROBE = "import sys; from infra.bench import probe; probe(sys.argv[1:])"
FLOOR = "(floor)"


def probe(argv: list[str]) -> None:
    """In a fresh interpreter: time one preview (`stack NAME STACKS_DIR`) or the floor (`floor`),
    print one JSON line. The preview's modules are imported inside the clock (in `_stack` and
    `_floor`, not at the top of this module), which is the point."""
    started = time.perf_counter()
    if argv[0] == "floor":
        summary = _floor()
    else:
        summary = _stack(argv[1], Path(argv[2]))
    summary["seconds"] = time.perf_counter() - started
    summary["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(summary))


def _stack(name: str, stacks_dir: Path) -> dict[str, Any]:
    from infra.preview import run_stack  # inside the clock

    result = run_stack(name, stacks_dir=stacks_dir)
    return {"resources": len(result.resources), "error": result.config_error}


def _floor() -> dict[str, Any]:
    """One `random:index/randomId:RandomId` (no cloud, so no cloud SDK module is loaded for it),
    recorded and checked by the policy pack exactly as a stack is."""
    import pulumi_random  # inside the clock, as everything below

    from infra.preview.engine import evaluate_recorded, garbage_collector_paused, record_program

    with garbage_collector_paused():
        recording = record_program("floor", lambda: pulumi_random.RandomId("floor", byte_length=8))
        evaluate_recorded(recording.resources, "dev")
    return {"resources": len(recording.resources), "error": None}


def _sample(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark probe {' '.join(args)} failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    """`nproc` CPUs, total memory (as `free -h` shows it), the CPU model, Python."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory, model = "?", platform.processor() or "?"
    try:
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:"))
        memory = f"{kib / 1024 / 1024:.1f}Gi"
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpus} CPUs (nproc), {memory} memory, {model}, Python {platform.python_version()}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m infra.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5, metavar="N", help="runs per stack and of the floor (default 5)")
    p.add_argument("--stack", action="append", metavar="NAME", help="only this stack (repeatable; default: every stack)")
    p.add_argument("--stacks-dir", type=Path, default=None, metavar="DIR", help="where the stack files are (default stacks/)")
    p.add_argument("--skip-all", action="store_true", help="do not time `python -m infra.preview --all`")
    return p


def main(argv: Optional[list[str]] = None) -> int:
    args = parser().parse_args(argv)
    if args.repeat < 1:
        parser().error("--repeat must be at least 1")
    # Imported here, not at the top: a probe imports this module, and its clock must include them.
    from infra.preview import STACKS_DIR, all_stacks, run_stack
    from infra.preview.estimate import estimate, minutes_text

    stacks_dir = args.stacks_dir or STACKS_DIR
    names = args.stack or all_stacks(stacks_dir)
    unknown = [n for n in names if n not in all_stacks(stacks_dir)]
    if unknown:
        parser().error(f"unknown stack {', '.join(unknown)}; available: {', '.join(all_stacks(stacks_dir))}")

    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in [FLOOR, *names]}
    for _ in range(args.repeat):
        samples[FLOOR].append(_sample(["floor"]))
        for name in names:
            samples[name].append(_sample(["stack", name, str(stacks_dir)]))

    floor = statistics.median(s["seconds"] for s in samples[FLOOR])
    print(f"offline preview benchmark, {datetime.date.today().isoformat()}: {machine()}")
    print(f"each time: median of {args.repeat} runs, each in a fresh interpreter (imports + the program + the policy pack)")
    print()
    print("| stack | resources | preview s | floor s | ratio | peak MiB | first deploy (critical path) | all creation times |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        runs = samples[name]
        if runs[0]["error"]:
            print(f"| {name} | config error: {runs[0]['error']} | | | | | | |")
            continue
        seconds = statistics.median(s["seconds"] for s in runs)
        peak = max(s["peak_mib"] for s in runs)
        est = estimate(run_stack(name, stacks_dir=stacks_dir).resources)
        print(f"| {name} | {runs[0]['resources']} | {seconds:.2f} | {floor:.2f} | {seconds / floor:.1f}x | {peak:.0f} | "
              f"{minutes_text(est.seconds)} | {minutes_text(est.total_seconds)} |")
    print(f"| {FLOOR} | {samples[FLOOR][0]['resources']} | {floor:.2f} | | | "
          f"{max(s['peak_mib'] for s in samples[FLOOR]):.0f} | | |")
    print()
    print("floor: one random:index/randomId:RandomId recorded by the same engine and checked by the same policy pack")
    if not args.skip_all:
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "infra.preview", "--all", "--out", out, "--stacks-dir", str(stacks_dir)],
                                 cwd=REPO, capture_output=True, text=True, check=False)
            took = time.perf_counter() - started
        print(f"`python -m infra.preview --all` in one process (interpreter start to exit, artifacts written): "
              f"{took:.1f} s, exit code {run.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
