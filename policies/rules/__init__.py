"""The pack's rules, declared once per concern, cloud-neutral (no resource type appears here).

Each module declares `RULES`; the order below is the pack's order. The checks that decide a
rule live in the check packages (policies/aws/, policies/kubernetes/, ...), which attach them
to these names (policies/checks.py).
"""

from __future__ import annotations

from . import cache, cluster, database, governance, kafka, kubernetes, platform, storage
from .declare import PackError, Rule, by_name

CONCERNS = (storage, cache, database, kafka, cluster, kubernetes, platform, governance)

RULES: dict[str, Rule] = by_name(rule for concern in CONCERNS for rule in concern.RULES)

__all__ = ["CONCERNS", "RULES", "PackError", "Rule"]
