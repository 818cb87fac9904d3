"""No chromium or chromedriver outlives a scenario run: after failures, under xdist, after SIGINT.

Each run is a real pytest process with its own HOME; every process it starts
inherits that HOME, which is how the leftovers are counted.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="needs chromium and chromedriver")

PAGE = "data:text/html,<title>t</title><p id=p>hello</p>"
BROWSER = ["--splinter-webdriver", "chrome", "--splinter-headless", "-p", "no:randomly"]


def processes_tagged(home: Path) -> list[int]:
    """Live browser/driver processes whose environment carries this run's HOME."""
    needle = f"HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            name = (entry / "comm").read_text().strip()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ and state != "Z" and ("chrom" in name or "driver" in name):
            found.append(int(entry.name))
    return found


def wait_until_gone(home: Path, timeout: float = 15) -> list[int]:
    deadline = time.monotonic() + timeout
    while processes_tagged(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return processes_tagged(home)


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "pytest", *args, *BROWSER], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def scenarios(tmp_path: Path, count: int, last_step: str) -> None:
    for number in range(count):
        (tmp_path / f"test_page{number}.yml").write_text(
            f"- {{type: get, url: '{PAGE}'}}\n- {{type: assertElementPresent, locator: {{type: id, value: p}}}}\n"
            f"{last_step}\n")


@pytest.mark.parametrize("args", [[], ["-n", "2"], ["-x"]], ids=["serial", "xdist", "exitfirst"])
def test_no_browser_process_is_left_after_a_run_with_failures(tmp_path, args):
    scenarios(tmp_path, 4, "- {type: assert, expression: 'False'}")
    process = start(tmp_path, *args)
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 1, output[-2000:]
    assert "failed" in output.splitlines()[-1]
    assert wait_until_gone(tmp_path) == []


@pytest.mark.parametrize("args", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_no_browser_process_is_left_after_sigint(tmp_path, args):
    scenarios(tmp_path, 2, "- {type: sleep, seconds: 100}")
    process = start(tmp_path, *args)
    deadline = time.monotonic() + 90
    while len(processes_tagged(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # until a driver and its browser run
    assert processes_tagged(tmp_path), "no browser started"
    time.sleep(1)  # let the scenario reach its long step
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert "KeyboardInterrupt" in output or "Interrupted" in output or "interrupted" in output, output[-2000:]
    assert wait_until_gone(tmp_path) == []
