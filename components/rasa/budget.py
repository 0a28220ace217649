"""The tracker store's connection budget.

Rasa opens up to SQL_POOL_SIZE + SQL_MAX_OVERFLOW connections per process (defaults 50 + 100).
With N processes that is N × 150: three pods can exhaust a small database. The budget sizes both
so that every process that can run at once (HPA max replicas plus the rolling-update surge, times
Sanic workers) stays under a share of the database's connection limit, and refuses a plan where
that is impossible. Other clients of the same server (Rasa Pro Services with its database on the
tracker store's server) are `reserved` first: Rasa shares what is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Share of max_connections Rasa may take; the rest stays for admins, replication, migrations.
BUDGET_SHARE = 0.8
# Fewer than this per process starves Rasa's concurrent request handling.
MIN_CONNECTIONS_PER_PROCESS = 2
# Rasa's own defaults: never hand a process more than it would take by itself.
RASA_DEFAULT_POOL_SIZE = 50
RASA_DEFAULT_MAX_OVERFLOW = 100


class BudgetError(ValueError):
    """The plan cannot fit the database's connection limit."""


@dataclass(frozen=True)
class ConnectionBudget:
    max_connections: int
    max_processes: int
    pool_size: int
    max_overflow: int
    reserved: int = 0  # held by other clients of the same server (analytics), before Rasa's share

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow

    @property
    def total(self) -> int:
        return self.per_process * self.max_processes

    @property
    def ceiling(self) -> int:
        return usable_connections(self.max_connections) - self.reserved


def usable_connections(max_connections: int) -> int:
    """The most connections Rasa may hold in total: strictly under BUDGET_SHARE of the limit."""
    return math.ceil(max_connections * BUDGET_SHARE) - 1


def max_processes(max_replicas: int, surge: int, sanic_workers: int) -> int:
    return (max_replicas + surge) * sanic_workers


def plan_budget(max_connections: int, processes: int, reserved: int = 0) -> ConnectionBudget:
    """Split the usable connections left after `reserved` between processes, one third pooled, two
    thirds overflow (Rasa's own 50:100 ratio). Raises BudgetError naming the numbers when it cannot fit."""
    if processes < 1:
        raise BudgetError(f"at least one Rasa process is needed, got {processes}")
    ceiling = usable_connections(max_connections) - reserved
    per_process = min(ceiling // processes, RASA_DEFAULT_POOL_SIZE + RASA_DEFAULT_MAX_OVERFLOW)
    if per_process < MIN_CONNECTIONS_PER_PROCESS:
        raise BudgetError(
            f"{processes} Rasa processes need at least {MIN_CONNECTIONS_PER_PROCESS} connections each "
            f"({processes * MIN_CONNECTIONS_PER_PROCESS}), but under {int(BUDGET_SHARE * 100)} % of the tracker "
            f"store's max_connections {max_connections} only {ceiling} are available"
            + (f" after {reserved} for Rasa Pro Services" if reserved else "")
        )
    pool_size = max(1, per_process // 3)
    return ConnectionBudget(
        max_connections=max_connections,
        max_processes=processes,
        pool_size=pool_size,
        max_overflow=per_process - pool_size,
        reserved=reserved,
    )
