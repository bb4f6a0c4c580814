"""Grid searches over the schedule parameters, in pipelines, on DataFrames."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_wine
from sklearn.exceptions import FitFailedWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier, CosineSGDRegressor


@pytest.fixture(scope="module")
def diabetes_frame():
    data = load_diabetes(as_frame=True)
    return data.data, data.target


GRID = {
    "cosinesgdregressor__lr_min": [0.0, 0.001, 0.005],
    "cosinesgdregressor__T_max": [5, 20, None],
}


def search(n_jobs, X, y):
    pipe = make_pipeline(
        StandardScaler(), CosineSGDRegressor(max_iter=20, random_state=0)
    ).set_output(transform="pandas")
    cv = KFold(3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, GRID, cv=cv, n_jobs=n_jobs).fit(X, y)


# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_grid_search_over_lr_min_and_t_max_on_a_dataframe(diabetes_frame):
    X, y = diabetes_frame
    serial = search(1, X, y)
    parallel = search(2, X, y)
    assert len(parallel.cv_results_["params"]) == 9
    scores = parallel.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and scores.max() > 0.4
    assert np.array_equal(scores, serial.cv_results_["mean_test_score"])
    assert list(parallel.feature_names_in_) == list(X.columns)
    best = parallel.best_estimator_[-1]
    assert list(best.feature_names_in_) == list(X.columns)
    assert best.lr_min in GRID["cosinesgdregressor__lr_min"]
    expected_t_max = best.T_max or best.max_iter
    assert best.schedule_.T_max == expected_t_max
    assert parallel.predict(X.iloc[:5]).shape == (5,)


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_invalid_candidates_get_the_error_score(diabetes_frame):
    X, y = diabetes_frame
    pipe = make_pipeline(StandardScaler(), CosineSGDRegressor(eta0=0.01, max_iter=5))
    grid = {"cosinesgdregressor__lr_min": [0.0, 0.5]}  # 0.5 > eta0
    with pytest.warns(FitFailedWarning, match="lr_min=0.5 must be <= eta0=0.01"):
        result = GridSearchCV(pipe, grid, cv=3, error_score=np.nan).fit(X, y)
    scores = result.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])


def test_halving_search_gives_every_budget_a_whole_cycle():
    X, y = load_wine(return_X_y=True, as_frame=True)
    pipe = make_pipeline(StandardScaler(), CosineSGDClassifier(random_state=0))
    search = HalvingGridSearchCV(
        pipe,
        {
            "cosinesgdclassifier__lr_min": [0.0, 0.001],
            "cosinesgdclassifier__eta0": [0.01, 0.1],
        },
        resource="cosinesgdclassifier__max_iter",
        min_resources=4,
        max_resources=36,
        factor=3,
        cv=3,
        random_state=0,
    ).fit(X, y)
    budgets = sorted(set(search.cv_results_["n_resources"]))
    assert budgets[0] == 4 and len(budgets) >= 2
    best = search.best_estimator_[-1]
    assert best.schedule_.T_max == best.max_iter  # T_max=None follows max_iter
    assert best.learning_rates_[-1] < best.learning_rates_[0] / 50
    assert search.best_score_ > 0.9
