"""Searches on a real Dask cluster give the results of n_jobs=1, bit for bit."""

import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_wine
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on loopback, started and stopped by the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as local,
            distributed.Client(local) as client,
        ):
            yield client


def searches():
    X, y = load_diabetes(return_X_y=True)
    Xc, yc = load_wine(return_X_y=True)
    cv = KFold(3, shuffle=True, random_state=0)
    regressor = make_pipeline(
        StandardScaler(), CosineSGDRegressor(max_iter=15, random_state=0)
    )
    classifier = make_pipeline(StandardScaler(), CosineSGDClassifier(random_state=0))
    return {
        "grid": (
            GridSearchCV(
                regressor,
                {
                    "cosinesgdregressor__lr_min": [0.0, 1e-3],
                    "cosinesgdregressor__T_max": [5, None],
                },
                cv=cv,
            ),
            X,
            y,
        ),
        "randomized": (
            RandomizedSearchCV(
                regressor,
                {"cosinesgdregressor__eta0": loguniform(1e-3, 1e-1)},
                n_iter=4,
                cv=cv,
                random_state=0,
            ),
            X,
            y,
        ),
        "halving": (
            HalvingGridSearchCV(
                classifier,
                {"cosinesgdclassifier__lr_min": [0.0, 1e-4, 1e-3]},
                resource="cosinesgdclassifier__max_iter",
                min_resources=5,
                max_resources=45,
                cv=3,
                random_state=0,
            ),
            Xc,
            yc,
        ),
    }


@pytest.mark.parametrize("name", ["grid", "randomized", "halving"])
def test_search_on_dask_equals_n_jobs_1(cluster, name):
    serial, X, y = searches()[name]
    serial.set_params(n_jobs=1).fit(X, y)
    on_dask, X, y = searches()[name]
    with distributed.get_task_stream(cluster) as tasks:
        with joblib.parallel_config(backend="dask"):
            on_dask.set_params(n_jobs=-1).fit(X, y)
    workers = {task["worker"] for task in tasks.data}
    assert len(workers) == 2  # the fits really ran on both worker processes
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        assert_array_equal(on_dask.cv_results_[key], serial.cv_results_[key])
    assert on_dask.best_params_ == serial.best_params_
    assert_array_equal(
        on_dask.best_estimator_[-1].coef_, serial.best_estimator_[-1].coef_
    )
    assert np.all(np.isfinite(on_dask.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("estimator", ["regressor", "classifier"])
def test_cv_estimator_folds_on_dask_equal_n_jobs_1(cluster, estimator):
    if estimator == "regressor":
        X, y = load_diabetes(return_X_y=True)
        search = CosineSGDRegressorCV(lr_mins=[0.0, 1e-3], max_iter=15, random_state=0)
    else:
        X, y = load_wine(return_X_y=True)
        search = CosineSGDClassifierCV(
            eta0s=[0.01, "auto"], max_iter=15, random_state=0
        )
    X = StandardScaler().fit_transform(X)
    serial = clone(search).set_params(n_jobs=1).fit(X, y)
    with distributed.get_task_stream(cluster) as tasks:
        with joblib.parallel_config(backend="dask"):
            on_dask = clone(search).set_params(n_jobs=-1).fit(X, y)
    assert len({task["worker"] for task in tasks.data}) == 2
    for k in range(5):
        key = f"split{k}_test_score"
        assert_array_equal(on_dask.cv_results_[key], serial.cv_results_[key])
    assert on_dask.best_params_ == serial.best_params_
    assert_array_equal(on_dask.coef_, serial.coef_)
