"""The README's settings reference is generated from the settings models and must be current."""

from pathlib import Path

from infra.settings_reference import BEGIN, END, reference_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_settings_reference_in_readme_is_current():
    text = README.read_text()
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert current == reference_table().strip(), "run: python -m infra.settings_reference --write"


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    text = README.read_text()
    assert "make preview" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci
