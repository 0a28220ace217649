"""The README's generated reference blocks must be current, and name the commands CI runs;
`python -m infra.readme` writes and checks them."""

import subprocess
import sys

import pytest

from infra.readme import BLOCKS, README, current_block, main, markers, render_readme


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


def test_the_settings_reference_has_every_registered_clouds_section():
    from components.registry import CLOUDS

    table = BLOCKS["settings-reference"]()
    sections = [(cloud, info.alias or name) for cloud, spec in CLOUDS.items()
                for name, info in spec.settings_model.model_fields.items()]
    assert len({cloud for cloud, _ in sections}) >= 2  # more than one cloud has settings of its own
    for cloud, key in sections:
        assert f"| `{cloud}.{key}" in table, (cloud, key)


def readme_with_blocks(tmp_path, content: str = "old text\n"):
    """A README with every block's markers around `content`, and text around them."""
    parts = ["# Title\n"]
    assert BLOCKS
    for block in BLOCKS:
        begin, end = markers(block)
        parts.append(f"intro of {block}\n{begin}\n{content}{end}\nafter {block}\n")
    path = tmp_path / "README.md"
    path.write_text("".join(parts))
    return path


def test_write_replaces_only_the_generated_blocks_and_check_then_passes(tmp_path, capsys):
    readme = readme_with_blocks(tmp_path)
    assert main(["--check", "--readme", str(readme)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{readme}: stale generated blocks: {', '.join(BLOCKS)} (run .venv/bin/python -m infra.readme --write)"]

    assert main(["--write", "--readme", str(readme)]) == 0
    assert capsys.readouterr().out.strip() == f"{readme}: updated {', '.join(BLOCKS)}"
    text = readme.read_text()
    assert "old text" not in text and text.startswith("# Title\n")
    for block, render in BLOCKS.items():
        assert f"intro of {block}\n" in text and f"after {block}\n" in text
        assert current_block(text, block) == "\n" + render()
    assert text == render_readme(text)

    assert main(["--check", "--readme", str(readme)]) == 0
    assert capsys.readouterr().out.strip() == f"{readme}: generated blocks are current"


def test_check_names_only_the_stale_block(tmp_path, capsys):
    readme = readme_with_blocks(tmp_path)
    main(["--write", "--readme", str(readme)])
    stale, *_ = BLOCKS
    begin, _end = markers(stale)
    readme.write_text(readme.read_text().replace(begin + "\n", begin + "\nhand edit\n"))
    capsys.readouterr()
    assert main(["--check", "--readme", str(readme)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"{readme}: stale generated blocks: {stale} (run .venv/bin/python -m infra.readme --write)"
    ]


def test_missing_markers_are_named_and_nothing_is_written(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# no blocks here\n")
    assert BLOCKS
    for flag in ("--check", "--write"):
        assert main([flag, "--readme", str(readme)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == len(BLOCKS) and all(line.startswith(f"{readme}: block ") for line in err)
    assert readme.read_text() == "# no blocks here\n"


def test_without_an_option_every_block_is_printed(capsys):
    assert main([]) == 0
    printed = capsys.readouterr().out
    assert BLOCKS
    for render in BLOCKS.values():
        assert render() in printed


@pytest.mark.parametrize("args, code", [(["--help"], 0), (["--bogus"], 2), (["--write", "--check"], 2)])
def test_the_command_line_parses_its_arguments(args, code):
    run = subprocess.run([sys.executable, "-m", "infra.readme", *args], cwd=README.parent, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr
    if code == 0:
        assert "--write" in run.stdout and "--check" in run.stdout
    else:
        assert "usage: python -m infra.readme" in run.stderr
