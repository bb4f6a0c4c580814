"""Every public name is documented, and its Parameters match its signature."""

import ast
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


ESTIMATORS = [
    obj
    for obj in PUBLIC
    if inspect.isclass(obj) and obj.__name__.startswith("CosineSGD")
]


def documented_defaults(docstring):
    """``{name: default}`` of the Parameters entries that state
    ``default=<literal>`` (or ``default=np.nan``, ``GridSearchCV``'s
    ``error_score``)."""
    defaults = {}
    for line in docstring.splitlines():
        match = re.match(r"(\w+) : .*, default=(.+)$", line)
        if match:
            text = match.group(2)
            value = float("nan") if text == "np.nan" else ast.literal_eval(text)
            defaults[match.group(1)] = value
    return defaults


def same_default(documented, default):
    """Equal and of the same type (NaN equal to NaN)."""
    if type(documented) is not type(default):
        return False
    nan = isinstance(default, float) and default != default
    return documented != documented if nan else documented == default


@pytest.mark.parametrize("obj", ESTIMATORS, ids=lambda obj: obj.__name__)
def test_documented_defaults_are_the_signature_defaults(obj):
    signature = inspect.signature(obj)
    documented = documented_defaults(inspect.getdoc(obj))
    assert set(documented) == set(signature.parameters)
    for name, parameter in signature.parameters.items():
        default = parameter.default
        # a tuple default (the CV grids) is documented as the tuple it is
        assert same_default(documented[name], default), name


def test_documented_defaults_catch_a_wrong_default():
    doc = "Parameters\n----------\nalpha : float, default=0.001\n    Alpha.\n"
    assert documented_defaults(doc) == {"alpha": 0.001}
    assert not same_default(0.001, float("nan"))
    assert not same_default(float("nan"), 0.001)
    assert not same_default(1, 1.0)
    assert (
        documented_defaults(doc)["alpha"]
        != inspect.signature(skcosine.CosineSGDRegressor).parameters["alpha"].default
    )


@pytest.mark.parametrize(
    "search, plain",
    [
        (skcosine.CosineSGDRegressorCV, skcosine.CosineSGDRegressor),
        (skcosine.CosineSGDClassifierCV, skcosine.CosineSGDClassifier),
    ],
    ids=["regressor", "classifier"],
)
def test_cv_estimators_take_every_shared_parameter_of_their_plain_estimator(
    search, plain
):
    from skcosine._cv import SEARCHED

    own = inspect.signature(search).parameters
    for name, parameter in inspect.signature(plain).parameters.items():
        if name in SEARCHED.values():
            # searched as a list: eta0 -> eta0s, whose default holds eta0's
            listed = own[next(k for k, v in SEARCHED.items() if v == name)]
            if name != "alpha":  # alphas searches a range by default
                assert parameter.default in listed.default, name
            continue
        assert name in own, name
        assert own[name].default == parameter.default, name
        assert own[name].kind is parameter.kind, name
    assert search._plain is plain
    for name in own:
        search_value = search(**{name: own[name].default}).get_params()[name]
        assert search_value is own[name].default  # __init__ stores each argument


def test_constructors_are_written_out():
    """Editors, type checkers and ``inspect.getsource`` read the literal
    signature, as scikit-learn's developer guide asks."""
    for obj in ESTIMATORS:
        source = inspect.getsource(obj.__init__)
        assert source.lstrip().startswith("def __init__(\n        self,\n"), obj
        assert "**kwargs" not in source and "*args" not in source, obj
        for name in inspect.signature(obj).parameters:
            assert f"        self.{name} = {name}\n" in source, (obj, name)


def test_docstring_fillers_do_nothing_without_docstrings():
    """Under ``python -OO`` every docstring is ``None``: the fillers leave the
    objects as they are (CI also imports and fits under ``-OO``)."""
    from skcosine._cv import delegate, search_doc
    from skcosine._docstrings import fill_doc, shared_doc
    from skcosine._regressor import PARAMETERS

    class Bare:
        def method(self, X):
            return X

    Bare.__doc__ = Bare.method.__doc__ = None
    assert fill_doc(PARAMETERS)(Bare) is Bare and Bare.__doc__ is None
    assert shared_doc(Bare.method) is Bare.method and Bare.method.__doc__ is None
    doc = search_doc(skcosine.CosineSGDRegressor, PARAMETERS, "regression", "", "")
    assert doc(Bare) is Bare and Bare.__doc__ is None
    assert delegate(Bare.method).__doc__ is None
