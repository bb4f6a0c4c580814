"""The defaults: max_iter='auto' sizes the budget from the data, eta0='auto'
takes the measured multiple of the no-overshoot step, and both hold up."""

import inspect
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier, CosineSGDRegressor
from skcosine._settings import AUTO_UPDATES, MAX_AUTO_EPOCHS, PARTIAL_FIT_EPOCHS

from .conftest import no_warnings


def data(n_samples, n_features=5, classes=False, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ rng.standard_normal(n_features) + 0.1 * rng.standard_normal(n_samples)
    return X, (y > 0).astype(int) if classes else y


@pytest.mark.parametrize(
    "estimator, n_samples, epochs",
    [
        (CosineSGDRegressor, 100, MAX_AUTO_EPOCHS),  # small data: the ceiling
        (CosineSGDRegressor, 1_000, AUTO_UPDATES // 1_000),
        (CosineSGDRegressor, 1_001, -(-AUTO_UPDATES // 1_001)),  # rounded up
        (CosineSGDRegressor, 20_000, 20),  # the regressor's floor
        (CosineSGDClassifier, 20_000, 10),  # the classifier's floor
        (CosineSGDClassifier, 3_000, -(-AUTO_UPDATES // 3_000)),
    ],
)
def test_auto_budget_follows_the_number_of_rows(estimator, n_samples, epochs):
    X, y = data(n_samples, classes=estimator is CosineSGDClassifier)
    model = estimator(random_state=0).fit(X, y)
    assert model.n_iter_ == epochs == len(model.learning_rates_)
    assert model.schedule_.T_max == epochs  # one cycle over the budget
    assert model.learning_rates_[-1] < 0.03 * model.learning_rates_[0]  # cycle end


def test_an_integer_max_iter_is_kept():
    X, y = data(20_000)
    assert CosineSGDRegressor(max_iter=3, random_state=0).fit(X, y).n_iter_ == 3


def test_partial_fit_alone_cycles_over_the_partial_fit_budget():
    X, y = data(300)
    model = CosineSGDRegressor(random_state=0).partial_fit(X, y)
    assert model.schedule_.T_max == PARTIAL_FIT_EPOCHS


def test_partial_fit_continues_the_budget_a_fit_chose_even_after_pickling():
    X, y = data(5_000)
    model = CosineSGDRegressor(random_state=0).fit(X, y)
    budget = model.n_iter_
    assert budget == 20
    model = pickle.loads(pickle.dumps(model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cycle has ended: rate 0 warns
        model.partial_fit(X[:100], y[:100])
    assert model.schedule_.T_max == budget
    assert model.n_epochs_ == budget + 1


def test_a_tampered_budget_in_the_fitted_state_is_refused():
    X, y = data(500)
    model = CosineSGDRegressor(random_state=0).fit(X, y)
    for bad in (0, -3, 2.5, "100", True, 10**30):
        model._state["max_iter"] = bad
        with pytest.raises(ValueError, match="max_iter"):
            model.partial_fit(X, y)


def test_warmup_longer_than_the_auto_budget_is_refused_at_fit():
    X, y = data(20_000)
    model = CosineSGDRegressor(warmup_epochs=20)
    with pytest.raises(ValueError, match="warmup_epochs=20"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")
    CosineSGDRegressor(warmup_epochs=19, random_state=0).fit(X[:100], y[:100])


@pytest.mark.parametrize(
    "estimator, loss, factor",
    [
        (CosineSGDRegressor, "squared_error", 2.0),  # twice the no-overshoot step
        (CosineSGDRegressor, "huber", 1.0),
        (CosineSGDClassifier, "hinge", 4.0),
        (CosineSGDClassifier, "log_loss", 4.0),  # curvature 1/4, factor 1
        (CosineSGDClassifier, "squared_hinge", 0.5),  # curvature 2
    ],
)
def test_auto_rate_is_the_measured_multiple_of_the_safe_step(estimator, loss, factor):
    X, y = data(400, classes=estimator is CosineSGDClassifier)
    X[7] *= 3  # the largest row sets the step (not extreme: see test_outliers)
    model = estimator(loss=loss, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    largest = np.max(np.einsum("ij,ij->i", X, X) + 1.0)
    assert model.schedule_.lr_initial == pytest.approx(factor / largest)


@settings(max_examples=40, deadline=None)
@given(
    scale=st.floats(1e-3, 1e3),
    outlier=st.floats(1.0, 1e3),
    weight=st.floats(1e-3, 1e3),
    n_samples=st.integers(2, 60),
    seed=st.integers(0, 1000),
)
def test_the_doubled_regression_step_never_diverges(
    scale, outlier, weight, n_samples, seed
):
    """The largest step that cannot increase any sample's loss, on hostile
    data: any scale, an outlying row, a heavily weighted row."""
    X, y = data(n_samples, seed=seed)
    X, y = X * scale, y * scale
    X[0] *= outlier
    weights = np.ones(n_samples)
    weights[-1] = weight
    model = CosineSGDRegressor(random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny features may stall: a warning
        model.fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(model.coef_))


# --- eta0='auto' holds for weighted rows and every block ----------------------


def test_auto_rate_accounts_for_sample_weights(diabetes):
    """Weights of 50 would otherwise make every step 50 times too big."""
    X, y = diabetes
    weighted = CosineSGDRegressor(random_state=0)
    weighted.fit(X, y, sample_weight=np.full(len(y), 50.0))
    plain = CosineSGDRegressor(random_state=0).fit(X, y)
    assert weighted.schedule_.lr_initial == pytest.approx(
        plain.schedule_.lr_initial / 50
    )
    assert weighted.score(X, y) == pytest.approx(plain.score(X, y), abs=1e-3)


def test_auto_rate_accounts_for_balanced_class_weights():
    """A 0.5% minority class gets a weight of about 100."""
    rng = np.random.RandomState(0)
    X = rng.randn(4000, 8)
    y = (rng.rand(4000) < 0.005).astype(int)
    X[y == 1] += 1.5
    model = CosineSGDClassifier(
        loss="squared_hinge", class_weight="balanced", random_state=0
    ).fit(X, y)
    assert np.mean(model.predict(X[y == 1]) == 1) > 0.8
    unweighted = CosineSGDClassifier(loss="squared_hinge", random_state=0).fit(X, y)
    ratio = unweighted.schedule_.lr_initial / model.schedule_.lr_initial
    assert ratio == pytest.approx(4000 / (2 * y.sum()), rel=0.05)


WEIGHTS = st.lists(
    st.sampled_from([0.0, 1e-6, 1e-3, 1.0, 50.0, 1e3, 1e6]), min_size=40, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    WEIGHTS,
    st.sampled_from(
        [
            "hinge",
            "log_loss",
            "modified_huber",
            "squared_error",
            "perceptron",
            "squared_hinge",
        ]
    ),
    st.sampled_from([None, "balanced", {0: 1e-3, 1: 1e3}]),
)
def test_auto_rate_trains_finite_models_under_any_weights(weights, loss, class_weight):
    """eta0='auto' bounds every weighted step: never a false divergence."""
    rng = np.random.RandomState(len(weights))
    X = rng.randn(40, 3)
    y = (X[:, 0] + 0.3 * rng.randn(40) > 0).astype(int)
    weights = np.array(weights)
    if not np.any(weights > 0):
        return
    model = CosineSGDClassifier(
        loss=loss, class_weight=class_weight, max_iter=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(model.decision_function(X)))


def test_auto_rate_in_partial_fit_holds_for_every_block(diabetes):
    """A later block of larger rows lowers the rate instead of
    diverging."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10, random_state=0)
    model.partial_fit(X[:200], y[:200])
    first = model.schedule_.lr_initial
    model.partial_fit(X[200:] * 10, y[200:])
    assert model.schedule_.lr_initial < first / 50
    assert np.all(np.isfinite(model.coef_))
    reference = CosineSGDRegressor(max_iter=10, random_state=0)
    reference.partial_fit(X[200:] * 10, y[200:])
    assert model.schedule_.lr_initial == reference.schedule_.lr_initial


def test_every_lr_min_of_a_grid_with_auto_rate_is_a_valid_candidate(diabetes):
    """Lr_min above the data's rate is lowered to it (flat)."""
    X, y = diabetes
    search = GridSearchCV(
        CosineSGDRegressor(max_iter=20, random_state=0),
        {"lr_min": [0.0, 0.01, 1.0, 100.0]},
        cv=3,
        error_score="raise",
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    flat = search.best_estimator_.set_params(lr_min=100.0).fit(X, y)
    assert flat.schedule_.lr_min == flat.schedule_.lr_initial
    assert np.ptp(flat.learning_rates_) == 0


def test_unscaled_features_warn_that_the_rate_cannot_move_them():
    """A lognormal income next to an age column."""
    rng = np.random.RandomState(0)
    age = rng.uniform(20, 70, 1000)
    income = rng.lognormal(11, 1, 1000)
    X = pd.DataFrame({"age": age, "income": income})
    y = 0.5 * age + 1e-4 * income + rng.randn(1000)
    with pytest.warns(UserWarning, match="'age' and the intercept cannot move.*"):
        CosineSGDRegressor(random_state=0).fit(X, y)
    with no_warnings():
        make_pipeline(StandardScaler(), CosineSGDRegressor(random_state=0)).fit(X, y)


def test_warnings_point_at_the_users_line(diabetes):
    """A warning found deep inside a fit names the line that called ``fit``
    (through scikit-learn's decorator and skcosine's layers), as scikit-learn's
    own warnings do."""
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.RandomState(0)  # an income next to an age: unscaled
    raw_X = np.c_[rng.uniform(20, 70, 1000), rng.lognormal(11, 1, 1000)]
    raw_y = 0.5 * raw_X[:, 0] + rng.randn(1000)
    X, y = diabetes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stalled = CosineSGDRegressor(random_state=0)
        converging = CosineSGDRegressor(max_iter=3, tol=1e-9, n_iter_no_change=2)
        line = inspect.currentframe().f_lineno + 1
        stalled.fit(raw_X, raw_y), converging.fit(X, y)
    kinds = {type(w.message) for w in caught}
    assert {UserWarning, ConvergenceWarning} <= kinds, kinds
    for w in caught:
        assert (w.filename, w.lineno) == (__file__, line), str(w.message)[:60]
