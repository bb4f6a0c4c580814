"""The CV estimators give GridSearchCV's answer, whatever is thrown at them."""

import inspect
import re
import threading
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.metrics import make_scorer, max_error, r2_score
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    ShuffleSplit,
    StratifiedKFold,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skcosine import (
    CosineAnnealingLR,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)
from skcosine._training import GridPlan, RatePlan

LISTS = {"eta0s": "eta0", "lr_mins": "lr_min", "T_maxs": "T_max", "alphas": "alpha"}


def plain_grid(lists):
    return {LISTS[name]: list(values) for name, values in lists.items()}


def assert_same_search(ours, reference, X):
    """Scores to 1e-9, the same best candidate, the same refitted model."""
    mine, theirs = ours.cv_results_, reference.cv_results_
    assert len(mine["params"]) == len(theirs["params"])
    for candidate, searched in zip(mine["params"], theirs["params"]):
        assert {name: candidate[name] for name in searched} == searched
    splits = [f"split{k}_test_score" for k in range(reference.n_splits_)]
    for key in ["mean_test_score", "std_test_score", *splits]:
        assert_allclose(mine[key], theirs[key], rtol=0, atol=1e-9, err_msg=key)
    assert_array_equal(mine["rank_test_score"], theirs["rank_test_score"])
    assert ours.best_index_ == reference.best_index_
    best = reference.best_params_
    assert {name: ours.best_params_[name] for name in best} == best
    assert ours.best_score_ == pytest.approx(
        reference.best_score_, abs=1e-9, nan_ok=True
    )
    assert ours.n_splits_ == reference.n_splits_
    if hasattr(reference, "classes_"):
        assert_array_equal(ours.predict(X), reference.predict(X))
    else:
        assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-9, atol=1e-9)
    assert_allclose(ours.coef_, reference.best_estimator_.coef_, rtol=1e-9, atol=1e-12)


def both(cv_class, plain_class, lists, X, y, cv, sample_weight=None, **params):
    """Our search and GridSearchCV's over the same grid (default lists
    included)."""
    defaults = cv_class().get_params()
    lists = {**{name: defaults[name] for name in LISTS}, **lists}
    ours = cv_class(**lists, cv=cv, **params).fit(X, y, sample_weight=sample_weight)
    reference = GridSearchCV(plain_class(**params), plain_grid(lists), cv=cv)
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    reference.fit(X, y, **fit_params)
    return ours, reference


GRID = {"eta0s": [0.005, 0.02, "auto"], "lr_mins": [0.0, 0.001], "T_maxs": [10, None]}

NON_FINITE_SCORES = "One or more of the test scores are non-finite"
"""The warning of a search with NaN scores (GridSearchCV's, word for word)."""


# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_regression_equals_grid_search_with_auto_in_the_grid(diabetes):
    X, y = diabetes
    cv = KFold(5, shuffle=True, random_state=0)
    lists = {**GRID, "alphas": [1e-4, 1e-2]}
    ours, reference = both(
        CosineSGDRegressorCV,
        CosineSGDRegressor,
        lists,
        X,
        y,
        cv,
        max_iter=30,
        random_state=0,
    )
    assert len(ours.cv_results_["params"]) == 24
    assert_same_search(ours, reference, X)


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber"])
def test_binary_classification_equals_grid_search(wine, loss):
    X, y = wine
    y = (y == 1).astype(int)
    lists = {"eta0s": [0.01, "auto"], "lr_mins": [0.0], "alphas": [1e-4, 1e-3]}
    ours, reference = both(
        CosineSGDClassifierCV,
        CosineSGDClassifier,
        lists,
        X,
        y,
        4,
        loss=loss,
        max_iter=20,
        random_state=3,
    )
    assert_same_search(ours, reference, X)
    if loss != "hinge":
        assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-9)


# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_multiclass_with_string_labels_and_balanced_weights(wine):
    X, y = wine
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    lists = {"eta0s": [0.01, 0.05], "T_maxs": [5, None]}
    ours, reference = both(
        CosineSGDClassifierCV,
        CosineSGDClassifier,
        lists,
        X,
        labels,
        StratifiedKFold(3, shuffle=True, random_state=1),
        class_weight="balanced",
        max_iter=15,
        random_state=0,
    )
    assert_same_search(ours, reference, X)
    assert_array_equal(ours.classes_, ["barbera", "barolo", "grignolino"])
    assert_allclose(
        ours.decision_function(X), reference.decision_function(X), atol=1e-9
    )


def test_csr_input_and_float32(diabetes):
    X, y = diabetes
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    for data in (sp.csr_matrix(X), X.astype(np.float32)):
        ours, reference = both(
            CosineSGDRegressorCV,
            CosineSGDRegressor,
            {"eta0s": [0.01, "auto"], "alphas": [1e-4, 1e-3]},
            data,
            y,
            3,
            max_iter=10,
            random_state=0,
        )
        assert_same_search(ours, reference, data)


def test_sample_weights_weight_the_fits(diabetes):
    X, y = diabetes
    weights = np.random.RandomState(0).uniform(0, 3, len(y))
    weights[::7] = 0.0
    ours, reference = both(
        CosineSGDRegressorCV,
        CosineSGDRegressor,
        {"lr_mins": [0.0, 0.001]},
        X,
        y,
        5,
        sample_weight=weights,
        max_iter=10,
        random_state=0,
    )
    assert_same_search(ours, reference, X)
    unweighted = CosineSGDRegressorCV(
        lr_mins=[0.0, 0.001], max_iter=10, random_state=0
    ).fit(X, y)
    assert not np.allclose(
        unweighted.cv_results_["mean_test_score"], ours.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(  # models stop at different epochs, some at max_iter
            {"tol": 1e-3, "n_iter_no_change": 2},
            marks=pytest.mark.filterwarnings(
                "ignore:Maximum number of iteration reached before convergence"
                ":sklearn.exceptions.ConvergenceWarning"
            ),
        ),
        {"early_stopping": True, "tol": 1e-4, "n_iter_no_change": 3},
        {"average": 50},
        {"penalty": "elasticnet", "l1_ratio": 0.5},
        {"penalty": "l1", "average": True, "anneal_per": "sample"},
        pytest.param(  # cycles end at epochs 6, 14 and 30: a budget of 25 warns
            {"T_mult": 2, "warmup_epochs": 2, "loss": "huber"},
            marks=pytest.mark.filterwarnings(
                "ignore:The budget ends mid-cycle:UserWarning"
            ),
        ),
        {"shuffle": False, "fit_intercept": False},
    ],
    ids=lambda params: ",".join(params),
)
# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_every_training_option_still_equals_grid_search(diabetes, params):
    X, y = diabetes
    lists = {"eta0s": [0.01, "auto"], "T_maxs": [4, None], "alphas": [0.0, 1e-2]}
    ours, reference = both(
        CosineSGDRegressorCV,
        CosineSGDRegressor,
        lists,
        X,
        y,
        ShuffleSplit(3, test_size=0.25, random_state=0),
        max_iter=25,
        random_state=7,
        **params,
    )
    assert_same_search(ours, reference, X)


