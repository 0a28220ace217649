"""Session-wide fixtures: the shipped stacks are previewed once per test session, not per test.

    def test_something(shipped_previews):
        result = shipped_previews["aws-prod"]          # StackPreview
        for name, result in shipped_previews.items():  # every stack in stacks/

    def test_cli(shipped_cli_runs):
        first, second = shipped_cli_runs               # `python -m infra.preview --all`, twice
        first.returncode, first.stdout, first.out      # out: the artifact folder

Both are shared: read them, never modify them (copy a preview with `dataclasses.replace` to
change a field). They run when the first test asking for them is set up, before any of its
function-scoped fixtures, so a test's monkeypatching never leaks into them. A variant of a stack
(overrides, a broken copy) is a test's own run: `tests.previewing.preview(stack, **overrides)`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pytest

from infra.preview import REPO, StackPreview, all_stacks, run_stack

# Two different hash seeds: set and frozenset iteration order differs between the two runs.
CLI_HASH_SEEDS = ("1", "2")


@pytest.fixture(scope="session")
def shipped_previews() -> Mapping[str, StackPreview]:
    """Stack name → StackPreview for every stack in stacks/, each previewed once (read-only)."""
    names = all_stacks()
    assert names, "no stack files in stacks/"
    return MappingProxyType({name: run_stack(name) for name in names})


@dataclass(frozen=True)
class CliRun:
    seed: str
    returncode: int
    stdout: str
    stderr: str
    out: Path


@pytest.fixture(scope="session")
def shipped_cli_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, ...]:
    """`python -m infra.preview --all` over the shipped stacks in two fresh processes at once,
    with different PYTHONHASHSEED values: the artifacts must be identical byte for byte."""
    started = []
    for seed in CLI_HASH_SEEDS:
        out = tmp_path_factory.mktemp(f"preview-seed-{seed}")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.preview", "--all", "--out", str(out)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        started.append((seed, out, process))
    runs = []
    for seed, out, process in started:
        stdout, stderr = process.communicate(timeout=300)
        runs.append(CliRun(seed, process.returncode, stdout, stderr, out))
    return tuple(runs)
