"""pytest-html: a failing browser scenario's report shows its steps, the failing
step highlighted, the screenshot embedded and the page HTML attached, with no
secret value anywhere in the file; also under `-n 2`. The report is opened in
headless Chromium too, which makes the README's picture (docs/images)."""

import base64
import html
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from test_selenium_provider import run_browser, scenario_text

from pytest_play.providers.selenium.launch import LaunchPlan, quit_driver
from pytest_play.providers.selenium.settings import load_settings
from pytest_play.reporting import steps

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "Edit0r-Secret-77"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

LOGIN = scenario_text(f"""
    markers: [login]
    test_data:
      - {{username: editor, password: {PASSWORD}}}
    ---
    - {{type: get, url: "$base_url", comment: visit base url}}
    - {{type: clickElement, locator: {{type: id, value: personaltools-login}}, comment: click on login link}}
    - {{type: setElementText, locator: {{type: id, value: __ac_name}}, text: $username, comment: provide a username}}
    - {{type: setElementText, locator: {{type: id, value: __ac_password}}, text: $password, comment: provide a password}}
    - {{type: assertText, locator: {{type: id, value: title}}, text: Welcome $username, timeout: 0.5,
        comment: expect to be welcomed}}
""")


def report_tests(path: Path) -> dict:
    """The tests of a pytest-html 4 report, from the JSON it embeds."""
    text = path.read_text(encoding="utf-8")
    blob = re.search(r'data-jsonblob="(.*?)"', text, re.S)
    assert blob, "no data-jsonblob in the report"
    return json.loads(html.unescape(blob.group(1)))


def extras_of(data: dict, nodeid: str) -> list[dict]:
    (entry,) = [test for test in data["tests"][nodeid] if "call" in "".join(test["resultsTableRow"])
                or len(data["tests"][nodeid]) == 1]
    return entry["extras"]


def run_login(pytester, demo_server, *args):
    pytester.makefile(".yml", test_login=LOGIN)
    return run_browser(pytester, demo_server, "--html", "report.html", "--self-contained-html",
                       "--play-artifacts", "artifacts", *args)


def check_report(pytester):
    report = pytester.path / "report.html"
    text = report.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert base64.b64encode(PASSWORD.encode()).decode()[:16] not in text  # not in an embedded file either
    data = report_tests(report)
    nodeid = "test_login.yml::test_login[editor]"
    extras = extras_of(data, nodeid)
    kinds = [extra["format_type"] for extra in extras]
    assert kinds == ["html", "image", "text"]
    steps, image, page = extras
    table = steps["content"]
    assert "<b>scenario:</b> <code>test_login.yml</code>" in table
    assert "<b>test data:</b> <code>{&quot;username&quot;: &quot;editor&quot;, &quot;password&quot;: &quot;*****&quot;}</code>" in table
    assert "<b>variables:</b> <code>vars.yml</code>" in table
    rows = re.findall(r"<tr[^>]*>.*?</tr>", table, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows[1:]]
    assert [(c[0], c[2], c[5]) for c in cells if len(c) == 6] == [
        ("1", "<code>get</code>", "passed"),
        ("2", "<code>clickElement</code>", "passed"),
        ("3", "<code>setElementText</code>", "passed"),
        ("4", "<code>setElementText</code>", "passed"),
        ("5", "<code>assertText</code>", "failed"),
    ]
    assert cells[3][1] == "provide a password"
    assert cells[3][3] == ("<code>{&quot;locator&quot;: {&quot;type&quot;: &quot;id&quot;, &quot;value&quot;: "
                           "&quot;__ac_password&quot;}, &quot;text&quot;: &quot;*****&quot;}</code>")
    assert cells[4][1] == "expect to be welcomed"
    assert 'class="play-step-failed"' in rows[5] and "play-step-failed" not in "".join(rows[:5])
    assert "expected the text of id &#x27;title&#x27; to match &#x27;Welcome editor&#x27;" in rows[6]
    assert re.match(r"\d+ ms|\d+\.\d\d s", cells[0][4])
    assert image["content"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["content"].split(",", 1)[1]).startswith(PNG_MAGIC)
    assert image["name"].startswith("screenshot ")
    assert page["name"].startswith("page HTML ") and page["content"].startswith("data:text/plain")
    page_html = base64.b64decode(page["content"].split("base64,", 1)[1]).decode()
    assert 'id="personaltools-login"' in page_html
    assert data["environment"]["pytest-play variables"] == "vars.yml"
    return report


