"""Out-of-core training: blocks of data follow the in-memory cosine curve, and
each partial_fit call takes the parameters as they are then."""

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skcosine import CosineAnnealingLR, CosineSGDClassifier, CosineSGDRegressor

from .conftest import no_warnings

EPOCHS, BLOCKS = 30, 6


@pytest.fixture(scope="module")
def split():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def in_memory(X, y):
    return CosineSGDRegressor(eta0=0.02, max_iter=EPOCHS, random_state=0).fit(X, y)


def test_calls_follow_the_in_memory_curve_at_fractional_epochs(split):
    X, _, y, _ = split
    model = CosineSGDRegressor(eta0=0.02, max_iter=EPOCHS, batches_per_epoch=BLOCKS)
    for block in np.array_split(np.arange(len(y)), BLOCKS) * 2:
        model.partial_fit(X[block], y[block])
    schedule = CosineAnnealingLR(lr_initial=0.02, T_max=EPOCHS)
    assert_array_equal(model.learning_rates_, schedule(np.arange(12) / BLOCKS))
    assert model.schedule_.T_max == EPOCHS  # in epochs, not calls


def test_streamed_blocks_reach_the_in_memory_score(split):
    X, X_test, y, y_test = split
    reference = in_memory(X, y).score(X_test, y_test)
    model = CosineSGDRegressor(
        eta0=0.02, max_iter=EPOCHS, batches_per_epoch=BLOCKS, random_state=0
    )
    blocks = np.array_split(np.arange(len(y)), BLOCKS)
    for _ in range(EPOCHS):
        for block in blocks:
            model.partial_fit(X[block], y[block])
    assert model.learning_rates_.shape == (EPOCHS * BLOCKS,)
    assert model.learning_rates_[-1] < 1e-5
    assert model.score(X_test, y_test) == pytest.approx(reference, abs=0.01)


def test_read_csv_in_chunks(split, tmp_path):
    X, X_test, y, y_test = split
    path = tmp_path / "train.csv"
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame.assign(target=y).to_csv(path, index=False)
    chunksize = -(-len(y) // BLOCKS)
    model = CosineSGDRegressor(
        eta0=0.02, max_iter=EPOCHS, batches_per_epoch=BLOCKS, random_state=0
    )
    for _ in range(EPOCHS):
        for chunk in pd.read_csv(path, chunksize=chunksize):
            model.partial_fit(chunk.drop(columns="target"), chunk["target"])
    assert list(model.feature_names_in_) == list(frame.columns)
    test_frame = pd.DataFrame(X_test, columns=frame.columns)
    reference = in_memory(X, y).score(X_test, y_test)
    assert model.score(test_frame, y_test) == pytest.approx(reference, abs=0.01)


def test_dask_incremental_over_array_and_dataframe(split):
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, X_test, y, y_test = split
    reference = in_memory(X, y).score(X_test, y_test)
    chunk = -(-len(y) // BLOCKS)
    inputs = {
        "array": (
            da.from_array(X, chunks=(chunk, X.shape[1])),
            da.from_array(y, chunks=chunk),
        ),
        "dataframe": (
            dd.from_pandas(pd.DataFrame(X), chunksize=chunk),
            dd.from_pandas(pd.Series(y), chunksize=chunk),
        ),
    }
    for name, (X_blocks, y_blocks) in inputs.items():
        estimator = CosineSGDRegressor(
            eta0=0.02, max_iter=EPOCHS, batches_per_epoch=BLOCKS, random_state=0
        )
        incremental = wrappers.Incremental(estimator, shuffle_blocks=False)
        for _ in range(EPOCHS):  # each partial_fit is one pass over the blocks
            incremental.partial_fit(X_blocks, y_blocks)
        fitted = incremental.estimator_
        assert fitted.learning_rates_.shape == (EPOCHS * BLOCKS,), name
        score = fitted.score(X_test, y_test)
        assert score == pytest.approx(reference, abs=0.01), name
        assert_allclose(
            fitted.learning_rates_[::BLOCKS], in_memory(X, y).learning_rates_
        )


# Two rows whose products with a learned weight overflow: after the first
# update the weight is about 1e200, every decision is +-inf on the right side,
# so a margin loss (and its gradient) is 0: no pass sees anything wrong.
OVERFLOWING = np.array([[1e200], [-1e200]] * 5), np.array([1, 0] * 5)


@pytest.mark.parametrize(
    "loss", ["hinge", "perceptron", "squared_hinge", "modified_huber"]
)
def test_partial_fit_refuses_a_model_with_infinite_decisions_as_fit_does(loss):
    X, y = OVERFLOWING
    params = dict(loss=loss, eta0=1.0, max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="SGD diverged .* non-finite .* decisions"):
        CosineSGDClassifier(**params).fit(X, y)
    model = CosineSGDClassifier(**params)
    with pytest.raises(ValueError, match="SGD diverged at epoch 0 .* decisions"):
        model.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(model, "coef_")  # nothing published
    # a fitted model stays as it was (the flipped labels make it jump to -1e200)
    model.partial_fit(X / 1e200, y, classes=[0, 1])
    before = joblib.hash(vars(model))
    with pytest.raises(ValueError, match="SGD diverged at epoch 1 "):
        model.partial_fit(X, 1 - y)
    assert joblib.hash(vars(model)) == before
    assert np.all(np.isfinite(model.decision_function(X / 1e200)))


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_an_l1_penalty_that_overflowed_is_a_state_partial_fit_continues(
    Estimator, layout, penalty, split
):
    """``alpha * eta0`` so large that the accumulated L1 penalty overflows to
    +inf: every weight is clipped to 0, a legitimate all-zero model, whose
    state the next ``partial_fit`` accepts; ``fit`` equals the same calls."""
    X, _, y, _ = split
    X = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X)) if layout == "csr" else X
    if Estimator is CosineSGDClassifier:
        y = (y > np.median(y)).astype(int)
    params = dict(penalty=penalty, l1_ratio=0.5, alpha=1e300, eta0=1e10)
    params.update(fit_intercept=False, max_iter=3, T_mult=1, random_state=0)
    fitted = Estimator(**params).fit(X, y)
    assert np.all(np.isposinf(fitted._state["l1_u"]))  # the case: it overflowed
    assert np.all(fitted.coef_ == 0)
    streamed = Estimator(**params)
    for _ in range(3):
        streamed.partial_fit(X, y, **({"classes": [0, 1]} if y.dtype == int else {}))
    assert joblib.hash(streamed._state) == joblib.hash(fitted._state)
    fitted.partial_fit(X, y)  # its own state is accepted
    assert np.all(fitted.coef_ == 0) and fitted.n_iter_ == 4


