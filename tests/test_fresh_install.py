"""What a fresh clone in a fresh virtualenv relies on.

- Child processes import this checkout's pytest_play (tests/conftest.py puts
  the repository first on PYTHONPATH), not an installed copy.
- setup.py names every third-party package that pytest_play, demo_app and
  tests import, and .ci/constraints-oldest.txt pins each of its lower bounds
  (`nox -s tests_oldest` installs those).
- pytest.ini makes deprecation warnings errors in our own modules only.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import warnings
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
WHERE = re.compile(r"WHERE (\w+) (\S+)")


def inside_repo(path: str) -> bool:
    return Path(path).resolve().is_relative_to(REPO)


# --- the suite tests the checkout ---------------------------------------------

def test_a_subprocess_session_imports_this_checkouts_pytest_play(pytester):
    pytester.makepyfile(test_where="""
        import pytest_play

        def test_where(request):
            print("WHERE package", pytest_play.__file__)
            print("WHERE plugin", request.config.pluginmanager.get_plugin("play").__file__)
    """)
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    found = dict(WHERE.findall(result.stdout.str()))
    assert set(found) == {"package", "plugin"}, result.stdout.str()
    for what, path in found.items():
        assert inside_repo(path), f"the child session's {what} is {path}, outside {REPO}"


def test_the_checkout_comes_before_other_copies_on_a_childs_path(tmp_path):
    """A copy later on the path (as site-packages is) loses to the checkout."""
    decoy = tmp_path / "decoy" / "pytest_play"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.environ["PYTHONPATH"], str(decoy.parent)])}
    done = subprocess.run([sys.executable, "-c", "import pytest_play; print(pytest_play.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert inside_repo(done.stdout.strip()), done.stdout


# --- setup.py and the oldest versions -------------------------------------------

def setup_requirements() -> dict[str, list[Requirement]]:
    """install_requires and each extra of setup.py, read without running it."""
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    call = next(node for node in ast.walk(tree)
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup")
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    groups = {"install_requires": ast.literal_eval(keywords["install_requires"])}
    groups.update(ast.literal_eval(keywords["extras_require"]))
    return {name: [Requirement(text) for text in texts] for name, texts in groups.items()}


def oldest_pins() -> dict[str, Version]:
    pins = {}
    for line in (REPO / ".ci" / "constraints-oldest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def lower_bound(requirement: Requirement) -> Version:
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    assert len(bounds) == 1, f"{requirement}: one >= lower bound expected"
    return bounds[0]


def test_pytest_splinter_is_an_extra_and_the_test_extra_has_it():
    groups = setup_requirements()
    names = {group: {canonicalize_name(r.name) for r in requirements} for group, requirements in groups.items()}
    assert "pytest-splinter" not in names["install_requires"]
    assert names["splinter"] == {"pytest-splinter"}
    assert {"pytest-splinter", "cryptography"} <= names["test"]
    assert {"splinter", "selenium"} <= names["install_requires"]


def test_constraints_oldest_pins_every_lower_bound_of_setup_py():
    pins = oldest_pins()
    for requirements in setup_requirements().values():
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert any(spec.operator == "<" for spec in requirement.specifier), f"{requirement}: no upper bound"
            assert name in pins, f"{requirement} has no pin in .ci/constraints-oldest.txt"
            assert pins[name] == lower_bound(requirement), \
                f"{requirement}: .ci/constraints-oldest.txt pins {pins[name]}, not its lower bound"


def third_party_imports(*folders: str) -> set[str]:
    """Top-level names of the modules imported by the files of folders that are
    neither in the standard library nor in this repository."""
    local = {path.stem for path in REPO.glob("tests/*.py")} | {"pytest_play", "demo_app", "benchmarks", "tests"}
    names = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - local - {"__future__"}


@pytest.mark.parametrize(("folders", "groups"), [
    # The optional extras' imports are optional too (the reports, BDD, statsd).
    (["pytest_play"], ["install_requires", "splinter", "html", "allure", "testrail", "bdd", "statsd"]),
    (["tests", "demo_app"], ["install_requires", "test"]),
])
def test_setup_py_names_every_package_that_is_imported(folders, groups):
    requirements = setup_requirements()
    allowed = {canonicalize_name(r.name) for group in groups for r in requirements[group]}
    distributions = packages_distributions()
    missing = {}
    for module in sorted(third_party_imports(*folders)):
        names = {canonicalize_name(name) for name in distributions.get(module, [module])}
        if not names & allowed:
            missing[module] = sorted(names)
    assert not missing, f"imported by {folders} but not required in setup.py {groups}: {missing}"


# --- pytest.ini: deprecations are errors in our code only ------------------------

def warn_from(module: str, category: type[Warning]) -> None:
    """warnings.warn called by code of `module` (the name the warning is
    attributed to, which pytest.ini's module field matches)."""
    code = compile("import warnings\nwarnings.warn('deprecated thing', category)", f"<{module}>", "exec")
    exec(code, {"__name__": module, "category": category})


@pytest.fixture
def repository_ini(pytestconfig):
    if (pytestconfig.inipath != REPO / "pytest.ini" or pytestconfig.getoption("pythonwarnings")
            or not pytestconfig.pluginmanager.has_plugin("warnings")):
        pytest.skip("runs under this repository's pytest.ini, with pytest's warnings plugin and no -W option")


@pytest.mark.parametrize("category", [DeprecationWarning, PendingDeprecationWarning, pytest.PytestDeprecationWarning])
@pytest.mark.parametrize("module", ["pytest_play", "pytest_play.collect", "pytest_play.providers.sql",
                                    "demo_app.fixtures", "benchmarks.run", "tests.test_collection",
                                    "test_collection", "conftest", "messaging_helpers", "grid_server"])
def test_a_deprecation_warning_from_our_code_is_an_error(repository_ini, module, category):
    with pytest.raises(category, match="deprecated thing"):
        warn_from(module, category)


@pytest.mark.parametrize("module", ["pytest_splinter.plugin", "splinter.driver", "selenium.webdriver",
                                    "sqlalchemy.sql", "_pytest.fixtures", "pytest_playground", "testsuite"])
def test_a_deprecation_warning_from_a_third_party_stays_a_warning(repository_ini, module):
    with warnings.catch_warnings(record=True) as caught:
        warn_from(module, pytest.PytestDeprecationWarning)
    assert [str(warning.message) for warning in caught] == ["deprecated thing"]


# --- the README's commands are what CI runs ---------------------------------------

def test_ci_runs_the_readmes_test_command_in_both_nox_legs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    noxfile = (REPO / "noxfile.py").read_text(encoding="utf-8")
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && . .venv/bin/activate" in readme
    assert "bash .ci/setup && python3 -m pytest tests\n" in readme
    assert 'session.run("python3", "-m", "pytest", "tests", *session.posargs)' in noxfile
    assert 'nox.options.sessions = ["tests", "tests_oldest"]' in noxfile
    assert "for session in tests tests_oldest; do" in run and "bash .ci/setup --system" in run
