"""Every public name is documented, and its Parameters match its signature."""

import inspect
import re

import pytest

import skcosine


def documented_parameters(docstring):
    """Names listed in the numpydoc ``Parameters`` section."""
    lines = docstring.splitlines()
    start = lines.index("Parameters") + 2
    names = []
    for line, underline in zip(lines[start:], lines[start + 1 :] + [""]):
        if underline.startswith("---"):  # the next section begins
            break
        match = re.match(r"(\*{0,2}\w+)( :|$)", line)
        if match:
            names.append(match.group(1))
    return names


def signature_parameters(obj):
    parameters = inspect.signature(obj).parameters.values()
    return [
        ("**" if p.kind is p.VAR_KEYWORD else "") + p.name
        for p in parameters
        if p.name not in ("self", "cls")
    ]


PUBLIC = [getattr(skcosine, name) for name in skcosine.__all__]


def test_all_lists_exactly_the_public_names():
    public = {name for name in dir(skcosine) if not name.startswith("_")}
    assert set(skcosine.__all__) == public


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_class_docstring_documents_init_parameters(obj):
    doc = inspect.getdoc(obj)
    for section in ("Parameters", "See Also", "Notes", "Examples"):
        assert f"\n{section}\n" in doc, f"{obj.__name__} lacks {section}"
    assert documented_parameters(doc) == signature_parameters(obj.__init__)


def public_methods():
    """Every public method (and classmethod) that a public class defines."""
    seen = set()
    for obj in PUBLIC:
        ours = [k for k in obj.__mro__ if k.__module__.startswith("skcosine")]
        for klass in ours:
            for name, value in vars(klass).items():
                function = getattr(value, "__func__", value)
                public = not name.startswith("_") or name == "__call__"
                if callable(function) and public and function not in seen:
                    seen.add(function)
                    yield getattr(obj, name)


@pytest.mark.parametrize("method", list(public_methods()), ids=lambda m: m.__qualname__)
def test_method_docstring_documents_its_parameters(method):
    doc = inspect.getdoc(method)
    assert doc, f"{method.__qualname__} has no docstring"
    names = signature_parameters(method)
    if names:
        assert documented_parameters(doc) == names
    assert "\nReturns\n" in doc or method.__name__ in ("__init__",)


def test_html_repr_links_to_the_api_page_of_every_estimator():
    import pathlib

    from sklearn.base import BaseEstimator
    from sklearn.utils import estimator_html_repr

    from skcosine._docstrings import DOCS_URL

    api = (pathlib.Path(__file__).parents[1] / "docs" / "api.rst").read_text()
    for obj in PUBLIC:
        if not (inspect.isclass(obj) and issubclass(obj, BaseEstimator)):
            continue
        required = {"lr_initial": 0.1, "T_max": 5, "T_0": 5}
        names = inspect.signature(obj).parameters
        if "lr_initial" not in names:  # the estimators: every parameter defaults
            required = {}
        instance = obj(**{k: v for k, v in required.items() if k in names})
        link = f"{DOCS_URL}generated/skcosine.{obj.__name__}.html"
        assert instance._get_doc_link() == link
        assert link in estimator_html_repr(instance)
        assert f"\n   {obj.__name__}\n" in api  # autosummary makes that page


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_class_docstring_points_to_the_user_guide(obj):
    assert "Read more in the :ref:`User Guide <" in inspect.getdoc(obj)
