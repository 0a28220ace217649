"""`python -m infra.bench` runs and prints what the README's performance section quotes (no timing
is asserted: the figures depend on the machine)."""

from __future__ import annotations

import re
import subprocess
import sys

from infra.bench import machine
from infra.preview import REPO


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.bench", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_help_names_every_option():
    run = bench("--help")
    assert run.returncode == 0, run.stderr
    for option in ("--repeat", "--stack", "--stacks-dir", "--skip-all"):
        assert option in run.stdout


def test_a_quick_run_prints_one_row_per_stack_the_floor_and_the_machine():
    run = bench("--repeat", "1", "--stack", "byo-dev", "--skip-all")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines and lines[0].startswith("offline preview benchmark, ") and machine() in lines[0]
    header = "| stack | resources | preview s | floor s | ratio | peak MiB | first deploy (critical path) | all creation times |"
    assert header in lines
    (row,) = [line for line in lines if line.startswith("| byo-dev |")]
    assert re.fullmatch(r"\| byo-dev \| 26 \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\dx \| \d+ \| \d+\.\d min \| \d+\.\d min \|", row), row
    (floor,) = [line for line in lines if line.startswith("| (floor) |")]
    assert floor.startswith("| (floor) | 1 | ")
    assert "`python -m infra.preview --all`" not in run.stdout  # --skip-all


def test_unknown_stacks_and_a_zero_repeat_are_usage_errors():
    run = bench("--stack", "nope", "--repeat", "1")
    assert run.returncode == 2 and "unknown stack nope" in run.stderr
    run = bench("--repeat", "0")
    assert run.returncode == 2 and "--repeat must be at least 1" in run.stderr


def test_the_old_script_is_the_same_command():
    run = subprocess.run([sys.executable, "scripts/benchmark.py", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("usage: python -m infra.bench")
