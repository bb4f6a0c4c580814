"""CosineSGDRegressor / CosineSGDClassifier: schedule, parent parity, inputs."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, SGDClassifier, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CosineSGDClassifier,
    CosineSGDRegressor,
)
from skcosine._training import RatePlan

from .conftest import child_report, child_reports, no_warnings

# --- the schedule drives the epochs ------------------------------------------


def test_learning_rates_follow_the_schedule(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(eta0=0.02, lr_min=0.002, max_iter=30, random_state=0)
    model.fit(X, y)
    assert isinstance(model.schedule_, CosineAnnealingLR)
    assert model.schedule_.get_params() == dict(
        lr_initial=0.02, lr_min=0.002, T_max=30, warmup_epochs=0
    )
    assert model.n_iter_ == 30
    assert_array_equal(model.learning_rates_, model.schedule_(np.arange(30)))
    assert model.learning_rates_[0] == 0.02
    assert model.t_ == 1 + 30 * X.shape[0]


@pytest.mark.parametrize("anneal_per", ["epoch", "sample"])
def test_the_rates_of_a_fit_are_tabulated_for_its_budget_only(anneal_per):
    schedule = CosineAnnealingLR(lr_initial=0.1, T_max=5, warmup_epochs=1)
    plan = RatePlan(schedule, anneal_per, n_epochs=3)
    rates = [plan.rate(epoch) for epoch in range(3)]
    assert len(plan._rates) == 3  # not CHUNK epochs
    assert rates == list(schedule(np.arange(3)))
    plan.plan(7)  # past the budget: that epoch alone
    assert len(plan._rates) == 1 and plan.rate(7) == schedule(7)
    if anneal_per == "sample":
        assert_array_equal(plan.plan(7)[0], schedule.segments([7])[0])


def test_t_max_none_follows_the_budget_after_warmup(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=12, warmup_epochs=2, random_state=0)
    model.fit(X, y)
    assert model.schedule_.T_max == 10
    eta0 = model.schedule_.lr_initial
    assert model.learning_rates_[2] == eta0  # the cosine phase starts here
    assert model.learning_rates_[1] < eta0
    assert model.learning_rates_[-1] < model.learning_rates_[-2]


def test_explicit_t_max_holds_lr_min_afterwards(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(T_max=5, lr_min=0.001, max_iter=9, random_state=0)
    model.fit(X, y)
    assert_array_equal(model.learning_rates_[5:], 0.001)


def test_t_mult_turns_on_warm_restarts(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(T_max=3, T_mult=2, max_iter=10, random_state=0)
    with pytest.warns(UserWarning, match="The budget ends mid-cycle"):
        model.fit(X, y)  # cycles end at epochs 3, 9 and 21
    assert isinstance(model.schedule_, CosineAnnealingWarmRestarts)
    assert model.schedule_.T_0 == 3
    restarts = np.flatnonzero(model.learning_rates_ == model.schedule_.lr_initial)
    assert_array_equal(restarts, [0, 3, 9])


@pytest.mark.parametrize(
    "params, warns",
    [
        ({"T_max": 30}, True),
        ({"T_max": 12, "warmup_epochs": 8}, True),
        ({"T_max": 2, "T_mult": 2}, True),  # cycles end at 2, 6, 14
        ({"T_max": 5, "T_mult": 1}, False),  # two whole cycles
        ({"T_max": 4, "lr_min": 1e-4}, False),  # holds lr_min from epoch 4
        ({}, False),
    ],
)
def test_a_budget_that_ends_mid_cycle_warns(diabetes, params, warns):
    """The rate at the end of the budget is far above lr_min."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10, random_state=0, **params)
    if warns:
        with pytest.warns(UserWarning, match="ends mid-cycle"):
            model.fit(X, y)
    else:
        with no_warnings():
            model.fit(X, y)


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_partial_fit_advances_one_epoch_per_call(Estimator, estimator_case):
    X, y, kwargs = estimator_case
    model = Estimator(T_max=4, lr_min=0.001, max_iter=50, random_state=0)
    for calls in range(1, 8):
        model.partial_fit(X, y, **kwargs)
        assert model.learning_rates_.shape == (calls,)
        assert model.n_iter_ == calls
    assert_array_equal(model.learning_rates_, model.schedule_(np.arange(7)))
    assert_array_equal(model.learning_rates_[4:], 0.001)  # clamped after T_max


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_fit_equals_a_sequence_of_partial_fit_calls(Estimator, estimator_case):
    X, y, kwargs = estimator_case
    fitted = Estimator(max_iter=6, random_state=3).fit(X, y)
    stepped = Estimator(max_iter=6, random_state=3)
    for _ in range(6):
        stepped.partial_fit(X, y, **kwargs)
    assert_array_equal(stepped.coef_, fitted.coef_)
    assert_array_equal(stepped.intercept_, fitted.intercept_)
    assert_array_equal(stepped.learning_rates_, fitted.learning_rates_)


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_schedule_position_survives_pickling(Estimator, estimator_case):
    X, y, kwargs = estimator_case
    straight = Estimator(max_iter=8, random_state=0)
    resumed = Estimator(max_iter=8, random_state=0)
    for _ in range(8):
        straight.partial_fit(X, y, **kwargs)
        resumed.partial_fit(X, y, **kwargs)
        resumed = pickle.loads(pickle.dumps(resumed))
    assert_array_equal(resumed.learning_rates_, straight.learning_rates_)
    assert_array_equal(resumed.coef_, straight.coef_)
    assert_array_equal(resumed.intercept_, straight.intercept_)


