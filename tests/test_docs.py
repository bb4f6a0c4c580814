"""The documentation's own machinery: gallery order and offline inventories."""

import importlib.util
import pathlib
import zlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_has_its_place_in_the_teaching_order():
    order = load("gallery_order")
    examples = sorted(p.name for p in (ROOT / "examples").glob("plot_*.py"))
    assert sorted(order.TEACHING_ORDER) == examples
    key = order.TeachingOrder(str(ROOT / "examples"))
    ranked = sorted(examples, key=key)
    assert ranked[0] == "plot_schedule_shapes.py"  # the schedule comes first
    assert ranked == order.TEACHING_ORDER


def entries(name):
    data = (ROOT / "docs" / "_inventories" / f"{name}.inv").read_bytes()
    header = b"".join(data.splitlines(keepends=True)[:4])
    assert header.startswith(b"# Sphinx inventory version 2\n")
    lines = zlib.decompress(data[len(header) :]).decode().splitlines()
    return {line.split(" ")[0]: line.split(" ")[1:] for line in lines}


@pytest.mark.parametrize(
    "inventory, name, page",
    [
        ("sklearn", "sklearn.linear_model.SGDRegressor", "modules/generated/"),
        ("sklearn", "sklearn.model_selection.GridSearchCV", "modules/generated/"),
        ("sklearn", "meta-estimator", "glossary.html#term-meta-estimator"),
        ("numpy", "numpy.ndarray", "reference/generated/numpy.ndarray.html"),
        ("scipy", "scipy.sparse.csr_matrix", "reference/generated/"),
        ("pandas", "pandas.DataFrame", "reference/api/pandas.DataFrame.html"),
        ("python", "None", "library/constants.html#None"),
    ],
)
def test_offline_inventories_hold_what_the_docs_link_to(inventory, name, page):
    role, priority, uri, display = entries(inventory)[name]
    assert page in uri