def test_early_stopping_classifier_stops_classes_alone(wine):
    X, y = wine
    ours, reference = both(
        CosineSGDClassifierCV,
        CosineSGDClassifier,
        {"eta0s": [0.01, 0.1], "alphas": [1e-4, 1e-2]},
        X,
        y,
        3,
        early_stopping=True,
        tol=1e-3,
        n_iter_no_change=2,
        max_iter=40,
        random_state=0,
    )
    assert_same_search(ours, reference, X)


def test_a_random_state_instance_is_copied_per_fit_as_clone_does(diabetes):
    X, y = diabetes
    ours, reference = both(
        CosineSGDRegressorCV,
        CosineSGDRegressor,
        {"lr_mins": [0.0, 0.002]},
        X,
        y,
        3,
        max_iter=10,
        random_state=np.random.RandomState(5),
    )
    assert_same_search(ours, reference, X)


def assert_same_results(ours, reference):
    """Every key of cv_results_ (in GridSearchCV's order, the times aside) to
    1e-12, the param_* columns of the same dtype, and the same best_*
    attributes, present or absent."""
    mine, theirs = ours.cv_results_, reference.cv_results_
    assert list(mine) == list(theirs)
    for key, expected in theirs.items():
        if key.endswith("_time"):
            continue
        if key == "params":
            assert mine[key] == expected
        elif key.startswith("param_"):
            assert mine[key].dtype == expected.dtype, key
            assert_array_equal(mine[key].mask, expected.mask)
            assert list(mine[key]) == list(expected), key
        else:
            assert mine[key].dtype == expected.dtype, key
            assert_array_equal(np.isnan(mine[key]), np.isnan(expected), err_msg=key)
            assert_allclose(mine[key], expected, rtol=0, atol=1e-12, err_msg=key)
    for name in ("best_index_", "best_params_", "best_score_", "refit_time_"):
        assert hasattr(ours, name) == hasattr(reference, name), name
    if hasattr(reference, "best_index_"):
        assert ours.best_index_ == reference.best_index_
        assert ours.best_params_ == reference.best_params_
    if hasattr(reference, "best_score_"):
        # every candidate failed on some fold: both best scores are NaN
        assert ours.best_score_ == pytest.approx(
            reference.best_score_, abs=1e-12, nan_ok=True
        )
    assert ours.multimetric_ == reference.multimetric_
    assert ours.n_splits_ == reference.n_splits_
    assert type(ours.scorer_) is type(reference.scorer_)
    if isinstance(reference.scorer_, dict):
        assert list(ours.scorer_) == list(reference.scorer_)
    if hasattr(reference, "best_estimator_"):
        assert_allclose(
            ours.coef_, reference.best_estimator_.coef_, rtol=1e-9, atol=1e-12
        )


def full_grid(cv_class, lists):
    """The grid of a CV estimator (its defaults filled in), as GridSearchCV's."""
    defaults = cv_class().get_params()
    return plain_grid({**{name: defaults[name] for name in LISTS}, **lists})


def last_candidate(results):
    """A callable refit: the last candidate."""
    return len(results["params"]) - 1


def two_metrics(estimator, X, y):
    """A callable scorer of two metrics."""
    return {"fit": estimator.score(X, y), "size": -float(np.abs(estimator.coef_).sum())}


def outcome(search, X, y, **fit_params):
    """The fitted search, or the exception its fit raised."""
    try:
        return search.fit(X, y, **fit_params)
    except Exception as error:  # noqa: BLE001 - compared with GridSearchCV's
        return error


def assert_same_outcome(ours, reference):
    """The same results, or the same error: the same type and message, or,
    when every fit failed, the same count, and the failure we name among those
    GridSearchCV lists (or, when no candidate has settings a fit can start
    from, the parameter error, raised before training, that every one of its
    fits raised)."""
    if isinstance(reference, Exception):
        assert type(ours) is type(reference), (ours, reference)
        mine, theirs = str(ours), str(reference)
        failed = re.search(r"All the \d+ fits failed", theirs)
        if failed is None:
            assert mine == theirs
        elif mine.startswith(failed.group(0)):
            assert mine.partition("The first failure: ")[2] in theirs, (mine, theirs)
        else:
            assert mine in theirs, (mine, theirs)
        return
    assert not isinstance(ours, Exception), ours
    assert_same_results(ours, reference)