def test_a_failing_browser_scenario_gives_steps_screenshot_and_page_html_and_no_secret(pytester, demo_server):
    result = run_login(pytester, demo_server)
    result.assert_outcomes(failed=1)
    report = check_report(pytester)
    picture = render_report(report, pytester.path / "report.png")
    assert picture.read_bytes().startswith(PNG_MAGIC)
    if os.environ.get("PLAY_UPDATE_DOCS_PICTURE"):
        shutil.copyfile(picture, REPO / "docs" / "images" / "html-report.png")


def test_the_report_is_the_same_under_two_xdist_workers(pytester, demo_server):
    pytester.makefile(".yml", test_other="- {type: get, url: \"$base_url\"}\n")
    result = run_login(pytester, demo_server, "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    check_report(pytester)


def test_without_a_report_no_reporting_module_hears_the_step_events(pytester):
    pytester.makefile(".yml", test_one="- {type: assert, expression: 'True'}\n")
    pytester.makeconftest("""
        def pytest_sessionfinish(session):
            hook = session.config.hook
            names = sorted({impl.plugin_name for caller in (hook.pytest_play_step_start, hook.pytest_play_step_finish)
                            for impl in caller.get_hookimpls() if impl.plugin_name.startswith("play-reports")})
            print("step subscribers:", ", ".join(names) or "none")
    """)
    result = pytester.runpytest("-p", "no:randomly", "-s")
    result.stdout.fnmatch_lines(["*step subscribers: none"])
    result = pytester.runpytest("-p", "no:randomly", "-s", "--html", "r.html")
    result.stdout.fnmatch_lines(["*step subscribers: play-reports-steps"])
    result = pytester.runpytest("-p", "no:randomly", "-s", "--alluredir", "allure")
    result.stdout.fnmatch_lines(["*step subscribers: play-reports-allure, play-reports-steps"])


def test_a_long_scenario_lists_its_first_steps_and_every_failing_one(pytester, monkeypatch):
    monkeypatch.setattr(steps, "MAX_STEPS", 3)
    pytester.makefile(".yml", test_long="- {type: assert, expression: 'True'}\n" * 6
                      + "- {type: assert, expression: 'False', comment: the last}\n")
    result = pytester.runpytest_inprocess("-p", "no:randomly", "--html", "report.html", "--self-contained-html")
    result.assert_outcomes(failed=1)
    (table, *_) = extras_of(report_tests(pytester.path / "report.html"), "test_long.yml::test_long")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table["content"], re.S)
    indexes = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[0] for row in rows[1:]]
    assert indexes == ["1", "2", "3", "7", ""]  # the failing step, then its message
    assert "<p>3 more passed steps not listed.</p>" in table["content"]


def render_report(report: Path, picture: Path) -> Path:
    """Open the report in headless Chromium, check the steps and the screenshot show, save a picture."""
    settings = load_settings({"browser": {"window_size": [1280, 1000]}})
    plan = LaunchPlan(webdriver="chrome", settings=settings, headless=True, remote_url=None,
                      driver_path=shutil.which("chromedriver") or "/usr/bin/chromedriver", command_timeout=60)
    profiles = Path(tempfile.mkdtemp(prefix="pytest-play-report-"))
    driver, profile = plan.start(profiles)
    try:
        driver.get(report.as_uri())
        table = driver.find_element("css selector", ".play-steps table")
        assert table.is_displayed()
        failed_row = driver.find_element("css selector", ".play-steps tr.play-step-failed")
        assert "assertText" in failed_row.text
        image = driver.find_element("css selector", ".media img")
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})",
                              driver.find_element("css selector", ".summary"))
        driver.save_screenshot(str(picture))
    finally:
        quit_driver(driver, profile)
        shutil.rmtree(profiles, ignore_errors=True)
    return picture


@pytest.fixture(autouse=True)
def _offline():
    os.environ.setdefault("SE_OFFLINE", "true")
