"""The run summary at the end of the terminal output.

Scenarios passed and failed per variables file(s) and browser, the slowest
steps (when the steps are recorded: with a report or `--durations`), and where
the reports and the evidence files are::

    ---------------------------- pytest-play summary ----------------------------
    envs/local.yml, chrome: 2 passed, 1 failed
    envs/local.yml, no browser: 3 passed
    slowest steps:
      1.52 s  scenarios/test_login.json:12 step 5 waitForElementVisible (test_login[editor])
    HTML report: /abs/report.html
    evidence: 2 files in /abs/artifacts

`ScenarioFacts` runs where the test runs and puts what the summary needs on the
test's reports (`report.play_run`, plain data, so it crosses from an xdist
worker); `RunSummary` runs in the controller and writes the summary.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter, defaultdict

import pytest

from ..collect import ENGINE, SCENARIO, BrokenScenario
from ..providers.selenium.evidence import EVIDENCE_FILES
from ..report import display_path, item_masker
from .steps import step_log, step_title

SLOWEST = 5
BROWSER_PROVIDER = "selenium"


def uses_browser(item: pytest.Item) -> bool:
    """The scenario has browser steps of its own (those of included files are not looked at)."""
    compiled = item.stash[SCENARIO][0]
    return any(step.plan[0].provider == BROWSER_PROVIDER for step in compiled.steps)


class ScenarioFacts:
    """Puts a scenario test's browser use, slowest steps and evidence files on its reports."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        report = yield
        if item.stash.get(SCENARIO, None) is None:
            if isinstance(item, BrokenScenario):  # a file that can't be loaded is a failed scenario
                report.play_run = {"browser": False}
            return report
        facts = {"browser": uses_browser(item)}
        if report.when == "call":
            log, engine = step_log(item), item.stash.get(ENGINE, None)
            if log is not None and engine is not None:
                config, mask = item.config, item_masker(item, engine)  # a comment may hold a URL's password
                facts["slowest"] = [[outcome.duration, _where(config, step), mask(step_title(step))]
                                    for step, outcome in log.slowest(SLOWEST)]
            facts["evidence"] = sorted(item.stash.get(EVIDENCE_FILES, ()))
        report.play_run = facts
        return report


def _where(config, step) -> str:
    path = display_path(config, step.path)
    return f"{path}:{step.line}" if step.line else path


class RunSummary:
    """Gathers the scenario reports of the run and writes the summary."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.outcomes: dict[str, str] = {}
        self.browser: dict[str, bool] = {}
        self.slowest: list[tuple] = []
        self.evidence: set[str] = set()

    def pytest_runtest_logreport(self, report) -> None:
        facts = getattr(report, "play_run", None)
        if facts is None:
            return
        nodeid = report.nodeid
        self.browser[nodeid] = facts.get("browser", False)
        if report.failed:
            self.outcomes[nodeid] = "failed"
        elif report.skipped and nodeid not in self.outcomes:
            self.outcomes[nodeid] = "xfailed" if hasattr(report, "wasxfail") else "skipped"
        elif report.when == "call" and report.passed:
            self.outcomes[nodeid] = "xpassed" if hasattr(report, "wasxfail") else "passed"
        for duration, where, title in facts.get("slowest", ()):
            entry = (duration, where, title, nodeid.rpartition("::")[2])
            if len(self.slowest) < SLOWEST:
                heapq.heappush(self.slowest, entry)
            else:
                heapq.heappushpop(self.slowest, entry)
        self.evidence.update(facts.get("evidence", ()))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.outcomes:
            return
        write = terminalreporter.write_line
        terminalreporter.write_sep("-", "pytest-play summary")
        for line in self.outcome_lines():
            write(line)
        if self.slowest:
            write("slowest steps:")
            for duration, where, title, name in sorted(self.slowest, reverse=True):
                write(f"  {duration:6.2f} s  {where} step {title} ({name})")
        for line in self.location_lines():
            write(line)

    def outcome_lines(self) -> list[str]:
        environment = ", ".join(str(name) for name in (self.config.getoption("variables", None) or [])) \
            or "no variables file"
        groups: dict[str, Counter] = defaultdict(Counter)
        for nodeid, outcome in self.outcomes.items():
            browser = browser_name(self.config) if self.browser.get(nodeid) else "no browser"
            groups[f"{environment}, {browser}"][outcome] += 1
        order = ("passed", "failed", "skipped", "xfailed", "xpassed")
        return [f"{group}: " + ", ".join(f"{counts[name]} {name}" for name in order if counts[name])
                for group, counts in sorted(groups.items())]

    def location_lines(self) -> list[str]:
        option = self.config.getoption
        lines = []
        for label, value in (("HTML report", option("htmlpath", None)), ("Allure results", option("allure_report_dir", None)),
                             ("JUnit XML", option("xmlpath", None))):
            if value:
                lines.append(f"{label}: {os.path.abspath(value)}")
        if self.evidence:
            count = len(self.evidence)
            folders = sorted({os.path.dirname(path) for path in self.evidence})
            lines.append(f"evidence: {count} file{'s' if count > 1 else ''} in {', '.join(folders)}")
        return lines


_BROWSER = pytest.StashKey[str]()


def browser_name(config: pytest.Config) -> str:
    """The session's browser, as browser steps start it (options, then the variables' `browser:`)."""
    name = config.stash.get(_BROWSER, None)
    if name is None:
        from ..collect import variables_key
        from ..providers.selenium.fixtures import launch_plan
        from ..providers.selenium.settings import BrowserSetupError, load_settings

        option = config.getoption
        try:
            settings = load_settings(config.stash.get(variables_key, {}))
        except BrowserSetupError:  # a bad browser section: the failing tests say what is wrong
            settings = {}
        try:
            name = launch_plan(config, settings).webdriver
        except (BrowserSetupError, KeyError):  # no driver here, say: still the browser asked for
            name = option("play_browser", None) or option("splinter_webdriver", None) or settings.get("name")
        name = name or "browser"
        config.stash[_BROWSER] = name
    return name