SCORINGS = {
    "default": None,
    "name": "neg_mean_absolute_error",
    "list": ["r2", "neg_mean_absolute_error"],
    "dict": {"fit": "r2", "worst": "neg_max_error"},
    "callable of two metrics": two_metrics,
}


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_samples=st.integers(20, 60),
    n_features=st.integers(1, 6),
    eta0s=st.lists(
        st.sampled_from([0.001, 0.01, 0.1, 0.5, "auto"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    T_maxs=st.lists(
        st.one_of(st.none(), st.integers(1, 8)), min_size=1, max_size=2, unique=True
    ),
    alphas=st.lists(
        st.sampled_from([0.0, 1e-4, 0.1]), min_size=1, max_size=2, unique=True
    ),
    max_iter=st.integers(1, 8),
    warmup_epochs=st.integers(0, 3),  # >= max_iter: T_max=None cannot be fitted
    loss=st.sampled_from(["squared_error", "huber", "epsilon_insensitive"]),
    average=st.sampled_from([False, True, 7]),
    scale=st.sampled_from([1.0, 1.0, 50.0]),  # unscaled: some candidates diverge
    grouped=st.booleans(),
    weighted=st.booleans(),
    scoring=st.sampled_from(sorted(SCORINGS)),
    refit=st.sampled_from([True, False, "a metric", "no metric", "callable"]),
    error_score=st.sampled_from([np.nan, -100.0, 0, "raise"]),
    return_train_score=st.booleans(),
)
def test_any_grid_on_any_data_equals_grid_search(
    seed,
    n_samples,
    n_features,
    eta0s,
    T_maxs,
    alphas,
    max_iter,
    warmup_epochs,
    loss,
    average,
    scale,
    grouped,
    weighted,
    scoring,
    refit,
    error_score,
    return_train_score,
):
    """Any grid, on any data, with any of GridSearchCV's options (groups with
    GroupKFold, sample weights, one or several metrics, refit by bool, name or
    callable, error_score, train scores): cv_results_ (every key), best_* and
    the refitted model are GridSearchCV's, or both raise the same error."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features)) * scale
    y = X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)
    numeric = [eta0 for eta0 in eta0s if eta0 != "auto"]
    lists = {
        "eta0s": eta0s,
        "lr_mins": [0.0, min(numeric, default=0.01) / 2],
        "T_maxs": T_maxs,
        "alphas": alphas,
    }
    params = {
        "loss": loss,
        "average": average,
        "max_iter": max_iter,
        "warmup_epochs": warmup_epochs,
        "random_state": seed,
    }
    fit_params = {}
    if grouped:
        cv = GroupKFold(3)
        fit_params["groups"] = rng.randint(0, 6, n_samples)
    else:
        cv = KFold(3, shuffle=True, random_state=seed)
    if weighted:
        fit_params["sample_weight"] = rng.uniform(0.5, 2.0, n_samples)
    metric = "fit" if scoring in ("dict", "callable of two metrics") else "r2"
    refits = {"a metric": metric, "no metric": "nope", "callable": last_candidate}
    options = {
        "scoring": SCORINGS[scoring],
        "refit": refits.get(refit, refit),
        "error_score": error_score,
        "return_train_score": return_train_score,
        "cv": cv,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = outcome(
            CosineSGDRegressorCV(**lists, **options, **params), X, y, **fit_params
        )
        reference = outcome(
            GridSearchCV(CosineSGDRegressor(**params), plain_grid(lists), **options),
            X,
            y,
            **fit_params,
        )
    event(type(reference).__name__)
    assert_same_outcome(ours, reference)
    if hasattr(reference, "best_estimator_"):
        assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-9, atol=1e-9)


def test_parallel_folds_give_the_serial_result(wine):
    X, y = wine
    runs = [
        CosineSGDClassifierCV(
            eta0s=[0.01, "auto"],
            alphas=[1e-4, 1e-3],
            max_iter=20,
            random_state=0,
            n_jobs=n_jobs,
        ).fit(X, y)
        for n_jobs in (1, 2, -1)
    ]
    for run in runs[1:]:
        for k in range(5):
            key = f"split{k}_test_score"
            assert_array_equal(run.cv_results_[key], runs[0].cv_results_[key])
        assert_array_equal(run.coef_, runs[0].coef_)
    reference = GridSearchCV(
        CosineSGDClassifier(max_iter=20, random_state=0),
        {"eta0": [0.01, "auto"], "alpha": [1e-4, 1e-3]},
        n_jobs=2,
    ).fit(X, y)
    assert_same_search(runs[1], reference, X)


def test_diverging_candidates_score_nan_as_grid_search_error_score(diabetes):
    X, y = diabetes
    X = X * 30.0  # unscaled: a large fixed eta0 diverges, 'auto' does not
    lists = {"eta0s": [1.0, "auto"], "alphas": [1e-4]}
    with pytest.warns(UserWarning, match=NON_FINITE_SCORES):
        with pytest.warns(FitFailedWarning, match="5 fits failed out of a total of 10"):
            ours = CosineSGDRegressorCV(**lists, max_iter=5, random_state=0)
            ours.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = GridSearchCV(
            CosineSGDRegressor(max_iter=5, random_state=0), plain_grid(lists)
        ).fit(X, y)
    scores = ours.cv_results_["mean_test_score"]
    assert np.isnan(scores[0]) and np.isnan(reference.cv_results_["mean_test_score"][0])
    assert_array_equal(ours.cv_results_["rank_test_score"], [2, 1])
    assert ours.best_params_["eta0"] == "auto"
    assert_same_search(ours, reference, X)


def test_every_candidate_failing_is_an_error(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="All the 5 fits failed.*diverged"):
        CosineSGDRegressorCV(eta0s=[5.0], alphas=[0.0], max_iter=5).fit(X * 100, y)


def test_a_fold_without_two_classes_fails_its_candidates_only(iris):
    X, y = iris
    X, y = X[:100], y[:100]  # classes 0 then 1
    splits = [
        (np.arange(0, 40), np.arange(40, 100)),
        (np.arange(20, 100), np.arange(20)),
    ]
    lists = {"alphas": [1e-4, 1e-3]}
    with pytest.warns(UserWarning, match=NON_FINITE_SCORES):
        with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 4"):
            ours = CosineSGDClassifierCV(**lists, cv=splits, max_iter=5, random_state=0)
            ours.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = GridSearchCV(
            CosineSGDClassifier(max_iter=5, random_state=0),
            plain_grid(lists),
            cv=splits,
        ).fit(X, y)
    assert np.isnan(ours.cv_results_["split0_test_score"]).all()
    assert np.isfinite(ours.cv_results_["split1_test_score"]).all()
    assert_same_search(ours, reference, X)


def test_pipeline_after_a_column_transformer_on_a_dataframe():
    data = load_diabetes(as_frame=True)
    frame = data.data.copy()
    frame["sex"] = np.where(frame["sex"] > 0, "f", "m")
    prepare = ColumnTransformer(
        [
            ("num", StandardScaler(), [c for c in frame if c != "sex"]),
            ("cat", OneHotEncoder(), ["sex"]),
        ]
    )
    search = CosineSGDRegressorCV(lr_mins=[0.0, 0.001], max_iter=15, random_state=0)
    pipe = make_pipeline(prepare, search).fit(frame, data.target)
    reference = GridSearchCV(
        make_pipeline(prepare, CosineSGDRegressor(max_iter=15, random_state=0)),
        {
            "cosinesgdregressor__lr_min": [0.0, 0.001],
            "cosinesgdregressor__alpha": [1e-6, 1e-5, 1e-4, 1e-3],
        },
    ).fit(frame, data.target)
    # the scaler sees every row here, each fold's rows there: compare the refit
    assert pipe.score(frame, data.target) > 0.4
    assert search.n_features_in_ == 11
    assert reference.best_score_ == pytest.approx(search.best_score_, abs=0.05)


def test_dataframe_feature_names_are_kept_and_checked():
    data = load_diabetes(as_frame=True)
    X = (data.data - data.data.mean()) / data.data.std()
    search = CosineSGDRegressorCV(alphas=[1e-4], max_iter=10, random_state=0)
    search.fit(X, data.target)
    assert_array_equal(search.feature_names_in_, X.columns)
    assert_array_equal(search.best_estimator_.feature_names_in_, X.columns)
    with pytest.raises(ValueError, match="feature names"):
        search.predict(X[X.columns[::-1]])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"eta0s": []}, "eta0s must not be empty"),
        ({"alphas": ()}, "alphas must not be empty"),
        ({"eta0s": [0.01, -1.0]}, r"eta0s\[1\].*-1.0"),
        ({"eta0s": ["fast"]}, r"eta0s\[0\].*fast"),
        ({"T_maxs": [10, 0]}, r"T_maxs\[1\].*0"),
        ({"T_maxs": [2.5]}, r"T_maxs\[0\].*2.5"),
        ({"alphas": [np.nan]}, r"alphas\[0\]"),
        ({"lr_mins": [-0.1]}, r"lr_mins\[0\].*-0.1"),
        (
            {"eta0s": [0.01, 0.1], "lr_mins": [0.0, 0.05]},
            r"lr_mins\[1\]=0.05 must be <= eta0s\[0\]=0.01",
        ),
        ({"eta0s": "auto"}, "eta0s"),
        ({"cv": "five"}, "cv"),
        ({"scoring": "accuracy_of_it"}, "scoring"),
        ({"warmup_epochs": 100}, "warmup_epochs"),
    ],
)
def test_bad_grids_are_refused_before_training(diabetes, params, match):
    X, y = diabetes
    search = CosineSGDRegressorCV(**params)
    with pytest.raises(ValueError, match=match):
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")


def test_a_failed_fit_leaves_the_previous_search(diabetes):
    X, y = diabetes
    search = CosineSGDRegressorCV(alphas=[1e-4], max_iter=5, random_state=0).fit(X, y)
    before = dict(vars(search))
    search.set_params(eta0s=[50.0])
    with pytest.raises(ValueError):
        search.fit(X * 100, y)
    assert vars(search).keys() == before.keys()
    assert search.cv_results_ is before["cv_results_"]


def test_inputs_are_never_modified(diabetes):
    X, y = diabetes
    X, y = X.copy(), y.copy()
    weights = np.ones(len(y))
    copies = X.copy(), y.copy(), weights.copy()
    X.flags.writeable = False
    CosineSGDRegressorCV(alphas=[1e-4], max_iter=5).fit(X, y, sample_weight=weights)
    for a, b in zip((X, y, weights), copies):
        assert_array_equal(a, b)


def test_scoring_by_name_and_by_callable(diabetes):
    X, y = diabetes
    lists = {"lr_mins": [0.0, 0.001], "alphas": [1e-4]}
    for scoring in (
        "neg_mean_absolute_error",
        lambda est, X, y: -np.abs(est.predict(X) - y).max(),
    ):
        ours = CosineSGDRegressorCV(
            **lists, scoring=scoring, max_iter=10, random_state=0
        )
        reference = GridSearchCV(
            CosineSGDRegressor(max_iter=10, random_state=0),
            plain_grid(lists),
            scoring=scoring,
        )
        ours.fit(X, y)
        reference.fit(X, y)
        assert_allclose(
            ours.cv_results_["mean_test_score"],
            reference.cv_results_["mean_test_score"],
            atol=1e-9,
        )


def test_refit_false_keeps_the_search_but_no_model(diabetes):
    X, y = diabetes
    search = CosineSGDRegressorCV(alphas=[1e-4, 1e-3], refit=False, max_iter=5)
    search.fit(X, y)
    assert set(search.best_params_) == {"eta0", "lr_min", "T_max", "alpha"}
    assert not hasattr(search, "coef_")
    with pytest.raises(NotFittedError, match="refit=False"):
        search.predict(X)


def test_probabilities_only_for_probabilistic_losses(wine):
    X, y = wine
    search = CosineSGDClassifierCV(alphas=[1e-4], max_iter=5).fit(X, y)
    assert not hasattr(search, "predict_proba")
    search.set_params(loss="log_loss").fit(X, y)
    assert_allclose(search.predict_proba(X).sum(axis=1), 1.0)


def test_concurrent_searches_in_threads_do_not_interfere(wine):
    X, y = wine
    expected = CosineSGDClassifierCV(alphas=[1e-4, 1e-3], max_iter=10, random_state=0)
    expected.fit(X, y)
    results, errors = [], []

    def run():
        try:
            search = CosineSGDClassifierCV(
                alphas=[1e-4, 1e-3], max_iter=10, random_state=0, n_jobs=2
            )
            results.append(search.fit(X, y).cv_results_["mean_test_score"])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for scores in results:
        assert_array_equal(scores, expected.cv_results_["mean_test_score"])


def test_cv_results_work_as_a_dataframe(diabetes):
    X, y = diabetes
    search = CosineSGDRegressorCV(max_iter=5, random_state=0).fit(X, y)
    table = pd.DataFrame(search.cv_results_)
    assert len(table) == 4 and table["rank_test_score"].min() == 1
    assert (table["mean_fit_time"] > 0).all()


def test_a_subclass_of_a_cv_estimator_keeps_its_parameters_and_search(diabetes):
    X, y = diabetes

    class Search(CosineSGDRegressorCV):
        pass

    search = Search(alphas=[1e-4], max_iter=5, cv=3, random_state=0)
    # compared as text: error_score=np.nan, like GridSearchCV's, is not == itself
    assert str(inspect.signature(Search)) == str(
        inspect.signature(CosineSGDRegressorCV)
    )
    assert clone(search).get_params() == search.get_params()
    reference = CosineSGDRegressorCV(alphas=[1e-4], max_iter=5, cv=3, random_state=0)
    assert_allclose(search.fit(X, y).predict(X), reference.fit(X, y).predict(X))


def test_candidates_that_cannot_be_fitted_score_nan_as_in_grid_search(diabetes):
    """warmup_epochs=6 leaves no cosine epoch with T_max=None in a budget of 6:
    that candidate's standalone fit raises, GridSearchCV scores it NaN and the
    other candidates still count."""
    X, y = diabetes
    lists = {"T_maxs": [None, 3], "alphas": [1e-4]}
    params = {"max_iter": 6, "warmup_epochs": 6, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the budget ends mid-cycle
        with pytest.warns(FitFailedWarning, match="5 fits failed out of a total of 10"):
            ours = CosineSGDRegressorCV(**lists, **params).fit(X, y)
        with pytest.warns(FitFailedWarning, match="5 fits failed out of a total of 10"):
            reference = GridSearchCV(
                CosineSGDRegressor(**params), plain_grid(lists), error_score=np.nan
            ).fit(X, y)
    assert np.isnan(ours.cv_results_["mean_test_score"][0])
    assert ours.best_params_["T_max"] == 3
    assert_same_search(ours, reference, X)


def test_a_budget_that_fails_a_candidate_in_one_fold_only():
    """max_iter='auto' depends on the fold's size: with warmup_epochs=40 and
    T_max=None the candidate fails on the larger fold only, as it would
    standalone, and scores NaN there."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 5))
    y = X @ rng.normal(size=5) + rng.normal(size=2000)
    splits = [  # 1,000 and 1,600 training rows: budgets of 50 and 32 epochs
        (np.arange(1000), np.arange(1000, 2000)),
        (np.arange(400, 2000), np.arange(400)),
    ]
    lists = {"T_maxs": [None, 5], "alphas": [1e-4]}
    params = {"warmup_epochs": 40, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 4"):
            ours = CosineSGDRegressorCV(**lists, cv=splits, **params).fit(X, y)
        with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 4"):
            reference = GridSearchCV(
                CosineSGDRegressor(**params), plain_grid(lists), cv=splits
            ).fit(X, y)
    assert np.isfinite(ours.cv_results_["split0_test_score"]).all()
    assert np.isnan(ours.cv_results_["split1_test_score"][0])
    assert_same_search(ours, reference, X)


# --- splits and scorers GridSearchCV copes with -----------------------------------


def quiet_grid_search(plain, lists, cv, X, y, **fit_params):
    """GridSearchCV's search, its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GridSearchCV(plain, plain_grid(lists), cv=cv).fit(X, y, **fit_params)


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_a_test_fold_of_zero_weights_scores_nan_as_in_grid_search(task, diabetes, wine):
    """The weighted score of a fold whose test weights are all 0 is undefined:
    GridSearchCV scores that split NaN with a warning and completes (it was a
    ZeroDivisionError, or 'Sample weights must contain ...')."""
    X, y = diabetes if task == "regression" else wine
    ours_class, plain = (
        (CosineSGDRegressorCV, CosineSGDRegressor)
        if task == "regression"
        else (CosineSGDClassifierCV, CosineSGDClassifier)
    )
    splits = list(KFold(3).split(X))
    weights = np.ones(len(y))
    weights[splits[1][1]] = 0.0
    lists = {"alphas": [1e-4, 1e-2]}
    params = {"max_iter": 5, "random_state": 0}
    with pytest.warns(UserWarning, match=NON_FINITE_SCORES):
        with pytest.warns(UserWarning, match="Scoring failed") as caught:
            ours = ours_class(**lists, cv=splits, **params)
            ours.fit(X, y, sample_weight=weights)
    assert any("non-finite" in str(w.message) for w in caught)
    reference = quiet_grid_search(
        plain(**params), lists, splits, X, y, sample_weight=weights
    )
    assert np.isnan(ours.cv_results_["split1_test_score"]).all()
    assert np.isfinite(ours.cv_results_["split0_test_score"]).all()
    assert_same_search(ours, reference, X)


def test_no_split_is_grid_searchs_value_error(diabetes):
    X, y = diabetes
    for cv in ([], iter([])):
        with pytest.raises(ValueError, match="No fits were performed"):
            GridSearchCV(CosineSGDRegressor(), {"alpha": [1e-4]}, cv=cv).fit(X, y)
    for cv in ([], iter([]), (split for split in [])):
        model = CosineSGDRegressorCV(cv=cv)
        with pytest.raises(ValueError, match="No fits were performed"):
            model.fit(X, y)
        assert not hasattr(model, "cv_results_")


def test_boolean_masks_and_negative_indices_are_splits_as_in_grid_search(iris):
    X, y = iris
    n = len(y)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    masks = [(np.isin(np.arange(n), a), np.isin(np.arange(n), b)) for a, b in folds]
    negative = [(a - n, list(b)) for a, b in folds]
    lists = {"alphas": [1e-4, 1e-2]}
    params = {"max_iter": 5, "random_state": 0}
    for cv in (masks, negative):
        ours = CosineSGDClassifierCV(**lists, cv=cv, **params).fit(X, y)
        reference = quiet_grid_search(CosineSGDClassifier(**params), lists, cv, X, y)
        assert_same_search(ours, reference, X)
        same = CosineSGDClassifierCV(**lists, cv=folds, **params).fit(X, y)
        assert_array_equal(
            ours.cv_results_["mean_test_score"], same.cv_results_["mean_test_score"]
        )


@pytest.mark.parametrize(
    "split, match",
    [
        ((np.arange(10.0), np.arange(10, 20)), "train part that does not index"),
        ((np.arange(10), np.array([5, 500])), "test part that does not index"),
        ((np.ones(7, bool), np.ones(7, bool)), "does not index the 40 samples"),
        ((np.arange(10).reshape(2, 5), np.arange(10, 20)), r"shape \(2, 5\)"),
    ],
)
def test_splits_that_index_nothing_are_value_errors_naming_cv(split, match):
    X = np.random.RandomState(0).randn(40, 3)
    with pytest.raises(ValueError, match=f"cv gave .*{match}"):
        CosineSGDRegressorCV(cv=[split], max_iter=2).fit(X, X[:, 0])


def sometimes_failing_scorer(estimator, X, y):
    """Raises for some (candidate, split) pairs, NaN for others: GridSearchCV
    scores both NaN."""
    if estimator.alpha > 1e-3 and X[0, 0] > 0:
        raise ZeroDivisionError("a scorer that fails")
    if estimator.alpha < 1e-5:
        return np.float64(np.nan)
    return estimator.score(X, y)


def always_failing_scorer(estimator, X, y):
    raise RuntimeError("a scorer that always fails")


@pytest.mark.parametrize("scoring", [sometimes_failing_scorer, always_failing_scorer])
def test_a_scorer_that_raises_or_gives_nan_scores_nan_as_in_grid_search(
    scoring, diabetes
):
    X, y = diabetes
    lists = {"alphas": [1e-6, 1e-4, 1e-2]}
    params = {"max_iter": 5, "random_state": 0}
    splits = list(KFold(4, shuffle=True, random_state=1).split(X))
    with pytest.warns(UserWarning, match=NON_FINITE_SCORES):
        with pytest.warns(UserWarning, match="Scoring failed"):
            ours = CosineSGDRegressorCV(**lists, cv=splits, scoring=scoring, **params)
            ours.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = GridSearchCV(
            CosineSGDRegressor(**params), plain_grid(lists), cv=splits, scoring=scoring
        ).fit(X, y)
    scores = np.array([ours.cv_results_[f"split{k}_test_score"] for k in range(4)])
    assert np.isnan(scores).any()
    assert_same_search(ours, reference, X)


def test_a_scorer_that_returns_no_number_is_grid_searchs_value_error(diabetes):
    X, y = diabetes
    for scorer in (lambda e, X, y: "good", lambda e, X, y: None):
        with pytest.raises(ValueError, match="scoring must return a number"):
            CosineSGDRegressorCV(max_iter=2, cv=2, scoring=scorer).fit(X, y)
        with pytest.raises(ValueError, match="scoring must return a number"):
            GridSearchCV(
                CosineSGDRegressor(max_iter=2), {"alpha": [1e-4]}, cv=2, scoring=scorer
            ).fit(X, y)


def test_many_candidates_on_a_short_budget_keep_small_rate_tables():
    """The rates of a grid are tabulated for the epochs of the budget, not
    for 256 (26 kB per candidate: 2.6 GB for 100,000 candidates on tiny data);
    the results are the same bits either way (see the equivalence tests)."""
    rng = np.random.RandomState(0)
    X = rng.randn(30, 3)
    y = X @ [1.0, -2.0, 0.5]
    alphas = list(np.logspace(-8, -1, 2000))
    search = CosineSGDRegressorCV(alphas=alphas, max_iter=5, cv=2, refit=False)
    tracemalloc.start()
    try:
        search.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / len(alphas) < 5_000  # bytes per candidate (26 kB before)
    plan = GridPlan(
        [RatePlan(CosineAnnealingLR(lr_initial=0.1, T_max=7), "sample")] * 3,
        per_candidate=2,
        n_epochs=7,
    )
    plan.plan(0)
    assert plan._table.shape == (7, 6, 5)
    plan.plan(6)
    assert plan._table.shape == (7, 6, 5)


def test_auto_and_explicit_eta0_with_an_extreme_row_equal_grid_search(diabetes):
    """A row 1,000 times too large: the 'auto' candidates cap it as their
    standalone fits do, the explicit eta0 candidates of the same pass do not."""
    X, y = diabetes
    X = X.copy()
    X[7] *= 1000
    cv = KFold(3, shuffle=True, random_state=0)
    # 1.5e-7: above the cap of row 7 (1 / (||x_7||^2 + 1), about 7e-8)
    lists = {"eta0s": [1.5e-7, "auto"], "lr_mins": [0.0], "alphas": [1e-4, 1e-2]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the refit warns about row 7
        ours, reference = both(
            CosineSGDRegressorCV,
            CosineSGDRegressor,
            lists,
            X,
            y,
            cv,
            max_iter=20,
            random_state=0,
        )
    assert_same_search(ours, reference, X)
    assert np.all(np.isfinite(ours.cv_results_["mean_test_score"]))


def test_multiclass_auto_budget_equals_grid_search(wine):
    """max_iter='auto' resolves to the multiclass floor on every fold, as in
    the standalone fits."""
    X, y = wine
    X = np.vstack([X] * 150)  # 26,700 rows: below the floor of 20 epochs
    y = np.concatenate([y] * 150)
    lists = {"eta0s": ["auto"], "lr_mins": [0.0], "alphas": [1e-4]}
    ours, reference = both(
        CosineSGDClassifierCV,
        CosineSGDClassifier,
        lists,
        X,
        y,
        StratifiedKFold(2, shuffle=True, random_state=0),
        random_state=0,
    )
    assert_same_search(ours, reference, X)
    assert ours.n_iter_ == 20


# --- GridSearchCV's options: groups, routing, metrics, refit, errors ---------------
def test_groups_reach_a_group_splitter_as_in_grid_search(diabetes):
    X, y = diabetes
    groups = np.arange(len(y)) % 5
    lists = {"alphas": [1e-4, 1e-2], "lr_mins": [0.0, 0.001]}
    params = {"max_iter": 10, "random_state": 0}
    cv = GroupKFold(5)
    ours = CosineSGDRegressorCV(**lists, cv=cv, **params).fit(X, y, groups=groups)
    reference = GridSearchCV(
        CosineSGDRegressor(**params), full_grid(CosineSGDRegressorCV, lists), cv=cv
    ).fit(X, y, groups=groups)
    assert_same_results(ours, reference)
    with pytest.raises(ValueError, match="groups"):  # GroupKFold's own error
        CosineSGDRegressorCV(cv=cv, max_iter=2).fit(X, y)


def test_an_unknown_fit_parameter_is_a_type_error_naming_the_estimator(diabetes):
    X, y = diabetes
    for search in (CosineSGDRegressorCV(max_iter=2), CosineSGDClassifierCV()):
        name = type(search).__name__
        with pytest.raises(TypeError, match=f"^{name}.fit.*'coef_init'") as caught:
            search.fit(X, y > 150, coef_init=np.zeros(X.shape[1]))
        assert "Mixin" not in str(caught.value)
        assert not hasattr(search, "cv_results_")


def test_metadata_routing_routes_groups_and_scorer_weights_as_grid_search(
    diabetes,
):
    X, y = diabetes
    groups = np.arange(len(y)) % 4
    weights = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    lists = {"alphas": [1e-4, 1e-2]}
    params = {"max_iter": 10, "random_state": 0}
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(r2_score).set_score_request(sample_weight=True)
        ours = CosineSGDRegressorCV(**lists, cv=GroupKFold(4), scoring=scorer, **params)
        ours.fit(X, y, sample_weight=weights, groups=groups)
        plain = CosineSGDRegressor(**params).set_fit_request(sample_weight=True)
        reference = GridSearchCV(
            plain,
            full_grid(CosineSGDRegressorCV, lists),
            cv=GroupKFold(4),
            scoring=scorer,
        ).fit(X, y, sample_weight=weights, groups=groups)
        assert_same_results(ours, reference)
        unweighted = make_scorer(r2_score).set_score_request(sample_weight=False)
        other = clone(ours).set_params(scoring=unweighted)
        other.fit(X, y, sample_weight=weights, groups=groups)
        assert not np.allclose(
            other.cv_results_["mean_test_score"], ours.cv_results_["mean_test_score"]
        )
        with pytest.raises(TypeError, match="CosineSGDRegressorCV.fit.*not routed"):
            CosineSGDRegressorCV(max_iter=2).fit(X, y, groups=groups)  # KFold
        # scoring=None: sample_weight weights the fits, not the test scores
        # (no user can reach the inner estimator to request them)
        own = CosineSGDRegressorCV(**lists, cv=GroupKFold(4), **params)
        own.fit(X, y, sample_weight=weights, groups=groups)
        plain = plain.set_score_request(sample_weight=False)
        reference = GridSearchCV(
            plain, full_grid(CosineSGDRegressorCV, lists), cv=GroupKFold(4)
        ).fit(X, y, sample_weight=weights, groups=groups)
        assert_same_results(own, reference)


@pytest.mark.parametrize(
    "scoring, refit",
    [
        (["r2", "neg_mean_absolute_error"], "neg_mean_absolute_error"),
        (("r2", "neg_median_absolute_error"), "r2"),
        ({"r2", "explained_variance"}, "explained_variance"),
        ({"fit": "r2", "worst": "neg_max_error"}, False),
        (
            {"fit": "r2", "worst": make_scorer(max_error, greater_is_better=False)},
            "worst",
        ),
    ],
    ids=["list", "tuple", "set", "dict, refit=False", "dict of a scorer"],
)
def test_several_metrics_give_grid_searchs_results(diabetes, scoring, refit):
    X, y = diabetes
    lists = {"alphas": [1e-4, 1e-2], "eta0s": [0.002, "auto"]}
    params = {"max_iter": 10, "random_state": 0}
    ours = CosineSGDRegressorCV(
        **lists, scoring=scoring, refit=refit, return_train_score=True, **params
    ).fit(X, y)
    reference = GridSearchCV(
        CosineSGDRegressor(**params),
        full_grid(CosineSGDRegressorCV, lists),
        scoring=list(scoring) if isinstance(scoring, set) else scoring,
        refit=refit,
        return_train_score=True,
    ).fit(X, y)
    assert_same_results(ours, reference)
    names = scoring if isinstance(scoring, dict) else {name: None for name in scoring}
    for name in names:
        for key in ("mean_test", "rank_test", "split0_test", "std_test", "mean_train"):
            assert f"{key}_{name}" in ours.cv_results_
    assert ours.multimetric_
    assert hasattr(ours, "best_estimator_") == (refit is not False)


def test_classifier_metrics_and_refit_by_name_equal_grid_search(wine):
    X, y = wine
    lists = {"alphas": [1e-4, 1e-2]}
    params = {"loss": "log_loss", "max_iter": 10, "random_state": 0}
    scoring = ["accuracy", "neg_log_loss", "f1_macro"]
    ours = CosineSGDClassifierCV(
        **lists, scoring=scoring, refit="neg_log_loss", **params
    )
    reference = GridSearchCV(
        CosineSGDClassifier(**params),
        full_grid(CosineSGDClassifierCV, lists),
        scoring=scoring,
        refit="neg_log_loss",
    )
    assert_same_results(ours.fit(X, y), reference.fit(X, y))


def test_refit_rules_and_errors_are_grid_searchs(diabetes):
    X, y = diabetes
    params = {"alphas": [1e-4, 1e-2], "max_iter": 5, "random_state": 0}
    message = "For multi-metric scoring, the parameter refit must be set to a scorer"
    for refit in (True, "nope"):
        search = CosineSGDRegressorCV(
            scoring=["r2", "neg_max_error"], refit=refit, **params
        )
        with pytest.raises(ValueError, match=message):
            search.fit(X, y)
        with pytest.raises(ValueError, match=message):
            GridSearchCV(
                CosineSGDRegressor(), {"alpha": [1e-4]}, scoring=["r2"], refit=refit
            ).fit(X, y)
    by_callable = CosineSGDRegressorCV(refit=last_candidate, **params).fit(X, y)
    assert by_callable.best_index_ == 1 and not hasattr(by_callable, "best_score_")
    assert by_callable.best_params_ == by_callable.cv_results_["params"][1]
    assert by_callable.alpha_ == by_callable.best_params_["alpha"]
    for refit, error in [
        (lambda results: 0.5, "best_index_ returned is not an integer"),
        (lambda results: 2, "best_index_ index out of range"),
    ]:
        with pytest.raises((TypeError, IndexError), match=error):
            CosineSGDRegressorCV(refit=refit, **params).fit(X, y)
    several = CosineSGDRegressorCV(
        scoring=["r2", "neg_max_error"], refit=False, **params
    )
    several.fit(X, y)
    for name in ("best_index_", "best_params_", "best_score_", "alpha_", "coef_"):
        assert not hasattr(several, name), name


def test_a_refit_false_search_keeps_no_model_of_a_previous_fit(diabetes):
    X, y = diabetes
    search = CosineSGDRegressorCV(alphas=[1e-4], max_iter=5, random_state=0).fit(X, y)
    search.set_params(refit=False).fit(X, y)
    for name in ("best_estimator_", "coef_", "refit_time_", "schedule_"):
        assert not hasattr(search, name), name
    with pytest.raises(NotFittedError, match="refit=False"):
        search.predict(X)


@pytest.mark.filterwarnings(f"ignore:{NON_FINITE_SCORES}:UserWarning")
def test_error_score_scores_a_failed_fit_or_raises(diabetes):
    X, y = diabetes
    X = X * 30.0  # unscaled: eta0=1 diverges, 'auto' does not
    lists = {"eta0s": [1.0, "auto"], "alphas": [1e-4]}
    params = {"max_iter": 5, "random_state": 0}
    grid = full_grid(CosineSGDRegressorCV, lists)
    with pytest.warns(FitFailedWarning, match="5 fits failed.*their score is -7.5"):
        ours = CosineSGDRegressorCV(
            **lists, error_score=-7.5, return_train_score=True, **params
        ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = GridSearchCV(
            CosineSGDRegressor(**params),
            grid,
            error_score=-7.5,
            return_train_score=True,
        ).fit(X, y)
    assert_same_results(ours, reference)
    assert ours.cv_results_["mean_test_score"][0] == -7.5
    assert ours.cv_results_["mean_train_score"][0] == -7.5
    search = CosineSGDRegressorCV(**lists, error_score="raise", **params)
    with pytest.raises(ValueError, match="SGD diverged at epoch 0") as caught:
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")
    with pytest.raises(ValueError) as expected:
        GridSearchCV(CosineSGDRegressor(**params), grid, error_score="raise").fit(X, y)
    assert str(caught.value) == str(expected.value)  # the standalone fit's error


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "squared_hinge"])
def test_error_score_raise_raises_the_classifiers_standalone_error(wine, loss):
    X, y = wine
    X = X * 20.0  # unscaled: large fixed rates diverge
    lists = {"eta0s": [0.001, 5.0, 50.0], "alphas": [0.0]}
    params = {"loss": loss, "max_iter": 5, "random_state": 0, "error_score": "raise"}
    with pytest.raises(ValueError) as caught:
        CosineSGDClassifierCV(**lists, **params).fit(X, y)
    with pytest.raises(ValueError) as expected:
        GridSearchCV(
            CosineSGDClassifier(
                **{k: v for k, v in params.items() if k != "error_score"}
            ),
            full_grid(CosineSGDClassifierCV, lists),
            error_score="raise",
        ).fit(X, y)
    assert str(caught.value) == str(expected.value)


@pytest.mark.filterwarnings(f"ignore:{NON_FINITE_SCORES}:UserWarning")
def test_error_score_raise_raises_a_scorers_error(diabetes):
    X, y = diabetes
    lists = {"alphas": [1e-6, 1e-4, 1e-2]}
    splits = list(KFold(4, shuffle=True, random_state=1).split(X))
    for scoring in (sometimes_failing_scorer, ["r2", "neg_mean_absolute_error"]):
        search = CosineSGDRegressorCV(
            **lists,
            cv=splits,
            scoring=scoring,
            refit=False,
            error_score="raise",
            max_iter=5,
        )
        if callable(scoring):
            with pytest.raises(ZeroDivisionError, match="a scorer that fails"):
                search.fit(X, y)
        else:
            search.fit(X, y)  # nothing fails
    with pytest.warns(UserWarning, match="Scoring failed.*set to -1.0"):
        search = CosineSGDRegressorCV(
            **lists,
            cv=splits,
            scoring=sometimes_failing_scorer,
            error_score=-1.0,
            max_iter=5,
            random_state=0,
        ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = GridSearchCV(
            CosineSGDRegressor(max_iter=5, random_state=0),
            full_grid(CosineSGDRegressorCV, lists),
            cv=splits,
            scoring=sometimes_failing_scorer,
            error_score=-1.0,
        ).fit(X, y)
    assert_same_results(search, reference)
    assert (search.cv_results_["split0_test_score"] == -1.0).any()


def test_train_scores_are_grid_searchs(wine):
    X, y = wine
    lists = {"alphas": [1e-4, 1e-2]}
    params = {"max_iter": 10, "random_state": 0}
    for scoring in (None, "balanced_accuracy"):
        ours = CosineSGDClassifierCV(
            **lists, scoring=scoring, return_train_score=True, **params
        ).fit(X, y)
        reference = GridSearchCV(
            CosineSGDClassifier(**params),
            full_grid(CosineSGDClassifierCV, lists),
            scoring=scoring,
            return_train_score=True,
        ).fit(X, y)
        assert_same_results(ours, reference)
        assert "split4_train_score" in ours.cv_results_
    default = CosineSGDClassifierCV(**lists, **params).fit(X, y)
    assert not any("train" in key for key in default.cv_results_)


@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
@pytest.mark.parametrize("cls", [CosineSGDRegressorCV, CosineSGDClassifierCV])
def test_the_chosen_values_are_attributes_named_as_in_ridgecv(cls, wine):
    X, y = wine
    search = cls(
        eta0s=[0.001, "auto"],
        lr_mins=[0.0, 1e-4],
        T_maxs=[3, None],
        alphas=[1e-4, 1e-2],
        max_iter=6,
        random_state=0,
    ).fit(X, y)
    doc = inspect.getdoc(cls)
    for name in LISTS.values():
        assert getattr(search, f"{name}_") == search.best_params_[name]
        assert f"\n{name}_ : " in doc, name


def test_a_probability_scorer_with_a_loss_without_probabilities_fails_first(
    wine, monkeypatch
):
    X, y = wine

    def no_training(*args, **kwargs):  # pragma: no cover - the test fails here
        raise AssertionError("trained before refusing the scorer")

    monkeypatch.setattr("skcosine._cv.fit_fold", no_training)
    for scoring in ("neg_log_loss", ["accuracy", "neg_log_loss"]):
        search = CosineSGDClassifierCV(scoring=scoring, refit="accuracy")
        with pytest.raises(
            ValueError, match="loss='log_loss' or loss='modified_huber'"
        ):
            search.fit(X, y)
        assert not hasattr(search, "cv_results_")
    with pytest.raises(ValueError, match="predict_proba.*CosineSGDRegressor"):
        CosineSGDRegressorCV(scoring="neg_log_loss").fit(X, y)


@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
@pytest.mark.parametrize(
    "lists",
    [
        {"alphas": [1e-4, 1e-2], "lr_mins": [0.0, 0.001], "T_maxs": [3, 6]},
        {"eta0s": [0.01, "auto"], "T_maxs": [None, 4]},
        {"eta0s": [0.01, 0.02], "alphas": [0, 1e-3]},
    ],
    ids=["numbers", "mixed", "ints and floats"],
)
def test_param_columns_have_grid_searchs_dtypes(diabetes, lists):
    X, y = diabetes
    params = {"max_iter": 5, "random_state": 0}
    ours = CosineSGDRegressorCV(**lists, **params).fit(X, y)
    reference = GridSearchCV(
        CosineSGDRegressor(**params), full_grid(CosineSGDRegressorCV, lists)
    ).fit(X, y)
    for key in ("param_alpha", "param_eta0", "param_lr_min", "param_T_max"):
        mine, theirs = ours.cv_results_[key], reference.cv_results_[key]
        assert isinstance(mine, np.ma.MaskedArray)
        assert mine.dtype == theirs.dtype, key
        assert list(mine) == list(theirs)
    assert ours.cv_results_["param_alpha"].dtype.kind == "f"
