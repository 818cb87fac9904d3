"""Evidence of a failed browser step: a screenshot and the page HTML, named in the report.

Files go to `--play-artifacts DIR`, else to `--splinter-screenshot-dir`
(default: the current directory); `--splinter-make-screenshot-on-failure false`
turns them off.
Names are built from the test id, the xdist worker and the step, so parallel
workers and parametrized tests never overwrite each other's files; a second
capture in the same test and step gets a numbered name.

The page HTML is written with the test's secrets masked. Names never hold a
secret (test ids leave secrets out), and reports never mask them, so the path
a report shows is the file on disk.

The provider appends the paths to the failure message, so they show in the
terminal report and in the JUnit `<failure>` text, and logs them to the test's
output (JUnit `system-out` when junit_logging includes it). Each file saved is
also named to the engine (`engine.attach`), so it arrives in the step's
`StepOutcome.evidence` for the reports, and listed in the test's stash
(`EVIDENCE_FILES`) for the run summary.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ...errors import PlayError, StepError
from ...report import item_masker, keep_unmasked
from .locators import explain

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 150
EVIDENCE_FILES = pytest.StashKey[set]()  # the paths of the files a test's failures saved


def artifacts_dir(config) -> Path:
    """Where evidence files go (created on first use)."""
    chosen = config.getoption("play_artifacts", None) or config.getoption("splinter_screenshot_dir", None) or "."
    return Path(chosen).resolve()


def base_name(config, nodeid: str, step_label: str) -> str:
    """A file name stem unique per test, xdist worker and step."""
    name = _UNSAFE.sub("_", nodeid.replace("::", "__")).strip("_")
    if len(name) > _MAX_NAME:  # keep long parametrized ids apart
        name = name[:_MAX_NAME] + "-" + hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        name += f"-{worker}"
    return f"{name}-step{step_label}"


class Evidence:
    """Takes screenshots and page sources for one test's browser steps."""

    def __init__(self, engine):
        self.engine = engine
        self._used: set[str] = set()

    def capture(self, driver) -> list[str]:
        """Save the screenshot and HTML; return report lines naming the files.

        Never raises: evidence must not hide the failure it documents.
        """
        request = self.engine.request
        step = self.engine.current_step
        if request.config.getoption("splinter_make_screenshot_on_failure", "true") == "false":
            return []
        try:
            folder = artifacts_dir(request.config)
            folder.mkdir(parents=True, exist_ok=True)
            stem = self._unique(base_name(request.config, request.node.nodeid, step.label if step else "0"))
        except Exception as exc:
            return [f"evidence not saved: {type(exc).__name__}: {exc}"]
        lines = []
        png, html = folder / f"{stem}.png", folder / f"{stem}.html"
        keep_unmasked(request.node, str(png), str(html))  # the report names the files on disk
        for kind, path, what, save in (
                ("screenshot", png, "screenshot", lambda: _screenshot(driver, png)),
                ("html", html, "page HTML", lambda: html.write_text(self._masked(driver.page_source),
                                                                   encoding="utf-8"))):
            saved, line = self._save(path, what, save)
            lines.append(line)
            if saved:
                self._attach(request.node, kind, path)
        return lines

    def _attach(self, node, kind: str, path: Path) -> None:
        node.stash.setdefault(EVIDENCE_FILES, set()).add(str(path))
        self.engine.attach(kind, path)

    def _masked(self, text: str) -> str:
        """The page HTML with the test's secrets masked: an artifact is a report too."""
        return item_masker(self.engine.request.node, self.engine)(text)

    def _unique(self, stem: str) -> str:
        candidate, number = stem, 1
        while candidate in self._used:
            number += 1
            candidate = f"{stem}-{number}"
        self._used.add(candidate)
        return candidate

    @staticmethod
    def _save(path: Path, what: str, save) -> tuple[bool, str]:
        try:
            save()
        except Exception as exc:
            return False, f"{what} not saved: {explain(exc)}"
        return True, f"{what}: {path}"


def _screenshot(driver, path: Path) -> None:
    if not driver.save_screenshot(str(path)):
        raise OSError(f"could not write {path}")


def with_evidence(error: BaseException, lines: list[str]) -> BaseException:
    """`error` with the evidence lines added to its message.

    pytest-play errors keep their class (and details); others become a StepError
    naming the original type, since the report shows only their first line.
    """
    if isinstance(error, PlayError):
        text = "\n".join([str(error), *lines]) if lines else str(error)
        error.args = (text,)
        return error
    replacement = StepError("\n".join([explain(error), *lines]))
    replacement.__cause__ = error
    return replacement
