"""The tracker store's connection budget."""

import pytest

from components.rasa.budget import BudgetError, max_processes, plan_budget, usable_connections


def test_total_stays_strictly_under_80_percent():
    for limit in (25, 100, 401, 5000):
        for processes in (1, 2, 7, 8):
            try:
                b = plan_budget(limit, processes)
            except BudgetError:
                continue
            assert b.total < 0.8 * limit
            assert b.pool_size >= 1 and b.max_overflow >= 1


def test_rasa_defaults_are_the_upper_bound():
    b = plan_budget(100000, 2)
    assert (b.pool_size, b.max_overflow) == (50, 100)


def test_split_follows_rasas_one_to_two_ratio():
    b = plan_budget(1000, 8)  # 799 // 8 = 99 per process
    assert (b.pool_size, b.max_overflow) == (33, 66)


def test_processes_count_surge_and_workers():
    assert max_processes(max_replicas=6, surge=1, sanic_workers=2) == 14


def test_impossible_budget_names_the_numbers():
    with pytest.raises(BudgetError) as caught:
        plan_budget(25, 14)
    message = str(caught.value)
    assert "14 Rasa processes" in message and "max_connections 25" in message and f"only {usable_connections(25)}" in message
