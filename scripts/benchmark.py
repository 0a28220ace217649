"""Kept for old habits: the benchmark is `python -m infra.bench` (same options)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.bench import main  # after the path: this file runs as a script, not a module

if __name__ == "__main__":
    sys.exit(main())
