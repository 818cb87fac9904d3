"""DEBUG evidence: with `browser.debug: true` (what Jenkins' DEBUG adds, see
envs/browsers/DEBUG.yml), a screenshot after every browser step that passed,
and the browser's console log.

Each file is named to the step as its evidence (`engine.attach`), so the HTML
report, Allure and the JUnit attachments show it with the step; the files go
where the failure evidence goes (`--play-artifacts`), named
`<test>-step<N>-debug.png` and `<test>-console.log`. The console log (Chrome's
`goog:loggingPrefs` browser log, which the browser files ask for) is read after
every step: new lines are appended, masked with the test's secrets, and the
step that produced them names the file. A browser without that log (Firefox)
gets only the screenshots.

`install` wraps every command of the provider; without debug the cost is one
attribute read per browser step.
"""

from __future__ import annotations

import contextlib
import functools
import time

from ...report import item_masker, keep_unmasked
from .evidence import EVIDENCE_FILES, artifacts_dir, base_name


class DebugEvidence:
    """The debug evidence of one test's browser steps."""

    def __init__(self, provider):
        self.provider = provider
        self._enabled: bool | None = None
        self._used: set[str] = set()

    @property
    def enabled(self) -> bool:
        if self._enabled is None:
            self._enabled = False
            request = getattr(self.provider.engine, "request", None)
            if request is not None:
                with contextlib.suppress(Exception):  # no browser settings: no debug
                    self._enabled = bool(request.getfixturevalue("browser_settings").get("debug"))
        return self._enabled

    def after_step(self) -> None:
        """Save the screenshot and the new console lines of the step that just passed. Never raises."""
        driver = self.provider._driver
        if driver is None or not self.enabled:
            return
        engine = self.provider.engine
        request, step = engine.request, engine.current_step
        try:
            folder = artifacts_dir(request.config)
            folder.mkdir(parents=True, exist_ok=True)
            test = base_name(request.config, request.node.nodeid, "0").rsplit("-step0", 1)[0]
            stem = self._unique(base_name(request.config, request.node.nodeid, step.label if step else "0"))
        except Exception as exc:  # evidence must not fail the step it documents
            engine.log(f"debug evidence not saved: {type(exc).__name__}: {exc}")
            return
        png = folder / f"{stem}-debug.png"
        with contextlib.suppress(Exception):
            if driver.save_screenshot(str(png)):
                self._attach("screenshot", png)
        self._console(driver, folder / f"{test}-console.log")

    def _console(self, driver, path) -> None:
        if not hasattr(driver, "get_log"):
            return
        try:
            entries = driver.get_log("browser")  # what came since the last read
        except Exception:
            return
        if not entries:
            return
        mask = item_masker(self.provider.engine.request.node, self.provider.engine)
        lines = []
        for entry in entries:
            stamp = time.strftime("%H:%M:%S", time.localtime(entry.get("timestamp", 0) / 1000))
            lines.append(f"{stamp} {entry.get('level', '')} {mask(str(entry.get('message', '')))}\n")
        with open(path, "a", encoding="utf-8") as log:
            log.writelines(lines)
        self._attach("log", path)

    def _attach(self, kind: str, path) -> None:
        node = self.provider.engine.request.node
        keep_unmasked(node, str(path))  # the report names the file on disk
        node.stash.setdefault(EVIDENCE_FILES, set()).add(str(path))
        self.provider.engine.attach(kind, path)  # reporting.junit names it in the JUnit output

    def _unique(self, stem: str) -> str:
        candidate, number = stem, 1
        while candidate in self._used:  # a step run again (while, wait_until, include)
            number += 1
            candidate = f"{stem}-{number}"
        self._used.add(candidate)
        return candidate


def after_each(method):
    """A command that leaves debug evidence when it passes."""

    @functools.wraps(method)
    def run(self, command, **kwargs):
        result = method(self, command, **kwargs)
        if self.debug.enabled:
            self.debug.after_step()
        return result

    return run


def install(provider_class: type) -> None:
    """Wrap every command of `provider_class` (they keep their declarations: play_params, docs)."""
    for name in dir(provider_class):
        method = getattr(provider_class, name)
        if name.startswith("command_") and getattr(method, "play_params", None) is not None:
            setattr(provider_class, name, after_each(method))
