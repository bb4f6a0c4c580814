"""The house rules, read from the source: data flows one way (nothing below
the estimators imports them, and the imports have no cycle), and scikit-learn's
private names appear in one compatibility module only."""

import ast
import pathlib
import re
import sys

import pytest

import skcosine

PACKAGE = pathlib.Path(skcosine.__file__).parent
ROOT = pathlib.Path(__file__).resolve().parents[1]
"""The repository (the tests may run against an installed package)."""
MODULES = {path.stem: ast.parse(path.read_text()) for path in PACKAGE.glob("*.py")}

ESTIMATORS = {
    "__init__",
    "__main__",
    "_base",
    "_regressor",
    "_classifier",
    "_cv",
    "_regressor_cv",
    "_classifier_cv",
    "_mlp",
}
"""The estimator layer: the public estimators, their shared flow, the demo."""

COMPAT = "_sklearn_compat"


def imported_modules(tree):
    """The skcosine modules ``tree`` imports (relative or absolute)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:  # from . import _x
                names.update(alias.name for alias in node.names)
            elif node.level == 1:  # from ._x import y
                names.add(node.module)
            elif (node.module or "").startswith("skcosine."):
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("skcosine.")
            )
    return names & (set(MODULES) | {"_kernel"})


def private_sklearn_names(tree):
    """The scikit-learn names ``tree`` imports from a private module, or that
    are private themselves."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sklearn"
        ):
            private_module = any(
                part.startswith("_") for part in node.module.split(".")
            )
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if private_module or alias.name.startswith("_")
            ]
        elif isinstance(node, ast.Import):
            found += [
                alias.name
                for alias in node.names
                if alias.name.startswith("sklearn")
                and any(part.startswith("_") for part in alias.name.split("."))
            ]
    return found


def test_the_source_of_every_module_is_read():
    assert {"_base", "_training", COMPAT, "_schedules"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(set(MODULES) - ESTIMATORS))
def test_nothing_below_the_estimators_imports_them(name):
    assert not imported_modules(MODULES[name]) & ESTIMATORS


def test_the_imports_have_no_cycle():
    graph = {name: imported_modules(tree) - {name} for name, tree in MODULES.items()}
    done, path = set(), []

    def visit(name):
        if name in path:
            cycle = path[path.index(name) :] + [name]
            pytest.fail(f"import cycle: {' -> '.join(cycle)}")
        if name in done or name not in graph:
            return
        path.append(name)
        for other in sorted(graph[name]):
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


@pytest.mark.parametrize("name", sorted(set(MODULES) - {COMPAT}))
def test_scikit_learn_private_names_live_in_the_compatibility_module(name):
    assert private_sklearn_names(MODULES[name]) == []


def test_the_rule_sees_the_private_names_it_forbids():
    source = "from sklearn.utils._param_validation import Interval\n"
    source += "from sklearn.base import _fit_context\nimport sklearn.utils._x\n"
    assert len(private_sklearn_names(ast.parse(source))) == 3
    assert private_sklearn_names(MODULES[COMPAT])  # it does use them
    assert imported_modules(ast.parse("from ._base import x\nfrom . import _cv")) == {
        "_base",
        "_cv",
    }


DISTRIBUTIONS = {"sklearn": "scikit-learn"}
"""Import names whose distribution is named otherwise."""


def third_party_imports(tree):
    """The top-level names of the modules ``tree`` imports at module level
    (not inside functions: optional integrations import lazily), outside the
    standard library and skcosine."""
    names = set()
    for node in tree.body:
        for inner in [node, *getattr(node, "body", [])]:  # also in try blocks
            if isinstance(inner, ast.Import):
                names.update(alias.name.split(".")[0] for alias in inner.names)
            elif isinstance(inner, ast.ImportFrom) and inner.level == 0:
                names.add(inner.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names} - {
        "skcosine"
    }


def test_every_module_level_import_is_a_declared_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {
        re.split(r"[<>=!~ \[;]", requirement)[0]
        for requirement in pyproject["project"]["dependencies"]
    }
    kernels = {
        name: ast.parse(
            "\n".join(
                line
                for line in (ROOT / "skcosine" / f"{name}.pyx").read_text().splitlines()
                if line.startswith(("import ", "from ")) and " cimport " not in line
            )
        )
        for name in ("_kernel", "_network_kernel")
    }
    for name, tree in {**MODULES, **kernels}.items():
        for imported in third_party_imports(tree):
            assert DISTRIBUTIONS.get(imported, imported) in declared, (name, imported)


def test_the_dependency_rule_sees_an_undeclared_import():
    tree = ast.parse(
        "import numpy\ntry:\n    import rich\nexcept ImportError:\n    pass"
    )
    assert third_party_imports(tree) == {"numpy", "rich"}


def test_the_version_is_written_once():
    """``meson.build`` reads the version from ``skcosine/__init__.py``; the
    installed metadata carries it."""
    from importlib.metadata import version

    meson = (ROOT / "meson.build").read_text()
    assert not re.search(r"^\s*version:\s*'", meson, re.MULTILINE)
    assert version("skcosine") == skcosine.__version__


def overriding_methods(klass):
    """``(name, ours, parent's)`` for every method skcosine defines on
    ``klass``'s classes that a scikit-learn base class also defines, with a
    different list of parameters."""
    import inspect

    found = []
    parents = [k for k in klass.__mro__ if not k.__module__.startswith("skcosine")]
    for ours in klass.__mro__:
        if not ours.__module__.startswith("skcosine"):
            continue
        for name, value in vars(ours).items():
            if name == "__init__" or not inspect.isfunction(value):
                continue
            for parent in parents:
                theirs = vars(parent).get(name)
                if not inspect.isfunction(theirs):
                    continue
                mine = list(inspect.signature(value).parameters)
                if mine != list(inspect.signature(theirs).parameters):
                    found.append(
                        (name, mine, list(inspect.signature(theirs).parameters))
                    )
                break
    return found


@pytest.mark.parametrize(
    "klass",
    [getattr(skcosine, name) for name in skcosine.__all__],
    ids=lambda klass: klass.__name__,
)
def test_no_method_overrides_a_parents_with_another_signature(klass):
    """The fit machinery has names scikit-learn does not use: a subclass
    method named like a parent's but taking other arguments would break any
    parent code calling it (``_fit`` did, against ``BaseSGD._fit``)."""
    assert overriding_methods(klass) == []


def test_the_override_rule_sees_a_clash():
    from sklearn.linear_model import SGDRegressor

    class Clash(SGDRegressor):
        def _fit(self, X, y, **kwargs):
            pass

    Clash.__module__ = "skcosine.fake"
    assert [name for name, *_ in overriding_methods(Clash)] == ["_fit"]
