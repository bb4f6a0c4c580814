"""A misspelled parameter, or one of scikit-learn's SGD that skcosine replaces,
gets a message naming the class and what to use instead in set_params (a
ValueError, as scikit-learn's), so in every search over it; at construction
Python's own TypeError names the class (the signature stays __init__'s, for
inspect.signature and the editors that read it)."""

import gc
import inspect
import re
import weakref

import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GridSearchCV

from skcosine import (
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)

ESTIMATORS = [
    CosineSGDRegressor,
    CosineSGDClassifier,
    CosineSGDRegressorCV,
    CosineSGDClassifierCV,
]

CASES = [
    ("learning_rate", "adaptive", "the learning rate always follows a cosine"),
    ("power_t", 0.25, "not used: skcosine has no inverse-scaling schedule"),
    ("lr_mn", 0.1, "did you mean 'lr_min"),  # 'lr_mins' for CV
    ("warmup_epoch", 2, "did you mean 'warmup_epochs'?"),
    ("xyzzy", 1, "valid parameters are ['T_max"),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("name, value, hint", CASES, ids=[c[0] for c in CASES])
def test_an_unknown_parameter_names_the_class_and_the_replacement(
    Estimator, name, value, hint
):
    # at construction, Python's own message names the class
    start = f"{Estimator.__name__}.__init__() got an unexpected keyword argument"
    with pytest.raises(TypeError, match=re.escape(f"{start} {name!r}")):
        Estimator(**{name: value})
    model = Estimator()
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"Invalid parameter {name!r} for estimator {Estimator.__name__}: {hint}"
        ),
    ):
        model.set_params(**{name: value})
    assert model.get_params() == Estimator().get_params()  # nothing was set


@pytest.mark.parametrize("Estimator", [CosineSGDRegressorCV, CosineSGDClassifierCV])
@pytest.mark.parametrize("name", ["alpha", "eta0", "lr_min", "T_max"])
def test_a_cv_estimator_suggests_the_searched_list(Estimator, name):
    hint = f"{Estimator.__name__} searches lists of values: use {name}s=[...]."
    with pytest.raises(ValueError, match=re.escape(hint)):
        Estimator().set_params(**{name: 0.1})


MLP_CASES = [
    (
        "learning_rate",
        "adaptive",
        "the learning rate always follows a cosine schedule: set "
        "learning_rate_init (its peak)",
    ),
    ("power_t", 0.5, "not used: there is no inverse-scaling schedule; the rate "),
    ("max_fun", 15000, "it belongs to solver='lbfgs', which has no learning rate"),
    ("learning_rate_int", 0.1, "did you mean 'learning_rate_init'"),
]


@pytest.mark.parametrize("Estimator", [CosineMLPRegressor, CosineMLPClassifier])
@pytest.mark.parametrize("name, value, hint", MLP_CASES, ids=[c[0] for c in MLP_CASES])
def test_an_mlp_names_its_own_replacement_of_scikit_learns_parameters(
    Estimator, name, value, hint
):
    """The MLPs' peak rate is learning_rate_init, not the SGD estimators' eta0,
    and they drop max_fun (L-BFGS) too."""
    start = f"{Estimator.__name__}.__init__() got an unexpected keyword argument"
    with pytest.raises(TypeError, match=re.escape(f"{start} {name!r}")):
        Estimator(**{name: value})
    model = Estimator()
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"Invalid parameter {name!r} for estimator {Estimator.__name__}: {hint}"
        ),
    ) as error:
        model.set_params(**{name: value})
    assert "eta0" not in str(error.value)
    assert model.get_params() == Estimator().get_params()


def test_a_grid_over_a_removed_parameter_fails_with_the_replacement(diabetes):
    X, y = diabetes
    search = GridSearchCV(CosineSGDRegressor(), {"learning_rate": ["adaptive"]})
    with pytest.raises(ValueError, match="always follows a cosine schedule"):
        search.fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_known_parameters_still_construct_clone_and_set(Estimator):
    model = Estimator(verbose=1)
    assert clone(model).get_params() == model.get_params()
    assert model.set_params(verbose=0, tol=0.1) is model
    assert (model.verbose, model.tol) == (0, 0.1)
    assert Estimator("modified_huber").loss == "modified_huber"


def test_a_subclass_taking_any_keyword_is_left_to_its_own_init():
    class Open(CosineSGDRegressor):
        def __init__(self, extra=None, **params):
            super().__init__(**params)
            self.extra = extra

    assert Open(extra=1, alpha=0.1).alpha == 0.1
    with pytest.raises(TypeError, match="unexpected keyword argument 'power_t'"):
        Open(power_t=0.5)  # CosineSGDRegressor.__init__, via super(): Python's


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_the_signature_editors_read_is_the_explicit_init(Estimator):
    class Subclass(Estimator):
        pass

    init = list(inspect.signature(Estimator.__init__).parameters.values())[1:]
    expected = str(inspect.Signature(init))
    assert str(inspect.signature(Estimator)) == expected
    assert str(inspect.signature(Subclass)) == expected


@pytest.mark.parametrize(
    "Estimator",
    [*ESTIMATORS, CosineMLPRegressor, CosineMLPClassifier],
    ids=lambda e: e.__name__,
)
def test_get_params_is_scikit_learns_with_the_names_read_once(Estimator):
    """get_params (every fit's parameter validation, every clone) reads the
    parameter names once per class (compat.parameter_names): it must return
    exactly what scikit-learn's own get_params does, values set later
    included, and a subclass with its own __init__ must get its own names."""
    model = Estimator(verbose=2)
    for deep in (False, True):
        assert model.get_params(deep=deep) == BaseEstimator.get_params(model, deep)
    model.set_params(verbose=0, warm_start=True)
    assert model.get_params(deep=False) == BaseEstimator.get_params(model, False)
    assert model.get_params(deep=False)["warm_start"] is True

    class Narrower(Estimator):
        def __init__(self, verbose=3):
            super().__init__(verbose=verbose)

    assert Narrower().get_params(deep=False) == {"verbose": 3}
    assert clone(Narrower(verbose=1)).verbose == 1
    assert len(Estimator().get_params(deep=False)) > 1  # the parent's, still
    # the names read once do not keep a class made at run time alive
    gone = weakref.ref(Narrower)
    del Narrower
    gc.collect()
    assert gone() is None
