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
        match = re.match(r"(\w+)( :|$)", line)
        if match:
            names.append(match.group(1))
    return names


def signature_parameters(obj):
    return [name for name in inspect.signature(obj).parameters if name != "self"]


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


@pytest.mark.parametrize(
    "method",
    [
        getattr(obj, name)
        for obj in PUBLIC
        for name in ("fit", "partial_fit", "__call__")
        if name in vars(obj) or (name == "__call__" and hasattr(obj, "_lr"))
    ],
    ids=lambda m: m.__qualname__,
)
def test_method_docstring_documents_its_parameters(method):
    doc = inspect.getdoc(method)
    assert documented_parameters(doc) == signature_parameters(method)