# --- partial_fit takes the parameters as they are, call after call ------------


def test_training_parameters_take_effect_at_the_next_partial_fit(iris):
    """Loss, alpha, fit_intercept changed between calls."""
    X, y = iris
    model = CosineSGDClassifier(max_iter=10, random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    model.set_params(loss="log_loss", fit_intercept=False)
    intercept = model.intercept_.copy()
    model.partial_fit(X, y)
    assert_array_equal(model.intercept_, intercept)
    switched = model.coef_.copy()
    # the same second call from the same first one, made with log_loss
    reference = CosineSGDClassifier(max_iter=10, random_state=0)
    reference.partial_fit(X, y, classes=[0, 1, 2])
    reference.set_params(loss="log_loss", fit_intercept=False).partial_fit(X, y)
    assert_array_equal(switched, reference.coef_)
    hinge = CosineSGDClassifier(max_iter=10, random_state=0)
    hinge.partial_fit(X, y, classes=[0, 1, 2])
    hinge.set_params(fit_intercept=False).partial_fit(X, y)
    assert not np.allclose(switched, hinge.coef_)
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    model.set_params(alpha=10.0)
    before = np.abs(model.coef_).sum()
    model.partial_fit(X, y)
    assert np.abs(model.coef_).sum() < before


@pytest.mark.parametrize(
    "change, named",
    [
        ({"eta0": 0.05}, "eta0"),
        ({"lr_min": 0.01}, "lr_min"),
        ({"T_max": 3}, "T_max"),
        ({"T_mult": 2}, "T_mult"),
        ({"warmup_epochs": 2}, "warmup_epochs"),
        ({"max_iter": 11}, "max_iter"),
    ],
)
# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_schedule_parameters_changed_between_calls_are_refused(diabetes, change, named):
    """The schedule is fixed by the first call."""
    X, y = diabetes
    model = CosineSGDRegressor(eta0=0.1, max_iter=10, random_state=0)
    model.partial_fit(X, y)
    model.set_params(**change)
    with pytest.raises(ValueError, match=f"^{named}.* changed"):
        model.partial_fit(X, y)
    assert model.n_iter_ == 1
    model.fit(X, y)  # fit starts a new schedule


def test_blocks_after_a_fit_continue_its_schedule(diabetes):
    """The position is in epochs, whatever batches_per_epoch."""
    X, y = diabetes
    model = CosineSGDRegressor(lr_min=1e-4, max_iter=20, random_state=0).fit(X, y)
    assert model.n_epochs_ == 20 and model.n_iter_ == 20
    model.set_params(batches_per_epoch=4)
    for block in np.array_split(np.arange(len(y)), 4):
        model.partial_fit(X[block], y[block])
    assert model.n_epochs_ == 21 and model.n_iter_ == 24
    assert_array_equal(model.learning_rates_[20:], model.schedule_(20.0))
    model.set_params(batches_per_epoch=3)
    model.partial_fit(X, y)
    assert model.n_epochs_ == pytest.approx(21 + 1 / 3)


def test_partial_fit_at_rate_zero_warns_once(diabetes):
    """After the end of a cycle to lr_min=0 nothing changes."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=5, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="learning rate 0.*warm restarts"):
        model.partial_fit(X, y)
    coef = model.coef_.copy()
    with no_warnings():
        model.partial_fit(X, y)
    assert_array_equal(model.coef_, coef)
    streaming = CosineSGDRegressor(max_iter=5, T_mult=1, random_state=0).fit(X, y)
    with no_warnings():
        streaming.partial_fit(X, y)  # the cycle restarted


def test_a_float32_block_after_float64_blocks_is_cast(diabetes):
    """The model keeps its dtype."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10, random_state=0)
    model.partial_fit(X, y)
    model.partial_fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float64
    model32 = CosineSGDRegressor(max_iter=10).partial_fit(X.astype(np.float32), y)
    model32.partial_fit(X, y)
    assert model32.coef_.dtype == np.float32
