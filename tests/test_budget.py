"""The tracker store's connection budget."""

import pytest

from components.rasa.budget import (
    MIN_CONNECTIONS_PER_PROCESS,
    BudgetError,
    max_processes,
    plan_budget,
    usable_connections,
)

# (max_connections, processes) that fit, from one process to the last count before the limit.
FITS = [(10, 1), (10, 3), (25, 1), (25, 9), (100, 2), (100, 39), (401, 7), (5000, 8), (5000, 100)]
# The first count past each limit above: 2 connections per process no longer fit under 80 %.
DOES_NOT_FIT = [(10, 4), (25, 10), (100, 40)]


@pytest.mark.parametrize("limit, processes", FITS)
def test_a_budget_that_fits_stays_strictly_under_80_percent(limit, processes):
    b = plan_budget(limit, processes)
    assert (b.max_connections, b.max_processes) == (limit, processes)
    assert b.total < 0.8 * limit
    assert b.total <= b.ceiling == usable_connections(limit)
    assert b.pool_size >= 1 and b.max_overflow >= 1
    assert b.per_process >= MIN_CONNECTIONS_PER_PROCESS


@pytest.mark.parametrize("limit, processes", DOES_NOT_FIT)
def test_a_budget_that_cannot_fit_is_refused(limit, processes):
    with pytest.raises(BudgetError, match=f"{processes} Rasa processes need at least 2 connections each"):
        plan_budget(limit, processes)


@pytest.mark.parametrize("processes", [0, -1])
def test_no_process_is_refused(processes):
    with pytest.raises(BudgetError, match="at least one Rasa process"):
        plan_budget(100, processes)


def test_usable_connections_are_strictly_under_80_percent_even_when_it_is_whole():
    # 80 % of 100 is exactly 80: Rasa may hold 79.
    assert [usable_connections(n) for n in (10, 25, 100, 401, 5000)] == [7, 19, 79, 320, 3999]


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