def test_partial_fit_continues_after_fit(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=5, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="partial_fit now trains at learning rate 0"):
        model.partial_fit(X, y)  # the cycle ended at lr_min=0
    assert model.n_iter_ == 6
    assert model.learning_rates_[-1] == model.schedule_(5) == 0.0


# --- every epoch a fresh order, and no copy of X -----------------------------


def test_shuffled_epochs_differ_from_repeating_one_permutation(diabetes):
    """The trap: SGDRegressor.partial_fit with an int seed repeats one order."""
    X, y = diabetes
    ours = CosineSGDRegressor(eta0=0.01, lr_min=0.01, max_iter=5, random_state=1)
    ours.fit(X, y)
    trap = SGDRegressor(learning_rate="constant", eta0=0.01, random_state=1)
    for _ in range(5):
        trap.partial_fit(X, y)
    assert not np.allclose(ours.coef_, trap.coef_, rtol=1e-6)


# --- a flat schedule is scikit-learn's constant learning rate ----------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_shuffle_a_flat_schedule_is_not_the_constant_sgd_fit(diabetes, seed):
    """The parity the docs state holds with shuffle=False only: with the
    default shuffle=True both visit the rows in random orders, but not the
    same ones (skcosine draws a fresh order every epoch from its own
    generator), so the same random_state gives other coefficients."""
    X, y = diabetes
    params = dict(eta0=0.01, max_iter=20, random_state=seed, tol=None)
    for shuffle, same in ((False, True), (True, False)):
        ours = CosineSGDRegressor(lr_min=0.01, shuffle=shuffle, **params).fit(X, y)
        theirs = SGDRegressor(learning_rate="constant", shuffle=shuffle, **params)
        theirs.fit(X, y)
        difference = np.max(np.abs(ours.coef_ - theirs.coef_))
        assert (difference < 1e-8) if same else (difference > 1.0), (
            shuffle,
            difference,
        )


def regressor_pair(**params):
    flat = dict(eta0=0.01, lr_min=0.01, shuffle=False, max_iter=15, **params)
    ours = CosineSGDRegressor(**flat)
    theirs = SGDRegressor(learning_rate="constant", tol=None, **flat_sklearn(flat))
    return ours, theirs


