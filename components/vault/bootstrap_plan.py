"""The bootstrap Job's plan: what components/vault/jobs/bootstrap.py is asked to do (pure, no Pulumi)."""

from __future__ import annotations

from pathlib import Path

BOOTSTRAP_SCRIPT = Path(__file__).resolve().parent / "jobs" / "bootstrap.py"
