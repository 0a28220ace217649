"""AWS sizes per environment (merged under the generic presets in infra/presets.py)."""

from __future__ import annotations

from typing import Any

AWS_PRESETS: dict[str, dict[str, Any]] = {"dev": {}, "staging": {}, "prod": {}}
