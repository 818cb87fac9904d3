"""Reports built on the step events (hookspecs.py): pytest-html, Allure, JUnit and the run summary.

A pytest plugin (entry point `play_reports`). Each subscriber is registered
only when its report is asked for, so a run without one pays nothing per step:

- `--html` (pytest-html): `html_report.HtmlSteps`;
- `--alluredir` (allure-pytest): `allure_report.AllureSteps`;
- `--junitxml`: `junit.JunitSteps`;
- any of them, or `--durations`: `steps.StepRecorder`, which keeps each
  test's steps for the others and for the summary's slowest steps.

The run summary (`summary`) is always written; it costs one small record per
test, none per step.
"""

from __future__ import annotations

import pytest

from .steps import StepRecorder
from .summary import RunSummary, ScenarioFacts


def pytest_configure(config: pytest.Config) -> None:
    plugins = config.pluginmanager
    option = config.getoption
    subscribers = []
    if option("htmlpath", None) and plugins.hasplugin("html"):
        from .html_report import HtmlSteps

        subscribers.append(("play-reports-html", HtmlSteps(config)))
    if option("allure_report_dir", None) and plugins.hasplugin("allure_pytest"):
        from .allure_report import AllureSteps

        subscribers.append(("play-reports-allure", AllureSteps(config)))
    if option("xmlpath", None):
        from .junit import JunitSteps

        subscribers.append(("play-reports-junit", JunitSteps()))
    if subscribers or option("durations", None) is not None:
        subscribers.insert(0, ("play-reports-steps", StepRecorder()))
    subscribers.append(("play-reports-facts", ScenarioFacts()))
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist) writes the summary
        subscribers.append(("play-reports-summary", RunSummary(config)))
    for name, plugin in subscribers:
        if not plugins.has_plugin(name):
            plugins.register(plugin, name)
