"""The README's command reference is generated from the providers' declarations."""

from pathlib import Path

from pytest_play.reference import END, START, reference
from pytest_play.registry import ProviderRegistry

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_reference_matches_the_installed_providers():
    text = README.read_text(encoding="utf-8")
    block = text[text.index(START) + len(START) + 1:text.index(END)]
    assert block == reference(ProviderRegistry.discover()), "run: python -m pytest_play.reference --update README.md"


def test_reference_lists_parameters_with_optional_ones_marked():
    text = reference(ProviderRegistry.discover())
    assert "| `wait_until` | `expression`, `timeout`?, `poll`?, `sub_commands`? |" in text
    assert "### `play_requests` (alias `http`)" in text or "play_requests" not in ProviderRegistry.discover().names


def test_update_without_an_end_line_keeps_the_rest_of_the_file(tmp_path):
    from pytest_play.reference import update
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{START}\n\n## Errors\n\nkept\n")
    assert update(readme, "## Command reference\n")
    assert readme.read_text() == f"# Title\n\n{START}\n## Command reference\n{END}\n\n## Errors\n\nkept\n"
    assert not update(readme, "## Command reference\n")
