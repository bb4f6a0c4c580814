"""The defaults: max_iter='auto' sizes the budget from the data, eta0='auto'
takes the measured multiple of the no-overshoot step, and both hold up."""

import inspect
import math
import pathlib
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_digits
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skcosine._settings
from skcosine import CosineSGDClassifier, CosineSGDRegressor
from skcosine._data import EXTREME_FACTOR
from skcosine._settings import (
    AUTO_UPDATES,
    MAX_AUTO_EPOCHS,
    NAMED_ROWS,
    PARTIAL_FIT_EPOCHS,
)

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
        (CosineSGDClassifier, 20_000, 20),  # ... with 3 classes or more
        (CosineSGDClassifier, 3_000, -(-AUTO_UPDATES // 3_000)),
    ],
)
def test_auto_budget_follows_the_number_of_rows(estimator, n_samples, epochs):
    X, y = data(n_samples, classes=estimator is CosineSGDClassifier)
    if estimator is CosineSGDClassifier and epochs == 20:
        y = np.digitize(X[:, 0], [-0.5, 0.5])  # three classes
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
    X[7] *= 3  # the largest row sets the step (not extreme: see below)
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


# --- a few extreme rows do not set the step for everyone -----------------------

EXTREME = "A few rows of X dominate the scale of the data"


def standardized_split(X, y, seed, test_size=0.25, stratify=False):
    """Train and test rows, standardized with the training rows."""
    parts = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )
    X_train, X_test, y_train, y_test = parts
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_row_a_thousand_times_too_large_leaves_the_optimum(seed):
    """Standardized diabetes with one training row multiplied by 1000: the
    defaults score the least-squares optimum of the same data (the step of
    every other row was 1e6 times too small: R^2 -3.8 with the largest row's
    step), and a warning names the row."""
    X_train, X_test, y_train, y_test = standardized_split(
        *load_diabetes(return_X_y=True), seed
    )
    X_train[7] *= 1000
    with pytest.warns(UserWarning, match=EXTREME + r".*: row 7 \("):
        model = CosineSGDRegressor(random_state=seed).fit(X_train, y_train)
    optimum = Ridge(alpha=1e-4 * len(y_train)).fit(X_train, y_train)
    assert model.score(X_test, y_test) == pytest.approx(
        optimum.score(X_test, y_test), abs=0.01
    )
    assert model.intercept_[0] == pytest.approx(optimum.intercept_, rel=0.02)


def test_a_few_extreme_rows_leave_multiclass_defaults_at_the_optimum():
    """Digits (10 classes), five training rows with one pixel 200 standard
    deviations out: the defaults stay within 0.01 of the logistic optimum's
    accuracy (mean over three splits); with the step of the largest row they
    lost 3 points."""
    X, y = load_digits(return_X_y=True)
    ours, optimum = [], []
    for seed in range(3):
        X_train, X_test, y_train, y_test = standardized_split(X, y, seed, stratify=True)
        rows = np.random.RandomState(seed).choice(len(y_train), 5, replace=False)
        X_train[rows, 3] = 200.0
        with pytest.warns(UserWarning, match=EXTREME):
            model = CosineSGDClassifier(random_state=seed).fit(X_train, y_train)
        ours.append(model.score(X_test, y_test))
        logistic = LogisticRegression(C=1 / (1e-4 * len(y_train)), max_iter=3000)
        optimum.append(logistic.fit(X_train, y_train).score(X_test, y_test))
    assert np.mean(ours) >= np.mean(optimum) - 0.01


def diamonds_like(n_samples, seed):
    """Five classes from skewed, collinear numeric columns (standardized) and
    two one-hot categories, the shape of diamonds' cut from its other
    columns; five rows get a value 38 standard deviations out."""
    rng = np.random.RandomState(seed)
    numeric = rng.standard_normal((n_samples, 6))
    numeric[:, :2] = np.exp(0.5 * numeric[:, :2])  # skewed, like carat and price
    numeric[:, 2:5] = numeric[:, [0]] + 0.1 * numeric[:, 2:5]  # x, y, z
    codes = np.column_stack([rng.randint(0, k, n_samples) for k in (7, 8)])
    scores = (
        numeric @ rng.standard_normal((6, 5))
        + rng.standard_normal((15, 5))[codes].sum(axis=1)
        + rng.gumbel(size=(n_samples, 5))
    )
    numeric = StandardScaler().fit_transform(numeric)
    X = np.hstack([numeric, OneHotEncoder(sparse_output=False).fit_transform(codes)])
    rows = rng.choice(n_samples, 5, replace=False)
    X[rows, 3] = 38.0
    return X, np.argmax(scores, axis=1), rows


def test_five_impossible_rows_leave_the_step_of_the_others():
    """The diamonds-like case: eta0='auto' is the rate of the data without
    the five extreme rows, exactly, and the defaults score within 0.01 of
    SGDClassifier() (mean over three seeds)."""
    ours, theirs = [], []
    for seed in range(3):
        X, y, rows = diamonds_like(15_000, seed)
        train, test = slice(0, 10_000), slice(10_000, None)
        extreme = rows[rows < 10_000]
        with pytest.warns(UserWarning, match=EXTREME):
            model = CosineSGDClassifier(random_state=seed).fit(X[train], y[train])
        assert model.n_iter_ == 20  # five classes: the multiclass floor
        clean = np.delete(X[train], extreme, axis=0), np.delete(y[train], extreme)
        with no_warnings():
            reference = CosineSGDClassifier(max_iter=1).fit(*clean)
        assert model.schedule_.lr_initial == reference.schedule_.lr_initial
        ours.append(model.score(X[test], y[test]))
        sgd = SGDClassifier(random_state=seed).fit(X[train], y[train])
        theirs.append(sgd.score(X[test], y[test]))
    assert np.mean(ours) >= np.mean(theirs) - 0.01


