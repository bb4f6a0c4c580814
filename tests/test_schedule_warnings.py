"""Warnings about a schedule that does not fit its budget: a single cycle that
reaches rate 0 long before the budget ends, and a budget that ends mid-cycle,
each shown once in a search rather than once per fit."""

import re
import warnings

import pytest

from skcosine import CosineSGDClassifier, CosineSGDRegressor

from .conftest import run_child

TAIL = "The schedule reaches learning rate 0"


def caught(fit):
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in log if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_a_cycle_far_shorter_than_the_budget_warns_naming_the_epoch_of_rate_0(
    Estimator, estimator_case
):
    """warmup_epochs=2, T_max=3, max_iter=30: epochs 5 to 29 train at rate 0;
    the message says from which epoch and which settings put it there."""
    X, y, _ = estimator_case
    model = Estimator(T_max=3, warmup_epochs=2, max_iter=30, random_state=0)
    messages = caught(lambda: model.fit(X, y))
    (message,) = [m for m in messages if m.startswith(TAIL)]
    assert "at epoch 5 (warmup_epochs=2 + T_max=3)" in message
    assert (model.learning_rates_[5:] == 0).all() and model.learning_rates_[4] > 0


@pytest.mark.parametrize(
    "params",
    [
        {"T_max": 5, "lr_min": 1e-4},  # a floor: training goes on
        {"T_max": 5, "T_mult": 1},  # warm restarts
        {"T_max": None},  # one cycle over the budget
        {"T_max": 30},  # the budget ends before the cycle (mid-cycle instead)
        {"T_max": 10},  # the cycle ends with the budget
    ],
)
def test_no_rate_0_warning_when_no_epoch_trains_at_rate_0(diabetes, params):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10, random_state=0, **params)
    assert not [m for m in caught(lambda: model.fit(X, y)) if m.startswith(TAIL)]


def test_a_fit_stopped_before_the_end_of_the_cycle_does_not_warn(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(T_max=50, max_iter=100, tol=1e-1, random_state=0)
    messages = caught(lambda: model.fit(X, y))
    assert model.n_iter_ <= 50
    assert not [m for m in messages if m.startswith(TAIL)]


SEARCH = """
import warnings
from sklearn.datasets import load_diabetes
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV
from sklearn.preprocessing import StandardScaler
from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
grid = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]}
for params in ({"T_max": 4, "T_mult": 2}, {"T_max": 4}):
    search = HalvingGridSearchCV(
        CosineSGDRegressor(random_state=0, **params), grid, resource="max_iter",
        min_resources=5, max_resources=60, cv=3, random_state=0,
    )
    with warnings.catch_warnings(record=True) as log:
        search.fit(X, y)
    schedule = ("The budget ends mid-cycle", "The schedule reaches")
    print(sum(str(w.message).startswith(schedule) for w in log))
"""


def shown_per_search():
    child = run_child(SEARCH)
    assert child.returncode == 0, child.stderr[-2000:]
    return [int(line) for line in child.stdout.split()]


def test_a_search_shows_each_schedule_warning_once():
    """A HalvingGridSearchCV over max_iter with T_max set, in a fresh process:
    the mid-cycle warning (T_mult=2) or the rate-0 one (a single cycle) is
    shown once, not once per fit (each fit of a search runs in a fresh
    catch_warnings, which defeats Python's own deduplication)."""
    assert shown_per_search() == [1, 1]


def test_repeated_fits_show_a_schedule_warning_once(diabetes):
    """Once per process, even with an "always" filter."""
    X, y = diabetes
    model = CosineSGDRegressor(T_max=2, max_iter=6, random_state=0)
    messages = caught(lambda: [model.fit(X, y) for _ in range(3)])
    assert sum(m.startswith(TAIL) for m in messages) == 1


def test_the_user_s_error_filter_still_wins(diabetes):
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match=re.escape(TAIL)):
            CosineSGDRegressor(T_max=2, max_iter=6, random_state=0).fit(X, y)
