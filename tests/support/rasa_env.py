"""Rasa Pro in its own virtualenv, and a way to run scripts/rasa_check.py inside it.

Rasa Pro pins hundreds of packages that must not meet the Pulumi program's, so it lives in a
separate virtualenv: `<repo>/.cache/rasa-venv` by default, or the one env RASA_VENV names (CI or a
developer may prepare it once). A missing one is created and `rasa-pro==RASA_PRO_VERSION` (no
extras, as the image ships it) installed from PyPI; that takes a few minutes once.

Checks run with a minimal environment built from scratch: what the renderer returned, the
secret values a Kubernetes Secret would inject, and only what the test harness must add (a
temporary HOME, dummy cloud credentials, the emulators' CA). Nothing leaks in from the developer's
or CI's own environment, so a check passes only if the rendered environment is enough.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

from tests.support.servers import ServerError

RASA_PRO_VERSION = "3.21.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
CHECK_SCRIPT = REPO_ROOT / "scripts" / "rasa_check.py"
DEFAULT_VENV = REPO_ROOT / ".cache" / "rasa-venv"
INSTALL_TIMEOUT = 30 * 60
CHECK_TIMEOUT = 180

# Keep Rasa and its libraries off the network and quiet: no telemetry, no LiteLLM price list fetch
# (it retries for ~7 s on a closed network), no prompts.
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LOG_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore",
    "PYTHONDONTWRITEBYTECODE": "1",
}


# The channel SDKs Rasa imports when a credentials.yml names those channels: rasa-pro's `channels`
# extra at its version ranges (the speech SDK left out). Installed beside rasa-pro on first use.
CHANNEL_SDKS = ("slack-sdk>=3.45.0,<3.46.0", "twilio>=9.12.0,<9.13.0", "fbmessenger>=6.0.0,<6.1.0",
                "aiogram>=3.31.0,<3.32.0")
CHANNEL_MODULES = "import slack_sdk, twilio, fbmessenger, aiogram"


def venv_path() -> Path:
    return Path(os.environ.get("RASA_VENV") or DEFAULT_VENV).resolve()


def _installed_version(python: Path) -> Optional[str]:
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('rasa-pro'))"],
        capture_output=True, text=True, timeout=60,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_rasa_venv() -> Path:
    """The python of a virtualenv with rasa-pro==RASA_PRO_VERSION, creating it if needed."""
    venv = venv_path()
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # A lock, so that two test runs never install into the same directory at once.
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        version = _installed_version(python)
        if version == RASA_PRO_VERSION:
            _ensure_channel_sdks(python, venv.parent / f"{venv.name}-install.log")
            return python
        if version is not None:
            raise ServerError(
                f"{venv} has rasa-pro {version}, the tests need {RASA_PRO_VERSION}: "
                f"point RASA_VENV elsewhere or remove that virtualenv"
            )
        log = venv.parent / f"{venv.name}-install.log"
        if not python.exists():
            _install_step([sys.executable, "-m", "venv", str(venv)], log)
        _install_step([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
                       f"rasa-pro=={RASA_PRO_VERSION}"], log)
        if _installed_version(python) != RASA_PRO_VERSION:
            raise ServerError(f"rasa-pro {RASA_PRO_VERSION} is not importable in {venv} after installing (log: {log})")
        _ensure_channel_sdks(python, log)
        return python


def _ensure_channel_sdks(python: Path, log: Path) -> None:
    if subprocess.run([str(python), "-c", CHANNEL_MODULES], capture_output=True, timeout=120).returncode != 0:
        _install_step([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", *CHANNEL_SDKS], log)


def _install_step(argv: list[str], log: Path) -> None:
    with open(log, "a") as out:
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT)
    if done.returncode != 0:
        raise ServerError(f"creating the Rasa Pro virtualenv failed: {' '.join(argv)}\n{_tail(log.read_text(errors='replace'), 30)}")


def base_env(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        **QUIET_ENV,
    }


class RasaRunner:
    """Runs scripts/rasa_check.py in the Rasa venv; one fresh process per call (Rasa and hvac
    read some settings from the environment once, at import)."""

    def __init__(self, python: Path, workdir: Path) -> None:
        self.python = python
        self.workdir = workdir

    def run(self, checks: list[str], env: dict[str, str], *, endpoints: Optional[Path] = None,
            extra_args: tuple[str, ...] = (), timeout: float = CHECK_TIMEOUT) -> dict[str, Any]:
        rundir = Path(tempfile.mkdtemp(prefix="run-", dir=self.workdir))
        output = rundir / "report.json"
        argv = [str(self.python), str(CHECK_SCRIPT), *checks, "--output", str(output), *extra_args]
        if endpoints is not None:
            argv += ["--endpoints", str(endpoints)]
        full_env = {**base_env(rundir), **env}
        try:
            done = subprocess.run(argv, env=full_env, cwd=rundir, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"rasa_check {checks} timed out after {timeout} s:\n{_tail(exc.stderr)}") from None
        if done.returncode != 0 or not output.exists():
            raise AssertionError(
                f"rasa_check {checks} failed (exit {done.returncode}):\n{_tail(done.stderr)}\n{_tail(done.stdout)}"
            )
        return json.loads(output.read_text())


def _tail(text: Any, lines: int = 60) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])