def test_the_warning_names_five_rows_and_counts_the_others():
    X, y = data(2_000)
    rows = [1500, 3, 999, 42, 7, 1200, 600]
    X[rows] = 0.0
    X[rows, 0] = 50.0 + np.arange(len(rows))  # the last the largest
    with pytest.warns(UserWarning, match=EXTREME) as caught:
        CosineSGDRegressor(max_iter=2, random_state=0).fit(X, y)
    (message,) = [str(w.message) for w in caught if EXTREME in str(w.message)]
    named = [int(row) for row in re.findall(r"(\d+) \([\d.e+]+ times", message)]
    assert named == rows[::-1][:NAMED_ROWS]  # largest first
    assert f"and {len(rows) - NAMED_ROWS} more" in message


def test_the_documented_extreme_factor_is_the_one_fit_uses():
    """Every statement of the factor that makes a row extreme, in the module
    docstring of _settings, the user guide (twice, with the norm's factor, its
    square root) and the warning, is _data.EXTREME_FACTOR."""
    X, y = data(2_000)
    X[7] *= 1000
    with pytest.warns(UserWarning, match=EXTREME) as caught:
        CosineSGDRegressor(max_iter=2, random_state=0).fit(X, y)
    (message,) = [str(w.message) for w in caught if EXTREME in str(w.message)]
    guide = pathlib.Path(__file__).parents[1] / "docs" / "user_guide.rst"
    texts = {
        "skcosine._settings": " ".join(skcosine._settings.__doc__.split()),
        "docs/user_guide.rst": " ".join(guide.read_text().split()),
        "the warning": message,
    }
    stated = {
        where: [float(v) for v in re.findall(r"more than ([\d.]+) times", text)]
        for where, text in texts.items()
    }
    assert stated == {
        "skcosine._settings": [EXTREME_FACTOR],
        "docs/user_guide.rst": [EXTREME_FACTOR] * 2,
        "the warning": [EXTREME_FACTOR],
    }
    norm = re.findall(r"a norm ([\d.]+) times as large", texts["docs/user_guide.rst"])
    assert [float(v) for v in norm] == [math.sqrt(EXTREME_FACTOR)]


@pytest.mark.parametrize(
    "loader", [load_diabetes, load_digits], ids=["diabetes", "digits"]
)
def test_standardized_data_keep_the_step_of_their_largest_row(loader):
    """No row of clean standardized data is extreme: no warning, and the rate
    is the measured multiple of the largest row's safe step."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Estimator = CosineSGDRegressor if loader is load_diabetes else CosineSGDClassifier
    with no_warnings():
        model = Estimator(max_iter=1, random_state=0).fit(X, y)
    largest = np.max(np.einsum("ij,ij->i", X, X) + 1.0)
    factor = 2.0 if loader is load_diabetes else 4.0
    assert model.schedule_.lr_initial == pytest.approx(factor / largest, rel=1e-12)


def test_heavy_weights_keep_the_step_of_the_heaviest_row(diabetes):
    """Weights never make a row extreme: they are the objective (a capped row
    would count less than its weight), so the heaviest row sets the step."""
    X, y = diabetes
    weights = np.ones(len(y))
    weights[:3] = 1e4
    with no_warnings():
        model = CosineSGDRegressor(max_iter=1).fit(X, y, sample_weight=weights)
    largest = np.max(weights * (np.einsum("ij,ij->i", X, X) + 1.0))
    assert model.schedule_.lr_initial == pytest.approx(2.0 / largest, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(100, 400),
    n_extreme=st.integers(1, 4),
    outlier=st.floats(10.0, 1e5),
    weight=st.sampled_from([1e-3, 1.0, 1e3]),
    loss=st.sampled_from(["squared_error", "huber", "hinge", "log_loss"]),
    max_iter=st.sampled_from(["auto", 5, 20]),
    sparse=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_extreme_rows_never_make_eta0_auto_diverge(
    n_samples, n_extreme, outlier, weight, loss, max_iter, sparse, seed
):
    """Any number of extreme rows the rule may leave out, of any size and
    weight, inconsistent with the others' targets, dense or sparse, in short
    budgets too: eta0='auto' trains finite models, never a divergence error
    (the rule leaves those rows out, as the rate does)."""
    classifier = loss in ("hinge", "log_loss")
    X, y = data(n_samples, classes=classifier, seed=seed)
    X[:n_extreme] *= outlier
    weights = np.ones(n_samples)
    weights[n_extreme] = weight
    Estimator = CosineSGDClassifier if classifier else CosineSGDRegressor
    model = Estimator(loss=loss, max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(sp.csr_matrix(X) if sparse else X, y, sample_weight=weights)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))


def test_explicit_eta0_ignores_extreme_rows(diabetes):
    """An explicit eta0 is the user's rate for every row: the fit is the one
    without any cap, bit for bit (a grid of the CV estimators mixing it with
    'auto' caps only the 'auto' candidates: see test_cv)."""
    X, y = diabetes
    X = X.copy()
    X[7] *= 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CosineSGDRegressor(eta0=1e-9, max_iter=3, random_state=0).fit(X, y)
        capped = CosineSGDRegressor(max_iter=3, random_state=0).fit(X, y)
    rate = capped.schedule_.lr_initial
    assert rate > 1e-5 > 1e-9 * 1000  # the rule left row 7 out
    assert np.all(np.isfinite(model.coef_))
