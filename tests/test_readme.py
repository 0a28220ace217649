"""The README's generated reference blocks must be current, and name the commands CI runs."""

import pytest

from infra.readme import BLOCKS, README, current_block


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_generated_block_in_readme_is_current(block):
    assert current_block(README.read_text(), block).strip() == BLOCKS[block]().strip(), (
        "stale: run .venv/bin/python -m infra.readme --write"
    )


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    text = README.read_text()
    assert "make preview" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci
