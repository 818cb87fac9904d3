"""docs/jenkins.md: its generated tables and form picture are current, and
they are made from the Jenkinsfile and the code (docs/jenkins_docs.py)."""

import importlib.util
import shutil
import struct
from pathlib import Path

import pytest

from pytest_play.providers.selenium import settings

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("jenkins_docs", REPO / "docs" / "jenkins_docs.py")
jenkins_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(jenkins_docs)

needs_groovy = pytest.mark.skipif(shutil.which("groovy") is None, reason="groovy is not installed (.ci/setup)")


@pytest.fixture(scope="module")
def parameters():
    return jenkins_docs.pipeline_parameters()


@needs_groovy
def test_the_generated_parts_of_the_page_and_the_form_html_are_current():
    assert jenkins_docs.main(["--check"]) == 0, "run: python docs/jenkins_docs.py"


@needs_groovy
def test_the_form_table_has_every_field_with_the_options_it_becomes(parameters):
    table = jenkins_docs.form_table(parameters).splitlines()
    assert [row.split(" | ")[0].strip("| *") for row in table[2:]] == [p["name"] for p in parameters]
    row = {row.split(" | ")[0].strip("| *"): row.split(" | ") for row in table[2:]}
    assert row["RESOLUTION"][4] == "`--variables envs/resolutions/1920x1080.yml`"
    assert row["SELENIUM_GRID_URL"][4] == ("`--splinter-webdriver remote --splinter-remote-url "
                                           "http://grid.example.com:4444`")
    assert row["TESTRAIL_ENABLE"][4].startswith("then `trcli -y --host https://example.testrail.io --project Demo")
    assert "********" not in row["TESTRAIL_ENABLE"][4]


def test_the_browser_key_table_is_the_code_that_reads_the_keys(monkeypatch):
    table = jenkins_docs.browser_keys_table()
    assert [line.split("|")[1].strip(" `") for line in table.splitlines()[2:]] == list(settings.KEYS)
    monkeypatch.setitem(settings.KEYS, "new_key", "a key the page does not know yet")
    doc = (REPO / "docs" / "jenkins.md").read_text()
    fresh = jenkins_docs.with_sections(doc, {"browser-keys": jenkins_docs.browser_keys_table()})
    assert fresh != doc and "| `new_key` |  | a key the page does not know yet |" in fresh


@needs_groovy
def test_the_form_picture_is_a_headless_chromium_screenshot_of_the_form_drawn_from_the_jenkinsfile(
        parameters, tmp_path):
    page = tmp_path / "form.html"
    page.write_text(jenkins_docs.form_html(parameters))
    assert page.read_text() == (REPO / "docs" / "images" / "jenkins-form.html").read_text()
    for p in parameters:
        assert f">{p['name']}<" in page.read_text() or f"> {p['name']}</label>" in page.read_text()
    png = tmp_path / "form.png"
    jenkins_docs.screenshot(page, png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1000 and height > 1000  # the whole form, not one screen of it
    committed = (REPO / "docs" / "images" / "jenkins-form.png").read_bytes()
    assert struct.unpack(">II", committed[16:24]) == (width, height)


def test_the_jenkinsfile_and_the_readme_link_the_page():
    assert "docs/jenkins.md" in (REPO / "Jenkinsfile").read_text()
    assert "(docs/jenkins.md)" in (REPO / "README.md").read_text()