def flat_sklearn(params):
    return {key: value for key, value in params.items() if key != "lr_min"}


@pytest.mark.parametrize(
    "params, fit_params",
    [
        ({}, {}),
        ({"loss": "huber", "penalty": "elasticnet", "alpha": 0.01}, {}),
        ({"average": True}, {}),
        ({"average": 100}, {}),
        ({}, {"sample_weight": "weights"}),
        ({}, {"coef_init": "coef", "intercept_init": "intercept"}),
    ],
)
def test_flat_schedule_equals_constant_sgd_regressor(diabetes, params, fit_params):
    X, y = diabetes
    rng = np.random.RandomState(0)
    values = {
        "weights": rng.uniform(0.1, 3, len(y)),
        "coef": rng.randn(X.shape[1]),
        "intercept": np.array([3.0]),
    }
    fit_params = {key: values[name] for key, name in fit_params.items()}
    ours, theirs = regressor_pair(**params)
    ours.fit(X, y, **fit_params)
    theirs.fit(X, y, **fit_params)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-10)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10, atol=1e-10)
    assert ours.t_ == theirs.t_


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_l1_state_lives_across_the_epochs_of_a_fit(diabetes, penalty):
    """The truncated-gradient L1 state is carried across epochs, as within
    scikit-learn's fit, so weights it clips to exactly 0 stay 0."""
    X, y = diabetes
    ours, theirs = regressor_pair(penalty=penalty, l1_ratio=0.9, alpha=0.1)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-10)
    assert_array_equal(ours.coef_ == 0, theirs.coef_ == 0)


def test_flat_schedule_equals_constant_sgd_regressor_on_sparse(diabetes):
    X, y = diabetes
    X = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    ours, theirs = regressor_pair()
    assert_allclose(ours.fit(X, y).coef_, theirs.fit(X, y).coef_, rtol=1e-10)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10)


@pytest.mark.parametrize("data", ["iris", "cancer"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"loss": "log_loss"},
        {"loss": "modified_huber", "class_weight": "balanced"},
        {"average": True},
        {"class_weight": "balanced", "average": 10},
    ],
)
def test_flat_schedule_equals_constant_sgd_classifier(data, params, request):
    X, y = request.getfixturevalue(data)
    flat = dict(eta0=0.05, shuffle=False, max_iter=12, random_state=0, **params)
    ours = CosineSGDClassifier(lr_min=0.05, **flat).fit(X, y)
    theirs = SGDClassifier(learning_rate="constant", tol=None, **flat).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-10)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10, atol=1e-10)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_flat_schedule_with_early_stopping_equals_sklearn(diabetes):
    """Same held-out rows, same score, same rule. (Without a penalty: with one,
    scikit-learn scores its weights before applying their pending L2 scale.)"""
    X, y = diabetes
    params = dict(
        penalty=None,
        eta0=0.05,
        shuffle=False,
        max_iter=200,
        early_stopping=True,
        tol=1e-3,
        n_iter_no_change=3,
        random_state=0,
    )
    ours = CosineSGDRegressor(lr_min=0.05, **params).fit(X, y)
    theirs = SGDRegressor(learning_rate="constant", **params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 200
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)


