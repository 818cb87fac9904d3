"""pytest-bdd hooks, registered only when pytest-bdd is: Scenario Outline examples
become play variables, and a failing play step (or a step with no definition)
is reported at the feature's line, with the play step's own `file:line`."""

from __future__ import annotations

import pytest

from ..collect import ENGINE, failure_secrets
from ..errors import PlayError, StepFailure
from ..report import FailureText, display_path, format_step_failure, item_masker
from . import seam

STEP_ERROR = pytest.StashKey[tuple]()  # (feature path, FeatureStep)
LOOKUP_ERROR = pytest.StashKey[tuple]()
EXAMPLE_GIVEN = pytest.StashKey[bool]()


def pytest_bdd_before_step_call(request, feature, scenario, step, step_func, step_func_args):
    """At the first step that uses play, the example's values become variables (before
    anything the scenario stores: an outline's columns win over --variables)."""
    node = request.node
    engine = node.stash.get(ENGINE, None)
    if engine is None or node.stash.get(EXAMPLE_GIVEN, False):
        return
    node.stash[EXAMPLE_GIVEN] = True
    example = seam.example_of(node)
    if example:
        engine.update_variables(example)


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    request.node.stash[STEP_ERROR] = (seam.feature_path(feature), seam.step_text(step))


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception):
    request.node.stash[LOOKUP_ERROR] = (seam.feature_path(feature), seam.step_text(step))


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Ours inside pytest-play's own wrapper, which masks secrets in what this returns."""
    report = yield
    if call.when == "call" and report.failed and call.excinfo is not None:
        text = failure_text(item, call.excinfo.value)
        if text is not None:
            report.longrepr = FailureText(text)
    return report


def failure_text(item: pytest.Item, error: BaseException) -> str | None:
    lookup = item.stash.get(LOOKUP_ERROR, None)
    library = getattr(item.parent, "library", None)
    if lookup is not None and library is not None:
        return undefined_step_text(item, library, *lookup)
    failed = item.stash.get(STEP_ERROR, None)
    if failed is None or not isinstance(error, PlayError):
        return None  # a Python step's own exception: pytest's report, as without pytest-play
    path, step = failed
    header = f"{display_path(item.config, path)}:{step.line}: {step.shown()!r} failed"
    if isinstance(error, StepFailure):
        engine = item.stash.get(ENGINE, None)
        mask = item_masker(item, engine, failure_secrets(error)) if engine is not None else str
        return f"{header}\n{format_step_failure(error, item.config, mask)}"
    return f"{header}\n  " + str(error).replace("\n", "\n  ")


def undefined_step_text(item: pytest.Item, library, path, step) -> str:
    config = item.config
    lines = [f"{display_path(config, path)}:{step.line}: no step definition matches {step.shown()!r}"]
    closest = library.closest(step.type, step.text)
    if closest:
        lines.append("  closest patterns of the step library:")
        lines.extend(f"    {entry.describe()} ({entry.where(display_path(config, entry.path))})"
                     for entry in closest)
    elif library.files:
        shown = ", ".join(display_path(config, p) for p in library.files)
        lines.append(f"  no pattern of the step library ({shown}) is close")
    else:
        lines.append("  there is no step library: put YAML files in a steps/ folder beside the feature")
    if not closest:
        lines.append(f"  add an entry: '- {step.type}: {step.text}' with its steps")
    return "\n".join(lines)
