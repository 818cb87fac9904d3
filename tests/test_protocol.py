"""The provider protocol is complete: providers use only what `EngineProtocol` states,
and the engine (and, for tests, the `play` fixture) offers it."""

import inspect
import re
from pathlib import Path

import pytest

import pytest_play
from pytest_play import protocol
from pytest_play.engine import Engine
from pytest_play.plugin import Play

PACKAGE = Path(pytest_play.__file__).parent
MEMBERS = {name for name in vars(protocol.EngineProtocol) if not name.startswith("_")} | set(
    protocol.EngineProtocol.__annotations__)
# `self.engine.x`, `provider.engine.x`, and `engine.x` after `engine = self.engine`.
USE = re.compile(r"(?:self|provider)\.engine\.([A-Za-z_]\w*)")


def provider_sources():
    paths = sorted((PACKAGE / "providers").rglob("*.py")) + sorted(PACKAGE.glob("step_helpers.py"))
    return [path for path in paths if path.name != "__init__.py" or path.parent.name != "providers"]


def test_the_protocol_states_every_engine_member_a_provider_uses():
    used = {}
    for path in provider_sources():
        text = path.read_text(encoding="utf-8")
        names = set(USE.findall(text))
        if re.search(r"^\s*engine = self\.engine\s*$", text, re.M):
            names |= set(re.findall(r"\bengine\.([A-Za-z_]\w*)", text)) - {"make_url", "begin", "dispose"}
        for name in names:
            used.setdefault(name, []).append(path.relative_to(PACKAGE).as_posix())
    assert used, "no provider uses the engine: the pattern is wrong"
    missing = {name: where for name, where in used.items() if name not in MEMBERS}
    assert not missing, f"engine members used by providers but not in protocol.EngineProtocol: {missing}"


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_the_engine_offers_every_member_of_the_protocol(name):
    engine = Engine(registry=None, variables={})
    assert hasattr(engine, name)
    stated = getattr(protocol.EngineProtocol, name, None)
    if callable(stated):
        assert stated.__doc__, f"{name} has no docstring in the protocol"
        offered = inspect.signature(getattr(Engine, name))
        assert list(offered.parameters) == list(inspect.signature(stated).parameters), name


def test_the_play_fixture_forwards_an_explicit_surface_only():
    assert "__getattr__" not in vars(Play)
    play = Play(Engine(registry=None, variables={"a": 1}))
    assert play.variables == {"a": 1} and play.parametrize("$a") == 1
    with pytest.raises(AttributeError):
        play.soft_failures


def test_registry_and_protocol_import_nothing_above_them():
    for module in ("registry.py", "protocol.py"):
        text = (PACKAGE / module).read_text(encoding="utf-8")
        top_level = [line for line in text.splitlines() if re.match(r"(from|import) ", line)]
        assert not [line for line in top_level if re.search(r"\b(providers|engine|collect|plugin)\b", line)], module


# The flow, lowest first: a module imports (at its top) only from its own layer or below.
# A new module is placed here by whoever adds it.
LAYERS = [
    ("errors", "secrets", "waiting", "limits", "call_limits", "expression_compiler", "expressions", "templating",
     "expression_templates", "parsecache", "variables", "pytest_ids", "trust", "ids", "hookspecs"),
    ("loader", "recordings"),
    ("protocol", "registry", "validate"),
    ("engine", "step_helpers", "report", "step_events", "console"),
    ("providers",),
    ("collect", "plugin", "playtext", "schema", "reference", "jenkins", "limited_run", "migrate", "reporting", "bdd",
     "convert", "testrail"),
]


def layer_of(module: str) -> int:
    head = module.split(".")[0]
    for number, names in enumerate(LAYERS):
        if head in names:
            return number
    raise AssertionError(f"pytest_play.{module} is in no layer of the flow")


def top_level_imports(path: Path, module: str) -> set[str]:
    import ast

    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            found.add(target or node.names[0].name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pytest_play."):
            found.add(node.module[len("pytest_play."):])
    return {name for name in found if name}


def test_no_module_imports_one_that_stands_above_it_in_the_flow():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if module == "__init__":
            continue
        for imported in top_level_imports(path, module):
            if layer_of(imported) > layer_of(module):
                wrong.append(f"{module} imports {imported}")
    assert wrong == []