@pytest.mark.parametrize("Estimator, Theirs", [(CosineSGDRegressor, SGDRegressor)])
def test_early_stopping_split_with_a_random_state_instance(diabetes, Estimator, Theirs):
    """The split draws from the instance first, as scikit-learn's."""
    X, y = diabetes
    params = dict(
        penalty=None,
        eta0=0.01,
        shuffle=False,
        max_iter=20,
        early_stopping=True,
        tol=1e-3,
        n_iter_no_change=100,
    )
    ours = Estimator(lr_min=0.01, random_state=np.random.RandomState(3), **params)
    theirs = Theirs(
        learning_rate="constant", random_state=np.random.RandomState(3), **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert_allclose(ours.fit(X, y).coef_, theirs.fit(X, y).coef_, rtol=1e-8)


def replayed_first_epoch(loss, X, y, weights, eta):
    """Plain SGD over the rows in order at rate ``eta``, no penalty, with each
    row's update scaled by its weight: the loss of every row just before its
    update."""
    coef, intercept, losses = np.zeros(X.shape[1]), 0.0, []
    for x, target, weight in zip(X, y, weights):
        p = x @ coef + intercept
        if loss == "squared_error":
            losses.append(0.5 * (p - target) ** 2)
            gradient = p - target
        else:  # hinge, target in {-1, 1}
            losses.append(max(0.0, 1.0 - target * p))
            gradient = -target if target * p <= 1.0 else 0.0
        coef -= eta * weight * gradient * x
        intercept -= eta * weight * gradient
    return np.array(losses)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_tol_monitors_the_unweighted_mean_loss_as_scikit_learn(kind, diabetes):
    """With sample (and class) weights, the objective ``tol`` watches is the
    mean over the epoch's rows of each row's loss before its update, every row
    counted once, as scikit-learn's SGD sums it (the weights scale the
    updates). The rows of large targets get weight 10, the others at most
    0.5 (one 0), so the weighted mean is far from it."""
    X, y = diabetes
    y = (y - y.mean()) / y.std()
    weights = np.where(np.abs(y) > 1, 10.0, 0.0) + np.linspace(0.0, 0.5, len(y))
    params = dict(penalty=None, eta0=0.001, lr_min=0.001, shuffle=False)
    params.update(max_iter=2, tol=0.0, n_iter_no_change=5, random_state=0)
    if kind == "regressor":
        model, targets, row_weights = CosineSGDRegressor(**params), y, weights
        expected_targets = y
    else:
        class_weight = {False: 0.3, True: 3.0}
        params.update(loss="hinge", class_weight=class_weight)
        model, targets = CosineSGDClassifier(**params), y > 0
        row_weights = weights * np.where(targets, 3.0, 0.3)
        expected_targets = np.where(targets, 1.0, -1.0)
    model.fit(X, targets, sample_weight=weights)
    losses = replayed_first_epoch(
        params.get("loss", "squared_error"), X, expected_targets, row_weights, 0.001
    )
    assert np.average(losses, weights=row_weights) != pytest.approx(
        losses.mean(), rel=0.05
    )  # the case tells the two apart
    assert model.loss_curve_[0] == pytest.approx(losses.mean(), rel=1e-10)


@pytest.mark.parametrize("tol", [1e-2, 1e-3, 1e-4])
def test_tol_with_sample_weight_stops_at_scikit_learns_epoch(tol, diabetes):
    """On a flat schedule, with skewed sample weights, the rule stops at the
    epoch where scikit-learn's constant-rate SGD stops."""
    X, y = diabetes
    y = (y - y.mean()) / y.std()
    weights = np.where(np.abs(y) > 1, 10.0, 0.0) + np.linspace(0.0, 0.5, len(y))
    params = dict(penalty=None, eta0=0.01, shuffle=False, max_iter=300)
    params.update(tol=tol, n_iter_no_change=3)
    ours = CosineSGDRegressor(lr_min=0.01, **params).fit(X, y, sample_weight=weights)
    theirs = SGDRegressor(learning_rate="constant", **params)
    theirs.fit(X, y, sample_weight=weights)
    assert ours.n_iter_ == theirs.n_iter_ < 300


# --- the parent's options under a real schedule ------------------------------


def test_tol_stops_early_and_ends_the_cycle_before_lr_min(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=300, tol=1e-2, random_state=0).fit(X, y)
    assert model.n_iter_ < 300
    assert model.learning_rates_[-1] > model.lr_min
    with pytest.warns(ConvergenceWarning):
        CosineSGDRegressor(max_iter=8, tol=1e-9, random_state=0).fit(X, y)
    with warnings.catch_warnings():  # a rule that cannot stop does not warn
        warnings.simplefilter("error", ConvergenceWarning)
        CosineSGDRegressor(max_iter=8, tol=1e-9, n_iter_no_change=8).fit(X, y)


@pytest.mark.parametrize(
    "Estimator, data",
    [(CosineSGDRegressor, "diabetes"), (CosineSGDClassifier, "iris")],
)
def test_a_default_fit_records_the_training_objective(Estimator, data, request):
    """Without ``tol`` or ``verbose``, ``loss_curve_`` holds the objective the
    stopping rule monitors, and recording it changes no coefficient."""
    X, y = request.getfixturevalue(data)
    default = Estimator(max_iter=6, random_state=0).fit(X, y)
    monitored = Estimator(max_iter=6, random_state=0, tol=0.0, n_iter_no_change=6)
    monitored.fit(X, y)
    assert default.loss_curve_.shape == (6,)
    assert_array_equal(default.loss_curve_, monitored.loss_curve_)
    assert_array_equal(default.coef_, monitored.coef_)
    assert_array_equal(default.intercept_, monitored.intercept_)
    streamed = Estimator(random_state=0)
    for _ in range(3):
        streamed.partial_fit(
            X, y, **({"classes": np.unique(y)} if data == "iris" else {})
        )
    assert streamed.loss_curve_.shape == (3,)
    assert np.all(np.isfinite(streamed.loss_curve_))


def test_monitored_values_are_kept_per_epoch(diabetes, iris):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=50, tol=0.0, n_iter_no_change=50)
    model.fit(X, y)
    assert model.loss_curve_.shape == (50,) and np.all(np.isfinite(model.loss_curve_))
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert not hasattr(model, "validation_scores_")
    with pytest.warns(UserWarning, match="partial_fit now trains at learning rate 0"):
        model.partial_fit(X, y)  # recorded too
    assert model.loss_curve_.shape == (51,) and np.all(np.isfinite(model.loss_curve_))
    X, y = iris
    classifier = CosineSGDClassifier(
        max_iter=20, early_stopping=True, tol=0.0, n_iter_no_change=20, random_state=0
    ).fit(X, y)
    scores = classifier.validation_scores_
    assert scores.shape == (20,) and np.all((0 <= scores) & (scores <= 1))


