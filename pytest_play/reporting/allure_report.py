"""Allure (allure-pytest 2.x): each step an Allure step, nested as the steps are.

Registered when `--alluredir` is given; it runs where the test runs, beside
allure-pytest's own listener, through allure's public API (`allure.step`,
`allure.attach`, `allure.dynamic`, the `allure_label` marker):

- a step starts an Allure step titled `3.2 clickElement: comment`, with the
  step's parameters as written (masked); its sub-steps nest inside it; it
  ends passed, failed (also for a failed verify), or skipped;
- the evidence of a failing step (screenshot, page HTML) and its rendered,
  masked parameters are attachments of that step;
- a test data row is a parameter of the test (`row`, its id, and `test data`,
  the row masked, left out of the history id), so each row is a distinct test
  with its own history id instead of a retry of the others; so is the
  scenario's path (`scenario`), since allure-pytest takes `test_login.json`
  and `test_login.yml` for one module;
- the scenario's markers are tags (allure-pytest does that for plain markers),
  and its path is the suite, its folder the parent suite.
"""

from __future__ import annotations

import json
import os

import allure
import pytest
from allure_commons.types import AttachmentType

from ..collect import ENGINE, SCENARIO
from ..errors import PlayError
from ..hookspecs import FAILED, SKIPPED, VERIFY_FAILED
from ..report import cut, item_masker, render
from .steps import SHOWN_KEYS, parameters_text, step_title, value_text

OPEN_STEPS = pytest.StashKey[list]()
_ATTACHMENT_TYPES = {"screenshot": AttachmentType.PNG, "html": AttachmentType.HTML, "log": AttachmentType.TEXT}


class AllureSteps:
    """Turns step events into Allure steps, and scenario items into distinct Allure tests."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            scenario = item.stash.get(SCENARIO, None)
            if scenario is None:
                continue
            path = scenario[0].scenario.path
            suite = os.path.relpath(path, self.config.rootpath)
            parent = os.path.dirname(suite) or self.config.rootpath.name
            item.add_marker(pytest.mark.allure_label(suite, label_type="suite"))
            item.add_marker(pytest.mark.allure_label(parent, label_type="parentSuite"))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """The scenario file and the row as parameters: allure-pytest's history id is made of the
        test's module path without its suffix (test_login.json and test_login.yml are one) and
        its parameters (a row has none of pytest's). Set at setup, so skipped tests get them too."""
        scenario = item.stash.get(SCENARIO, None)
        if scenario is None:
            return
        allure.dynamic.parameter("scenario", os.path.relpath(scenario[0].scenario.path, self.config.rootpath))
        if scenario[1] is not None:
            allure.dynamic.parameter("row", row_id(item))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call) -> None:
        """At the end of the test's call (its engine holds the secrets to mask the row with)."""
        if call.when != "call":
            return
        _mask_exception(item, call.excinfo)
        for context in reversed(item.stash.get(OPEN_STEPS, [])):  # steps the engine never finished
            context.__exit__(None, None, None)
        item.stash[OPEN_STEPS] = []
        scenario = item.stash.get(SCENARIO, None)
        if scenario is not None and scenario[1] is not None and item.stash.get(ENGINE, None) is not None:
            # the row masked (with the secrets the engine knows), shown but not part of the history id
            allure.dynamic.parameter("test data", _masked_row(item, scenario[1]), excluded=True)

    @pytest.hookimpl
    def pytest_play_step_start(self, item, step) -> None:
        if item is None:
            return
        mask = _masker(item)
        context = allure.step(mask(step_title(step)))
        context.params = {key: mask(value_text(value)) for key, value in dict(step.parameters).items()
                          if key not in SHOWN_KEYS}
        context.__enter__()
        item.stash.setdefault(OPEN_STEPS, []).append(context)

    @pytest.hookimpl
    def pytest_play_step_finish(self, item, step, outcome) -> None:
        if item is None or not item.stash.get(OPEN_STEPS, None):
            return
        context = item.stash[OPEN_STEPS].pop()
        error = None
        if outcome.status in (FAILED, VERIFY_FAILED):
            _masker_attach_rendered(item, outcome)
            error = AssertionError(outcome.message or outcome.status)
        elif outcome.status == SKIPPED:
            error = pytest.skip.Exception(outcome.message or "skip_condition held")
        self._attach_evidence(outcome)  # a failure's, or with DEBUG every browser step's
        context.__exit__(type(error) if error else None, error, None)

    @staticmethod
    def _attach_evidence(outcome) -> None:
        for kind, path in outcome.evidence:
            if os.path.exists(path):
                allure.attach.file(str(path), name=f"{kind} {os.path.basename(path)}",
                                   attachment_type=_ATTACHMENT_TYPES.get(kind, AttachmentType.TEXT))


def _mask_exception(item, excinfo) -> None:
    """allure-pytest writes the failure's message from the exception itself
    (`excinfo.exconly()`, after this hook), not from pytest's masked report: mask the
    texts our errors carry, in place."""
    error = excinfo.value if excinfo is not None else None
    if not isinstance(error, PlayError) or item.stash.get(ENGINE, None) is None:
        return
    mask = _masker(item)
    error.args = tuple(mask(arg) if isinstance(arg, str) else arg for arg in error.args)


def _masker_attach_rendered(item, outcome) -> None:
    """The failing step as rendered, masked: Allure's own parameters are the written ones."""
    mask = _masker(item)
    allure.attach(mask(parameters_text(outcome.parameters, 10_000)), name="step (rendered)",
                  attachment_type=AttachmentType.JSON)


def _masker(item):
    engine = item.stash.get(ENGINE, None)
    return item_masker(item, engine) if engine is not None else str


def row_id(item: pytest.Item) -> str:
    """The row's part of the test id: `editor` of `test_login[editor]` (ids leave secrets out)."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and getattr(callspec, "id", None):
        return callspec.id
    name, base = item.name, getattr(item, "originalname", item.name)
    return name[len(base) + 1:-1] if name.startswith(base + "[") else name


def _masked_row(item: pytest.Item, row: dict) -> str:
    try:
        text = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        text = render(row, 4000)
    return cut(_masker(item)(text), 2000)
