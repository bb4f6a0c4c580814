"""Write the intersphinx inventories of scikit-learn, NumPy, SciPy, pandas and
Python into ``docs/_inventories``, so that the documentation links to theirs
without a network at build time.

Usage (once per release of those projects; the output is committed)::

    python docs/inventories.py

The published ``objects.inv`` files cannot be fetched where the docs are built
(no network), so this script writes equivalent ones from the installed
packages: every public class, function and method, at the address each
project's documentation gives it (``modules/generated/<name>.html`` for
scikit-learn, ``reference/generated/<name>.html`` for NumPy and SciPy,
``reference/api/<name>.html`` for pandas, ``library/<module>.html`` for
Python), plus the glossary terms and user-guide labels that scikit-learn's
docstrings refer to (inherited methods show those docstrings).
"""

import importlib
import inspect
import pkgutil
import re
import sys
import zlib
from pathlib import Path

OUTPUT = Path(__file__).parent / "_inventories"

SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html#metadata-routing",
    "User Guide": "user_guide.html",
}
"""Labels of scikit-learn's user guide that its docstrings use, and their pages."""

PYTHON_MODULES = [
    "argparse",
    "collections",
    "concurrent.futures",
    "dataclasses",
    "functools",
    "inspect",
    "json",
    "os",
    "pathlib",
    "pickle",
    "tempfile",
    "threading",
    "time",
    "warnings",
]


def public_names(module):
    """The public names a module exports (its ``__all__``, else its public
    attributes)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return [name for name in names if _has(module, name)]


def _has(module, name):
    try:  # an experimental name raises ImportError until enabled
        getattr(module, name)
    except (AttributeError, ImportError):
        return False
    return True


def objects(module_names, page, role_of=None):
    """``(name, role, uri)`` of every public class, function and method."""
    entries = {}
    for module_name in module_names:
        try:
            module = importlib.import_module(module_name)
        except Exception:  # optional parts of a package  # noqa: BLE001
            continue
        entries[module_name] = ("py:module", page(module_name, None))
        for name in public_names(module):
            value = getattr(module, name)
            full = f"{module_name}.{name}"
            if inspect.isclass(value):
                entries[full] = ("py:class", page(module_name, name))
                for attribute, member in vars(value).items():
                    if not attribute.startswith("_") and callable(member):
                        entries[f"{full}.{attribute}"] = (
                            "py:method",
                            page(module_name, name) + f".{attribute}",
                        )
            elif callable(value):
                entries[full] = ("py:function", page(module_name, name))
    return [(name, role, uri) for name, (role, uri) in entries.items()]


def submodules(package, skip=()):
    """The public submodules of ``package`` (no ``tests``, no private ones)."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p in ("tests", "conftest", *skip) for p in parts):
            continue
        names.append(info.name)
    return names


def generated(prefix):
    """The page of an object in a ``<prefix>/<full name>.html`` layout."""

    def page(module_name, name):
        if name is None:
            return f"{prefix}/{module_name}.html"
        full = f"{module_name}.{name}"
        return f"{prefix}/{full}.html#{full}"

    return page


def sklearn_extras():
    """The glossary terms and labels scikit-learn's docstrings refer to."""
    import sklearn

    terms = set()
    for module_name in submodules("sklearn", skip=("externals",)):
        module = importlib.import_module(module_name)
        for name in public_names(module):
            value = getattr(module, name)
            docs = [inspect.getdoc(value) or ""]
            if inspect.isclass(value):
                docs += [inspect.getdoc(m) or "" for m in vars(value).values()]
            for doc in docs:
                terms.update(re.findall(r":term:`(?:[^`<]*<)?([^`>]+)>?`", doc))
    entries = [
        (
            term,
            "std:term",
            f"glossary.html#term-{re.sub(r'[^a-z0-9]+', '-', term.lower())}",
        )
        for term in sorted(terms)
    ]
    entries += [(label, "std:label", uri) for label, uri in SKLEARN_LABELS.items()]
    return sklearn.__version__, entries


def builtin_names():
    """Python's built-in functions, types, constants and exceptions."""
    import builtins

    entries = []
    for name in dir(builtins):
        value = getattr(builtins, name)
        if name.startswith("_"):
            continue
        if name in ("None", "True", "False", "Ellipsis", "NotImplemented"):
            entries.append((name, "py:data", f"library/constants.html#{name}"))
        elif inspect.isclass(value) and issubclass(value, BaseException):
            entries.append((name, "py:exception", f"library/exceptions.html#{name}"))
        elif inspect.isclass(value):
            entries.append((name, "py:class", f"library/functions.html#{name}"))
        elif callable(value):
            entries.append((name, "py:function", f"library/functions.html#{name}"))
    return entries


def write(project, version, entries, filename):
    """An inventory in Sphinx's version 2 format."""
    lines = []
    for name, role, uri in sorted(set(entries)):
        display = "-" if role.startswith("py:") else name
        lines.append(f"{name} {role} 1 {uri} {display}")
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress(("\n".join(lines) + "\n").encode())
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / filename).write_bytes(header.encode() + body)
    print(f"{filename}: {len(lines)} entries")


def main():
    import numpy
    import pandas
    import scipy
    from sklearn.experimental import (  # noqa: F401
        enable_halving_search_cv,
        enable_iterative_imputer,
    )

    sklearn_objects = objects(
        submodules("sklearn", skip=("externals", "experimental")),
        generated("modules/generated"),
    )
    version, extras = sklearn_extras()
    write("scikit-learn", version, sklearn_objects + extras, "sklearn.inv")
    numpy_modules = ["numpy", "numpy.random", "numpy.linalg", "numpy.testing"]
    write(
        "NumPy",
        numpy.__version__,
        objects(numpy_modules, generated("reference/generated")),
        "numpy.inv",
    )
    scipy_modules = ["scipy.sparse", "scipy.stats", "scipy.special", "scipy.linalg"]
    write(
        "SciPy",
        scipy.__version__,
        objects(scipy_modules, generated("reference/generated")),
        "scipy.inv",
    )
    write(
        "pandas",
        pandas.__version__,
        objects(["pandas"], generated("reference/api")),
        "pandas.inv",
    )

    def library(module_name, name):
        if name is None:
            return f"library/{module_name}.html#module-{module_name}"
        return f"library/{module_name}.html#{module_name}.{name}"

    python = objects(PYTHON_MODULES, library) + builtin_names()
    write("Python", sys.version.split()[0], python, "python.inv")


if __name__ == "__main__":
    main()
