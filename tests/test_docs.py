"""Documentation stays true: every setting is documented in the README, every doc it links exists."""

import re

from ghintel_pipeline.lib.settings import Settings
from tests.conftest import REPO_ROOT


def test_every_setting_is_in_the_readme_configuration_table():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [n.upper() for n in Settings.model_fields if f"`{n.upper()}`" not in readme]
    assert not missing, f"README configuration table lacks: {missing}"


def test_docs_named_in_the_readme_exist():
    readme = (REPO_ROOT / "README.md").read_text()
    names = set(re.findall(r"`(docs/[\w./-]+\.md)`", readme))
    assert names, "README names no docs"
    assert [n for n in names if not (REPO_ROOT / n).exists()] == []


def test_readme_gives_the_two_commands():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make up" in readme and "make test" in readme
