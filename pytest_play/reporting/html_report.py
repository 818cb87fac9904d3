"""pytest-html (4.x): each scenario's steps as a table, and its failure evidence.

Registered when `--html` is given. The extras are added to the test's report
where the test runs (an xdist worker under `-n`), so they travel with it:

- a table of the steps in order (index, comment, command, masked parameters,
  duration, outcome), the failing step highlighted, above it the test data row
  and the variables files used;
- the screenshot of a failed browser step as an image (embedded with
  `--self-contained-html`), and its page HTML as a link.

Everything written is masked with the test's secrets first: pytest-html does
not mask extras, and pytest-play's report masking (plugin.py) does not see them.
The variables files also go into the report's Environment table.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

import pytest

from ..collect import ENGINE, SCENARIO
from ..hookspecs import FAILED, PASSED, SKIPPED, VERIFY_FAILED
from ..report import cut, display_path, item_masker, render
from .steps import parameters_text, step_log

MAX_IMAGE_BYTES = 5_000_000  # a bigger screenshot is linked, not embedded
MAX_PAGE_BYTES = 2_000_000

_STATUS_STYLE = {
    PASSED: "color: #1a7f37",
    FAILED: "color: #b00020; font-weight: bold",
    VERIFY_FAILED: "color: #b00020; font-weight: bold",
    SKIPPED: "color: #6e7781",
}
_FAILED_ROW = "background: #ffe0e0"
_CELL = "padding: 2px 6px; border-bottom: 1px solid #ddd; vertical-align: top; text-align: left"


def variables_files(config: pytest.Config) -> list[str]:
    """The `--variables` files of the run, as the command line named them."""
    return [str(name) for name in (config.getoption("variables", None) or [])]


class HtmlSteps:
    """Adds the steps table and the evidence of a scenario to its pytest-html report."""

    def __init__(self, config: pytest.Config):
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """The variables files in the report's Environment table (pytest-metadata)."""
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pragma: no cover - pytest-html requires pytest-metadata
            return
        metadata = session.config.stash.get(metadata_key, None)
        if metadata is not None:
            metadata["pytest-play variables"] = ", ".join(variables_files(session.config)) or "none"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        report = yield
        if report.when != "call":
            return report
        engine = item.stash.get(ENGINE, None)
        log = step_log(item)
        if engine is None or log is None:
            return report
        mask = item_masker(item, engine)
        extras = list(getattr(report, "extras", []))
        extras.append(_html_extra(mask(steps_html(item, log, self.config))))
        for kind, path in _evidence(log):
            extra = _evidence_extra(kind, Path(path), mask)
            if extra is not None:
                extras.append(extra)
        report.extras = extras
        return report


def steps_html(item: pytest.Item, log, config: pytest.Config) -> str:
    """The steps table of one test, with its test data row and variables files above it."""
    parts = ['<div class="play-steps">']
    for label, value in _context(item, config):
        parts.append(f"<p><b>{escape(label)}:</b> <code>{escape(value)}</code></p>")
    parts.append('<table style="border-collapse: collapse; margin: 4px 0">')
    parts.append("<tr>" + "".join(f'<th style="{_CELL}">{name}</th>' for name in
                                  ("step", "comment", "command", "parameters", "duration", "outcome")) + "</tr>")
    for step, outcome in log.in_order():
        parts.append(_row(step, outcome, config))
    parts.append("</table>")
    if log.left_out:
        parts.append(f"<p>{log.left_out} more passed steps not listed.</p>")
    parts.append("</div>")
    return "".join(parts)


def _context(item: pytest.Item, config: pytest.Config) -> list[tuple[str, str]]:
    lines = []
    scenario = item.stash.get(SCENARIO, None)
    if scenario is not None:
        compiled, row = scenario
        lines.append(("scenario", display_path(config, compiled.scenario.path)))
        if row is not None:
            lines.append(("test data", cut(render(row, 2000, as_json=True), 1000)))  # masked with the rest
    lines.append(("variables", ", ".join(variables_files(config)) or "none"))
    return lines


def _row(step, outcome, config: pytest.Config) -> str:
    failed = outcome.status in (FAILED, VERIFY_FAILED)
    indent = f"padding-left: {6 + 16 * step.depth}px"
    where = f"{display_path(config, step.path)}:{step.line}" if step.line else display_path(config, step.path)
    cells = [
        f'<td style="{_CELL}; {indent}" title="{escape(where)}">{escape(step.index)}</td>',
        f'<td style="{_CELL}">{escape(step.comment or "")}</td>',
        f'<td style="{_CELL}"><code>{escape(step.command)}</code></td>',
        f'<td style="{_CELL}"><code>{escape(parameters_text(outcome.parameters))}</code></td>',
        f'<td style="{_CELL}; text-align: right">{_duration(outcome.duration)}</td>',
        f'<td style="{_CELL}; {_STATUS_STYLE.get(outcome.status, "")}">{escape(outcome.status)}</td>',
    ]
    row_style = f' style="{_FAILED_ROW}" class="play-step-failed"' if failed else ""
    html = f"<tr{row_style}>{''.join(cells)}</tr>"
    if failed and outcome.message:
        html += (f'<tr style="{_FAILED_ROW}"><td style="{_CELL}"></td><td colspan="5" style="{_CELL}">'
                 f'<pre style="margin: 0; white-space: pre-wrap">{escape(outcome.message)}</pre></td></tr>')
    return html


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _evidence(log) -> list[tuple[str, str]]:
    """The evidence files of the steps (the failing ones', and with DEBUG every browser
    step's screenshot and the console log), each once, in order."""
    seen, found = set(), []
    for step, outcome in log.in_order():
        for kind, path in outcome.evidence:
            if str(path) not in seen:
                seen.add(str(path))
                found.append((kind, str(path)))
    return found


def _html_extra(content: str) -> dict:
    from pytest_html import extras

    return extras.html(content)


def _evidence_extra(kind: str, path: Path, mask) -> dict | None:
    """A screenshot as an image, page HTML or a log as a text link; None when the file is gone."""
    from pytest_html import extras

    try:
        size = path.stat().st_size
    except OSError:
        return None
    if kind == "screenshot" and size <= MAX_IMAGE_BYTES:
        return extras.png(base64.b64encode(path.read_bytes()).decode("ascii"), name=f"screenshot {path.name}")
    if kind in ("html", "log") and size <= MAX_PAGE_BYTES:
        # Written masked (evidence.py); masked again with the secrets the test has now.
        text = mask(path.read_text(encoding="utf-8", errors="replace"))
        return extras.text(text, name=f"page HTML {path.name}" if kind == "html" else f"log {path.name}")
    return extras.url(path.resolve().as_uri(), name=f"{kind} {path.name}")
