"""Generate the parts of docs/jenkins.md that must not drift from the code:

- the form's field table, from the Jenkinsfile (read by tests/groovy/pipeline_stub.groovy)
  and, for each field, the pytest options `pytest_play.jenkins` makes of an example value;
- the browser file key table, from `pytest_play.providers.selenium.settings.KEYS`;
- docs/images/jenkins-form.html, the form drawn from the Jenkinsfile as Jenkins lays it
  out, and docs/images/jenkins-form.png, its screenshot by headless Chromium.

    python docs/jenkins_docs.py          # rewrite them
    python docs/jenkins_docs.py --check  # exit 1 when docs/jenkins.md or the HTML is stale

tests/test_jenkins_docs.py runs the check.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "jenkins.md"
FORM_HTML = REPO / "docs" / "images" / "jenkins-form.html"
FORM_PNG = REPO / "docs" / "images" / "jenkins-form.png"
STUB = REPO / "tests" / "groovy" / "pipeline_stub.groovy"
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
# An example value of each field, and what else the example needs set.
EXAMPLES = {
    "ENVIRONMENT": ("DEV", {}), "BROWSER": ("FIREFOX", {}), "OS": ("LINUX", {}), "RESOLUTION": ("1920x1080", {}),
    "KEYWORDS": ("login and not c92411", {}), "MARKERS": ("smoke", {}),
    "TESTRAIL_ENABLE": ("true", {"TESTRAIL_HOST": "https://example.testrail.io", "TESTRAIL_PROJECT": "Demo",
                                 "TESTRAIL_USER": "qa@example.com", "TESTRAIL_PASSWORD": "********"}),
    "DEBUG": ("true", {}), "BLOCK_FIRST_FAILURE": ("true", {}), "PARALLEL_SESSIONS": ("4", {}),
    "SELENIUM_GRID_URL": ("http://grid.example.com:4444", {}), "COUNT": ("3", {}), "RANDOM_ENABLE": ("false", {}),
    "RANDOM_SEED": ("1234", {"RANDOM_ENABLE": "true"}), "PLAY": ("- {type: assert, expression: 'True'}\n", {}),
}
KINDS = {"choice": "choice", "string": "text", "booleanParam": "checkbox", "text": "text box"}


def pipeline_parameters(jenkinsfile: Path = REPO / "Jenkinsfile") -> list[dict]:
    """The `parameters` the Jenkinsfile declares, as the Groovy stub of the pipeline DSL reads them."""
    groovy = shutil.which("groovy")
    if groovy is None:
        raise SystemExit("groovy is not installed (Debian package 'groovy'; .ci/setup installs it)")
    env = dict(os.environ)
    if "JAVA_HOME" not in env and JAVA_17.is_dir():
        env["JAVA_HOME"] = str(JAVA_17)
    done = subprocess.run([groovy, str(STUB), str(jenkinsfile)], capture_output=True, text=True, env=env,
                          timeout=180, check=False)
    if done.returncode:
        raise SystemExit(f"the Groovy stub failed on {jenkinsfile}:\n{done.stderr}")
    return json.loads(done.stdout)["parameters"]


def becomes(name: str) -> str:
    """The pytest options (or other effect) the example value of a field adds, as Markdown."""
    from pytest_play import jenkins

    value, needs = EXAMPLES[name]
    places = jenkins.Places(Path("envs"), Path("build"))
    cwd = os.getcwd()
    os.chdir(REPO)  # paths are shown relative to the checkout
    try:
        before = jenkins.build_command({**needs}, places, paths=["scenarios"], platform="linux")
        after = jenkins.build_command({**needs, name: value}, places, paths=["scenarios"], platform="linux")
    finally:
        os.chdir(cwd)
    old, new = groups(before.args), groups(after.args)
    added = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            added += [arg for group in new[j1:j2] for arg in group]
    parts = [f"`{shlex.join(added)}`"] if added else []
    if name == "PLAY":
        parts.append("instead of the paths")
    if after.after and not before.after:
        parts.append(f"then `trcli {shlex.join(after.after[1:])}`")
    return (" ".join(parts) or "(nothing: the default)").replace("|", "\\|")


def groups(args: list[str]) -> list[tuple[str, ...]]:
    """Arguments as options with their values: ("--variables", "envs/DEV.yml"), ("-x",)..."""
    grouped: list[list[str]] = []
    for arg in args:
        if arg.startswith("-") or not grouped:
            grouped.append([arg])
        else:
            grouped[-1].append(arg)
    return [tuple(group) for group in grouped]


def example(name: str) -> str:
    value = EXAMPLES[name][0].strip()
    return "a scenario" if name == "PLAY" else value


def form_table(parameters: list[dict]) -> str:
    rows = ["| Field | Kind | Default | Example | pytest gets | What it does |", "|---|---|---|---|---|---|"]
    for p in parameters:
        default = p["choices"][0] if p["type"] == "choice" else p.get("defaultValue", "")
        default = str(default).lower() if isinstance(default, bool) else default
        choices = f" ({', '.join(p['choices'])})" if p["type"] == "choice" else ""
        cells = [f"**{p['name']}**", KINDS.get(p["type"], p["type"]) + choices, f"`{default}`" if default else "empty",
                 f"`{example(p['name'])}`", becomes(p["name"]), p.get("description", "")]
        rows.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return "\n".join(rows)


def browser_keys_table() -> str:
    from pytest_play.providers.selenium.settings import DEFAULTS, KEYS

    rows = ["| Key | Default | What it does |", "|---|---|---|"]
    for key, doc in KEYS.items():
        default = DEFAULTS.get(key)
        if isinstance(default, tuple):
            default = list(default)
        shown = "" if default in (None, [], {}) else f"`{json.dumps(default)}`"
        rows.append(f"| `{key}` | {shown} | {doc.replace('|', '/')} |")
    return "\n".join(rows)


def form_html(parameters: list[dict]) -> str:
    """The "Build with Parameters" page of the job, laid out as Jenkins draws it."""
    fields = []
    for p in parameters:
        name, kind = html.escape(p["name"]), p["type"]
        if kind == "choice":
            options = "".join(f"<option>{html.escape(c)}</option>" for c in p["choices"])
            control = f"<select>{options}</select>"
        elif kind == "booleanParam":
            checked = " checked" if p.get("defaultValue") else ""
            control = f'<label class="check"><input type="checkbox"{checked}> {name}</label>'
        elif kind == "text":
            control = f"<textarea rows=4>{html.escape(str(p.get('defaultValue', '')))}</textarea>"
        else:
            control = f'<input type="text" value="{html.escape(str(p.get("defaultValue", "")))}">'
        title = "" if kind == "booleanParam" else f'<div class="name">{name}</div>'
        fields.append(f'<div class="field">{title}{control}<div class="help">'
                      f'{html.escape(p.get("description", ""))}</div></div>')
    return FORM_PAGE.format(fields="\n".join(fields))


FORM_PAGE = """<!DOCTYPE html>
<!-- Generated by docs/jenkins_docs.py from the Jenkinsfile: do not edit. -->
<html><head><meta charset="utf-8"><title>Build with Parameters</title><style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 14px; color: #14141f; margin: 0; background: #fff; }}
header {{ background: #000; color: #fff; padding: 10px 20px; font-weight: bold; font-size: 16px; }}
.crumbs {{ padding: 8px 20px; color: #555; border-bottom: 1px solid #ddd; font-size: 13px; }}
main {{ padding: 10px 24px 24px; max-width: 900px; }}
h1 {{ font-size: 22px; margin: 12px 0 4px; }}
p.intro {{ color: #555; margin: 0 0 14px; }}
.field {{ margin: 0 0 12px; }}
.name {{ font-weight: bold; margin-bottom: 4px; }}
select, input[type=text], textarea {{ font: inherit; padding: 5px 8px; border: 1px solid #c3c3c8;
  border-radius: 6px; width: 100%; box-sizing: border-box; background: #fff; }}
select {{ width: auto; min-width: 220px; }}
.check {{ font-weight: bold; }}
.help {{ color: #606070; font-size: 12.5px; margin-top: 3px; }}
button {{ background: #1f6feb; color: #fff; border: 0; border-radius: 6px; padding: 8px 18px; font: inherit;
  font-weight: bold; }}
</style></head><body>
<header>Jenkins</header>
<div class="crumbs">Dashboard &rsaquo; pytest-play &rsaquo; Build with Parameters</div>
<main><h1>Pipeline pytest-play</h1><p class="intro">This build requires parameters:</p>
{fields}
<button>Build</button></main></body></html>
"""


def screenshot(page: Path, png: Path, width: int = 1000) -> None:
    """A full-page screenshot of `page` by headless Chromium (the flags pytest-play's own launches use)."""
    from pytest_play.providers.selenium.launch import LaunchPlan, find_executable, quit_driver
    from pytest_play.providers.selenium.settings import DRIVERS, load_settings

    plan = LaunchPlan(webdriver="chrome", settings=load_settings({"browser": {"window_size": [width, 800]}}),
                      headless=True, remote_url=None, driver_path=find_executable(DRIVERS["chrome"]),
                      command_timeout=60)
    profiles = Path(tempfile.mkdtemp(prefix="jenkins-docs-"))
    driver, profile = plan.start(profiles)
    try:
        driver.get(page.resolve().as_uri())
        height = driver.execute_script("return document.documentElement.scrollHeight")
        # The whole page as one viewport: no scroll bar, nothing cut off.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        png.write_bytes(driver.get_screenshot_as_png())
    finally:
        quit_driver(driver, profile)
        shutil.rmtree(profiles, ignore_errors=True)


def with_sections(text: str, sections: dict[str, str]) -> str:
    """`text` with each `<!-- generated: NAME -->...<!-- end: NAME -->` block replaced."""
    for name, body in sections.items():
        pattern = re.compile(rf"(<!-- generated: {name} [^>]*-->\n).*?(<!-- end: {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: no '<!-- generated: {name} ... -->' block")
        text = pattern.sub(lambda m: m[1] + body + "\n" + m[2], text)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the generated parts are current")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    parameters = pipeline_parameters()
    doc = DOC.read_text(encoding="utf-8")
    fresh = with_sections(doc, {"form": form_table(parameters), "browser-keys": browser_keys_table()})
    page = form_html(parameters)
    if options.check:
        stale = [str(path.relative_to(REPO)) for path, new, old in (
            (DOC, fresh, doc), (FORM_HTML, page, FORM_HTML.read_text(encoding="utf-8") if FORM_HTML.exists() else ""))
            if new != old]
        if stale:
            print(f"stale: {', '.join(stale)}: run python docs/jenkins_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    FORM_HTML.write_text(page, encoding="utf-8")
    screenshot(FORM_HTML, FORM_PNG)
    print(f"wrote {DOC.relative_to(REPO)}, {FORM_HTML.relative_to(REPO)}, {FORM_PNG.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