def test_no_stopping_and_no_warning_with_tol_none(diabetes, recwarn):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=40, random_state=0).fit(X, y)
    assert model.n_iter_ == 40
    assert not [w for w in recwarn if issubclass(w.category, ConvergenceWarning)]


def test_multiclass_early_stopping_stops_each_problem(iris):
    X, y = iris
    model = CosineSGDClassifier(
        max_iter=500,
        early_stopping=True,
        tol=1e-4,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert model.n_iter_ < 500
    assert model.learning_rates_.shape == (model.n_iter_,)
    assert model.score(X, y) > 0.7


def test_warm_start_restarts_the_cycle_from_the_previous_model(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=5, warm_start=True, random_state=0)
    model.fit(X, y)
    coef, intercept = model.coef_.copy(), model.intercept_.copy()
    model.fit(X, y)
    assert model.learning_rates_[0] == model.schedule_.lr_initial
    cold = CosineSGDRegressor(max_iter=5, random_state=0)
    cold.fit(X, y, coef_init=coef, intercept_init=intercept)
    assert_array_equal(model.coef_, cold.coef_)
    assert_array_equal(model.intercept_, cold.intercept_)


def test_class_weight_balanced_changes_the_minority_decision(cancer):
    X, y = cancer
    keep = np.r_[np.flatnonzero(y == 0)[:40], np.flatnonzero(y == 1)]
    X, y = X[keep], y[keep]
    plain = CosineSGDClassifier(random_state=0).fit(X, y)
    balanced = CosineSGDClassifier(class_weight="balanced", random_state=0).fit(X, y)
    recall = [np.mean(m.predict(X[y == 0]) == 0) for m in (plain, balanced)]
    assert recall[1] >= recall[0]
    assert not np.allclose(plain.coef_, balanced.coef_)


def test_sparse_csr_input_matches_sklearn_on_sparse_data(iris):
    X, y = iris
    X = sp.csr_matrix(np.where(np.abs(X) < 0.3, 0.0, X))
    flat = dict(eta0=0.05, shuffle=False, max_iter=12, random_state=0)
    ours = CosineSGDClassifier(lr_min=0.05, **flat).fit(X, y)
    theirs = SGDClassifier(learning_rate="constant", tol=None, **flat).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-10)
    trained = CosineSGDClassifier(random_state=0).fit(X, y)
    assert trained.score(X, y) > 0.7


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_float32_input_gives_float32_coefficients(Estimator, estimator_case):
    X, y, _ = estimator_case
    model = Estimator(max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32


def test_classifier_probabilities_with_log_loss(iris):
    X, y = iris
    model = CosineSGDClassifier(loss="log_loss", random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert not hasattr(CosineSGDClassifier(), "predict_proba")  # hinge default


def test_n_jobs_does_not_change_the_result(iris):
    X, y = iris
    one = CosineSGDClassifier(random_state=0, n_jobs=1).fit(X, y)
    two = CosineSGDClassifier(random_state=0, n_jobs=2).fit(X, y)
    assert_array_equal(one.coef_, two.coef_)


def test_verbose_reports_every_epoch(diabetes, capsys):
    X, y = diabetes
    CosineSGDRegressor(eta0=0.01, max_iter=3, verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "learning rate: 0.01" in lines[0]


def test_verbose_counts_epochs_from_0_as_the_schedule_does(diabetes, capsys):
    """Epoch ``e`` of the output is ``learning_rates_[e]`` and ``schedule_(e)``."""
    X, y = diabetes
    model = CosineSGDRegressor(eta0=0.01, max_iter=3, verbose=1, random_state=0)
    model.fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    for e, line in enumerate(lines):
        assert line.startswith(f"-- epoch {e}, ")
        rate = float(line.split("learning rate: ")[1].split(",")[0])
        assert rate == pytest.approx(model.learning_rates_[e], rel=1e-5)
        assert rate == pytest.approx(model.schedule_(e), rel=1e-5)


def test_verbose_names_the_class_and_the_monitored_value(iris, capsys):
    """'class 0', not 'class np.int64(0)'; the value is named."""
    X, y = iris
    CosineSGDClassifier(max_iter=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "class 0, epoch 0" in out and "np.int64" not in out
    assert "training objective:" in out


# --- defaults ----------------------------------------------------------------


@pytest.mark.parametrize("loader", [load_diabetes, load_wine, load_breast_cancer])
def test_defaults_train_well_on_standardized_data(loader):
    X, y = loader(return_X_y=True)
    is_regression = loader is load_diabetes
    Estimator = CosineSGDRegressor if is_regression else CosineSGDClassifier
    model = make_pipeline(StandardScaler(), Estimator(random_state=0)).fit(X, y)
    coef = model[-1].coef_
    assert np.all(np.isfinite(coef)) and np.abs(coef).max() < 1e3
    assert model.score(X, y) > (0.45 if is_regression else 0.95)


@pytest.mark.parametrize("n_features", [2, 50, 200])
def test_default_regressor_reaches_least_squares_on_heavy_tailed_data(n_features):
    rng = np.random.RandomState(0)
    X = rng.standard_t(df=3, size=(2000, n_features))
    y = X @ rng.randn(n_features) + rng.randn(2000)
    model = make_pipeline(StandardScaler(), CosineSGDRegressor(random_state=0))
    optimum = make_pipeline(StandardScaler(), Ridge(alpha=1e-3)).fit(X, y)
    assert model.fit(X, y).score(X, y) == pytest.approx(optimum.score(X, y), abs=1e-3)


def test_inputs_are_never_modified(iris):
    X, y = iris
    X, y = X.copy(), y.copy()
    weights = np.linspace(0.5, 2, len(y))
    coef = np.ones((3, 4))
    intercept = np.zeros(3)
    saved = [a.copy() for a in (X, y, weights, coef, intercept)]
    model = CosineSGDClassifier(average=True, random_state=0)
    model.fit(X, y, coef_init=coef, intercept_init=intercept, sample_weight=weights)
    with pytest.warns(UserWarning, match="partial_fit now trains at learning rate 0"):
        model.partial_fit(X, y, sample_weight=weights)
    for before, after in zip(saved, (X, y, weights, coef, intercept)):
        assert_array_equal(before, after)


def test_a_failed_fit_keeps_the_previous_model(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=5, random_state=0).fit(X, y)
    state = {k: v.copy() for k, v in vars(model).items() if isinstance(v, np.ndarray)}
    with pytest.raises(ValueError):
        model.fit(X[:, :3], np.full(len(y), np.nan))
    with pytest.raises(ValueError):
        model.partial_fit(X[:, :3], y)
    for key, value in state.items():
        assert_array_equal(getattr(model, key), value)
    assert model.n_features_in_ == X.shape[1]


# --- sparse input with no stored values (in a child process) -------------------

EMPTY_SPARSE = [
    f"{fmt}_{kind}"
    for fmt in ("csr", "csc", "bsr", "coo", "lil", "dok", "dia")
    for kind in ("matrix", "array")
]


def empty_sparse_parity(name):
    """Ours on a flat schedule and scikit-learn's constant rate on a 12 x 5
    sparse ``name`` with no stored values: the same intercepts, decisions,
    probabilities, predictions and scores, after fit and after partial_fit."""
    X = getattr(sp, name)((12, 5))
    rng = np.random.RandomState(0)
    y, labels = rng.randn(12), np.array([0, 1, 2] * 4)
    common = dict(eta0=0.01, tol=None, shuffle=False, max_iter=5, random_state=0)
    flat = [{"lr_min": 0.01}, {"learning_rate": "constant"}]
    problems = [((CosineSGDRegressor, SGDRegressor), {}, y)]
    for targets in (labels, labels % 2):
        for loss in ("log_loss", "modified_huber", "hinge"):
            pair = (CosineSGDClassifier, SGDClassifier)
            problems.append((pair, {"loss": loss}, targets))
    for pair, params, targets in problems:
        models = [
            Estimator(**rate, **params, **common).fit(X, targets)
            for Estimator, rate in zip(pair, flat)
        ]
        assert_same_predictions(*models, X, targets)
        for model in models:
            model.partial_fit(X, targets)
        assert_same_predictions(*models, X, targets)


def assert_same_predictions(ours, theirs, X, targets):
    assert_array_equal(ours.coef_, 0)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-12)
    assert ours.score(X, targets) == theirs.score(X, targets)
    if hasattr(theirs, "decision_function"):
        assert_allclose(ours.decision_function(X), theirs.decision_function(X))
    if getattr(theirs, "loss", None) in ("log_loss", "modified_huber"):
        assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12)


# --- the file's child process -----------------------------------------------------


def child_cases():
    """Child side: every case of this file that could crash the process
    running it, by name (COO, LIL, DOK and DIA with no stored values crashed
    0.2.0)."""
    warnings.simplefilter("ignore")
    return {name: lambda name=name: empty_sparse_parity(name) for name in EMPTY_SPARSE}


@pytest.fixture(scope="module")
def child_outcomes():
    """Every case of :func:`child_cases`, in one child."""
    return child_reports("tests.test_estimators.child_cases")


@pytest.mark.parametrize("name", EMPTY_SPARSE)
def test_sparse_input_with_no_stored_values_is_sgds(child_outcomes, name):
    """All-zero sparse X (documents with no known word), in every format: fit,
    partial_fit and every prediction method agree with scikit-learn's SGD."""
    report = child_report(child_outcomes, name)
    assert report["error"] is None, report
