"""What a user and an attacker trip over: each test reproduces one way the
promises were broken (unsafe checkpoints, crashes, false "diverged", silent
no-ops) and checks that it cannot happen again."""

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingLR,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
    LearningRateScheduleDisplay,
    _checkpoint,
)


@contextmanager
def no_warnings():
    """A context in which any warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- 1. a checkpoint file cannot run code ------------------------------------


class Payload:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def planted_files(tmp_path):
    """Files an attacker could plant at a predictable checkpoint path."""
    marker = str(tmp_path / "code-ran")
    npz = io.BytesIO()
    np.savez(npz, header=np.array([Payload(marker)], dtype=object))
    truncated = io.BytesIO()
    np.savez(truncated, header=np.frombuffer(b'{"format": 2}', dtype=np.uint8))
    return marker, {
        "pickle": pickle.dumps(Payload(marker)),
        "npz with a pickled object array": npz.getvalue(),
        "truncated npz": truncated.getvalue()[:-20],
        "empty": b"",
        "text": b"hello",
    }


@pytest.mark.parametrize(
    "kind",
    ["pickle", "npz with a pickled object array", "truncated npz", "empty", "text"],
)
def test_a_planted_checkpoint_never_runs_and_is_refused_naming_the_file(
    tmp_path, diabetes, kind
):
    """Item 1: the checkpoint is read without pickle; junk is a ValueError."""
    X, y = diabetes
    marker, files = planted_files(tmp_path)
    path = tmp_path / "fit.ckpt"
    path.write_bytes(files[kind])
    model = CosineSGDRegressor(checkpoint_path=path, max_iter=5)
    with pytest.raises(ValueError, match=r"fit\.ckpt.*(not a valid|another fit)"):
        model.fit(X, y)
    assert not os.path.exists(marker)
    assert path.read_bytes() == files[kind]  # not the fit's file to delete


def test_a_checkpoint_whose_arrays_do_not_fit_is_refused(tmp_path, diabetes):
    """Item 1: a well-formed file with tampered arrays is refused too."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(checkpoint_path=path, max_iter=6, checkpoint_every=2, random_state=0)
    interrupted_fit(CosineSGDRegressor(**params), X, y, after=3)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["state.coef"] = np.zeros((3, 1))  # 10 features in the data
    header = json.loads(arrays.pop("header").tobytes())
    header["digest"] = _checkpoint._digest(header, arrays)  # signed again
    header = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as stream:
        np.savez(stream, header=header, **arrays)
    with pytest.raises(ValueError, match=r"fit\.ckpt.* does not match this fit"):
        CosineSGDRegressor(**params).fit(X, y)


def test_a_skops_file_of_trusted_types_cannot_smuggle_a_pickle(tmp_path, diabetes):
    """Item 1: skops-loaded models may name any checkpoint_path."""
    sio = pytest.importorskip("skops.io")
    X, y = diabetes
    marker, files = planted_files(tmp_path)
    path = tmp_path / "planted.ckpt"
    path.write_bytes(files["pickle"])
    model = CosineSGDRegressor(max_iter=3, checkpoint_path=str(path))
    loaded = sio.loads(sio.dumps(model), trusted=[_qualname(CosineSGDRegressor)])
    with pytest.raises(ValueError, match="not a valid skcosine checkpoint"):
        loaded.fit(X, y)
    assert not os.path.exists(marker)


def _qualname(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


# --- 2. a tampered model cannot crash the process ----------------------------


def run_isolated(setup, cases, attempt):
    """Run every case in one fresh interpreter and report each outcome.

    ``attempt`` is code using ``case`` that may raise; a case that crashes
    the interpreter (or hangs) leaves itself and the cases after it without
    an outcome, which fails their tests.
    """
    code = "\n".join(
        [
            textwrap.dedent(setup),
            f"for index, case in enumerate({cases!r}):",
            "    try:",
            textwrap.indent(textwrap.dedent(attempt), "        "),
            "        print(index, 'no error', flush=True)",
            "    except ValueError as exc:",
            "        print(index, 'ValueError:', str(exc).replace('\\n', ' '),"
            " flush=True)",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    outcomes = dict(
        line.split(" ", 1) for line in result.stdout.splitlines() if line[:1].isdigit()
    )
    return [outcomes.get(str(i), result.stderr[-2000:]) for i in range(len(cases))]


TAMPERING = [
    "state['coef'] = np.zeros((2, 1))",
    "state['coef'] = np.zeros((10, 1), dtype=np.int64)",
    "state['wscale'] = np.zeros(1)",
    "state['updates'] = np.zeros(1)",
    "state['rng'] = np.zeros(4, dtype=np.uint64)",
    "state['intercept'] = np.zeros(7)",
    "del state['coef']",
    "model._state = [1, 2, 3]",
    "model.n_features_in_ = 10**9",
]


@pytest.fixture(scope="module")
def tampered_outcomes():
    pytest.importorskip("skops.io")
    setup = """
        import numpy as np, skops.io as sio
        from sklearn.datasets import load_diabetes
        from skcosine import CosineSGDRegressor
        X, y = load_diabetes(return_X_y=True)
        """
    attempt = """
        model = CosineSGDRegressor(max_iter=3, random_state=0).fit(X, y)
        state = model._state
        exec(case)
        blob = sio.dumps(model)
        loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
        loaded.partial_fit(X, y)
        """
    return run_isolated(setup, TAMPERING, attempt)


@pytest.mark.parametrize("case", range(len(TAMPERING)), ids=TAMPERING)
def test_a_tampered_skops_model_gets_a_value_error_not_a_crash(tampered_outcomes, case):
    """Item 2: the fitted state is checked before compiled code reads it."""
    outcome = tampered_outcomes[case]
    assert outcome.startswith("ValueError:") and "invalid" in outcome, outcome


# --- 3. a malformed CSR matrix cannot write out of bounds --------------------

MALFORMED = [
    (method, column)
    for method in ("fit", "partial_fit", "predict")
    for column in (10, 11, 10**9, -1)
]


@pytest.fixture(scope="module")
def malformed_outcomes():
    setup = """
        import numpy as np, scipy.sparse as sp
        from skcosine import CosineSGDRegressor
        X = sp.random(50, 10, density=0.3, format="csr", random_state=0)
        y = np.random.RandomState(0).randn(50)
        """
    attempt = """
        method, column = case
        bad = X.copy()
        bad.indices[3] = column
        model = CosineSGDRegressor(max_iter=2)
        if method == "predict":
            model.fit(X, y).predict(bad)
        else:
            getattr(model, method)(bad, y)
        """
    return run_isolated(setup, MALFORMED, attempt)


@pytest.mark.parametrize("case", range(len(MALFORMED)), ids=map(str, MALFORMED))
def test_a_malformed_csr_matrix_is_refused_before_any_write(malformed_outcomes, case):
    """Item 3: column indices are checked against n_features (O(nnz))."""
    outcome = malformed_outcomes[case]
    assert outcome.startswith("ValueError:") and "malformed" in outcome, outcome


# --- 4. no false "diverged" ------------------------------------------------


def test_the_perceptron_trains(iris):
    """Item 4: its loss is 0 for the zero model; only finiteness counts."""
    X, y = iris
    ours = CosineSGDClassifier(loss="perceptron", random_state=0).fit(X, y)
    theirs = SGDClassifier(loss="perceptron", random_state=0).fit(X, y)
    assert ours.score(X, y) >= theirs.score(X, y) - 0.1


@pytest.mark.parametrize("seed", range(20))
def test_zero_inflated_targets_do_not_look_diverged(seed):
    """Item 4: 3% of non-zero claims; the reference loss uses every row."""
    rng = np.random.RandomState(seed)
    X = rng.randn(300, 5)
    y = np.where(rng.rand(300) < 0.03, rng.gamma(2.0, 1000.0, 300), 0.0)
    model = CosineSGDRegressor(random_state=seed).fit(X, y)
    assert np.all(np.isfinite(model.predict(X)))


# --- 5. and 6. eta0='auto' bounds every step, weights included ---------------


def test_auto_rate_accounts_for_sample_weights(diabetes):
    """Item 5: weights of 50 would otherwise make every step 50 times too big."""
    X, y = diabetes
    weighted = CosineSGDRegressor(random_state=0)
    weighted.fit(X, y, sample_weight=np.full(len(y), 50.0))
    plain = CosineSGDRegressor(random_state=0).fit(X, y)
    assert weighted.schedule_.lr_initial == pytest.approx(
        plain.schedule_.lr_initial / 50
    )
    assert weighted.score(X, y) == pytest.approx(plain.score(X, y), abs=1e-3)


def test_auto_rate_accounts_for_balanced_class_weights():
    """Item 5: a 0.5% minority class gets a weight of about 100."""
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


def test_auto_rate_in_partial_fit_holds_for_every_block(diabetes):
    """Item 6: a later block of larger rows lowers the rate instead of
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


# --- 7. a diverged fit never returns -------------------------------------


def test_a_blow_up_on_rows_the_old_32_row_check_skipped_is_caught():
    """Item 7: every row counts, through the loss of every update. Feature 2 is
    30 on 32 rows off the old stride and 0 elsewhere, too large for the rate:
    its coefficient used to reach 1e11 while the watched rows looked fine."""
    rng = np.random.RandomState(0)
    X = rng.randn(3200, 3) * 0.01
    y = rng.randn(3200) * 0.01
    X[:, 2] = 0.0
    X[1::100] = [0.0, 0.0, 30.0]
    model = CosineSGDRegressor(
        eta0=0.01, lr_min=0.01, fit_intercept=False, max_iter=5, random_state=0
    )
    with pytest.raises(ValueError, match="SGD diverged at epoch 0"):
        model.fit(X, y)


def test_a_margin_model_with_infinite_decisions_is_refused():
    """Item 7: decisions of +-inf on rows the old check did not watch used to
    pass; every row's loss is checked now."""
    X = np.zeros((3200, 2))
    y = np.arange(3200) % 2
    X[1::100] = [1e200, -1e200]
    X[51::100] = [-1e200, 1e200]
    model = CosineSGDClassifier(
        eta0=1e100, penalty=None, fit_intercept=False, max_iter=3, random_state=0
    )
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)


# --- 8. and 9. extreme scales ------------------------------------------------


def test_features_whose_squares_overflow_are_refused(diabetes):
    """Item 8: 'auto' would be 0 and the model all zero."""
    X, y = diabetes
    with pytest.raises(ValueError, match="overflows float64.*scale"):
        CosineSGDRegressor().fit(X * 1e154, y)


def test_huge_targets_train_as_well_as_scaled_ones(diabetes):
    """Item 8: the gradient clip follows the scale of y."""
    X, y = diabetes
    scaled = CosineSGDRegressor(random_state=0).fit(X, y).score(X, y)
    huge = CosineSGDRegressor(random_state=0).fit(X, y * 1e13).score(X, y * 1e13)
    assert huge == pytest.approx(scaled, abs=1e-6)
    with pytest.raises(ValueError, match="scale y"):
        CosineSGDRegressor().fit(X, y * 1e200)


def test_unscaled_features_warn_that_the_rate_cannot_move_them():
    """Item 9: a lognormal income next to an age column."""
    rng = np.random.RandomState(0)
    age = rng.uniform(20, 70, 1000)
    income = rng.lognormal(11, 1, 1000)
    X = pd.DataFrame({"age": age, "income": income})
    y = 0.5 * age + 1e-4 * income + rng.randn(1000)
    with pytest.warns(UserWarning, match="'age' and the intercept cannot move.*"):
        CosineSGDRegressor(random_state=0).fit(X, y)
    with no_warnings():
        make_pipeline(StandardScaler(), CosineSGDRegressor(random_state=0)).fit(X, y)


# --- 10. to 12. silent no-ops ----------------------------------------------


def test_partial_fit_at_rate_zero_warns_once(diabetes):
    """Item 10: after the end of a cycle to lr_min=0 nothing changes."""
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


def test_early_stopping_without_tol_is_refused(diabetes):
    """Item 11: it would hold out data and do nothing else."""
    X, y = diabetes
    with pytest.raises(ValueError, match="early_stopping=True needs tol"):
        CosineSGDRegressor(early_stopping=True).fit(X, y)
    CosineSGDRegressor(early_stopping=True, tol=1e-3, max_iter=5).fit(X, y)


@pytest.mark.parametrize(
    "params, warns",
    [
        ({"T_max": 30}, True),
        ({"T_max": 12, "warmup_epochs": 8}, True),
        ({"T_max": 2, "T_mult": 2}, True),  # cycles end at 2, 6, 14
        ({"T_max": 5, "T_mult": 1}, False),  # two whole cycles
        ({"T_max": 4}, False),  # holds lr_min from epoch 4
        ({}, False),
    ],
)
def test_a_budget_that_ends_mid_cycle_warns(diabetes, params, warns):
    """Item 12: the rate at the end of the budget is far above lr_min."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10, random_state=0, **params)
    if warns:
        with pytest.warns(UserWarning, match="ends mid-cycle"):
            model.fit(X, y)
    else:
        with no_warnings():
            model.fit(X, y)


# --- 13. and 14. partial_fit takes the parameters as they are ---------------


def test_training_parameters_take_effect_at_the_next_partial_fit(iris):
    """Item 13: loss, alpha, fit_intercept changed between calls."""
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
def test_schedule_parameters_changed_between_calls_are_refused(diabetes, change, named):
    """Item 13: the schedule is fixed by the first call."""
    X, y = diabetes
    model = CosineSGDRegressor(eta0=0.1, max_iter=10, random_state=0)
    model.partial_fit(X, y)
    model.set_params(**change)
    with pytest.raises(ValueError, match=f"^{named}.* changed"):
        model.partial_fit(X, y)
    assert model.n_iter_ == 1
    model.fit(X, y)  # fit starts a new schedule


def test_blocks_after_a_fit_continue_its_schedule(diabetes):
    """Item 14: the position is in epochs, whatever batches_per_epoch."""
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


def test_every_lr_min_of_a_grid_with_auto_rate_is_a_valid_candidate(diabetes):
    """Item 15: lr_min above the data's rate is lowered to it (flat)."""
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


# --- 16. checkpoints: clear errors, nothing lost ------------------------------


def interrupted_fit(model, X, y, after):
    """Fit ``model`` and press Ctrl-C after ``after`` epochs (a callback)."""
    pytest.importorskip("sklearn.callback")

    class Interrupt:
        max_propagation_depth = None

        def __init__(self):
            self.epochs = 0

        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            if context.task_name == "epoch":
                self.epochs += 1
                if self.epochs >= after:
                    raise KeyboardInterrupt
            return False

        def teardown(self, estimator, context):
            pass

    model.set_callbacks(Interrupt())
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


def test_a_missing_or_unwritable_directory_fails_before_training(tmp_path, diabetes):
    """Item 16: checked when fit starts, not at the first save."""
    X, y = diabetes
    for path, message in [
        (tmp_path / "missing" / "fit.ckpt", "does not exist"),
        (tmp_path / "a-file" / "fit.ckpt", "cannot be written"),
        (tmp_path, "is a directory"),
    ]:
        (tmp_path / "a-file").write_text("x")
        model = CosineSGDRegressor(checkpoint_path=path, max_iter=10**6)
        with pytest.raises(ValueError, match=message):
            model.fit(X, y)  # would run for minutes if it trained first


@pytest.mark.parametrize(
    "change",
    [
        {"n_jobs": 2},
        {"verbose": 0},
        {"random_state": "instance"},
        {"checkpoint_every": 3},
    ],
)
def test_resuming_survives_what_does_not_change_the_fit(tmp_path, iris, change):
    """Item 16: n_jobs, a RandomState instance consumed by the interrupted fit."""
    X, y = iris
    params = dict(max_iter=12, checkpoint_every=2, random_state=0, verbose=0)
    if change.get("random_state") == "instance":
        params["random_state"] = np.random.RandomState(7)
        change = {}
    path = tmp_path / "fit.ckpt"
    interrupted_fit(CosineSGDClassifier(checkpoint_path=path, **params), X, y, 5)
    assert path.exists()
    resumed = CosineSGDClassifier(checkpoint_path=path, **{**params, **change})
    resumed.fit(X, y)
    assert not path.exists() and resumed.n_iter_ == 12


def test_a_diverged_fit_leaves_no_checkpoint_to_refuse_the_next(tmp_path):
    """Item 16: lowering eta0 as the message advises just works. The warmup
    raises the rate past the stable step only after checkpoints were saved."""
    rng = np.random.RandomState(0)
    X, y = np.ones((50, 1)), rng.randn(50)
    path = tmp_path / "fit.ckpt"
    params = dict(max_iter=200, warmup_epochs=100, checkpoint_path=path)
    with pytest.raises(ValueError, match="diverged at epoch [1-9]"):
        CosineSGDRegressor(eta0=10.0, checkpoint_every=1, **params).fit(X, y)
    assert not path.exists()
    CosineSGDRegressor(eta0=0.5, checkpoint_every=1, **params).fit(X, y)
    assert not path.exists()


def test_an_interrupt_leaves_no_temporary_files(tmp_path, diabetes):
    """Item 16: only the checkpoint (and its values) remain to resume from."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(max_iter=12, checkpoint_every=2, tol=1e-9, n_iter_no_change=99)
    interrupted_fit(CosineSGDRegressor(checkpoint_path=path, **params), X, y, 5)
    assert sorted(os.listdir(tmp_path)) == ["fit.ckpt", "fit.ckpt.values"]
    (tmp_path / "fit.ckpt.tmp").write_bytes(b"not written by skcosine")
    CosineSGDRegressor(checkpoint_path=path, **params).fit(X, y)
    assert os.listdir(tmp_path) == ["fit.ckpt.tmp"]  # not the fit's to delete
    assert (tmp_path / "fit.ckpt.tmp").read_bytes() == b"not written by skcosine"


def test_saving_costs_the_same_at_every_epoch(tmp_path, diabetes):
    """Item 16: the state file does not grow with the epochs; the monitored
    values are appended, 8 bytes per epoch."""
    X, y = diabetes
    sizes = {}
    for epochs in (10, 1000):
        path = tmp_path / f"fit{epochs}.ckpt"
        model = CosineSGDRegressor(
            checkpoint_path=path,
            checkpoint_every=1,
            max_iter=epochs + 5,
            tol=0.0,
            n_iter_no_change=10**6,
            random_state=0,
        )
        interrupted_fit(model, X[:50], y[:50], epochs)
        sizes[epochs] = (
            path.stat().st_size,
            (tmp_path / f"{path.name}.values").stat().st_size,
        )
    assert abs(sizes[10][0] - sizes[1000][0]) < 16  # digits of the counts
    assert sizes[1000][1] - sizes[10][1] == 8 * 990


def test_concurrent_fits_sharing_a_path_are_refused_before_training(tmp_path):
    """Item 16: of four fits started together on one path, one trains and the
    others get a clear error at once, leaving nothing that breaks later fits."""
    rng = np.random.RandomState(0)
    X = rng.randn(20000, 30)
    y = X @ rng.randn(30)
    path = tmp_path / "shared.ckpt"
    start = threading.Barrier(4)

    def fit(seed, wait=True):
        model = CosineSGDRegressor(
            checkpoint_path=path, max_iter=600, random_state=seed
        )
        if wait:
            start.wait()
        try:
            model.fit(X, y)
            return "ok"
        except ValueError as exc:
            return str(exc)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fit, range(4)))
    assert results.count("ok") == 1, results
    assert sum("in use by another fit" in r for r in results) == 3, results
    assert os.listdir(tmp_path) == []
    assert fit(9, wait=False) == "ok"


def test_a_corrupt_values_file_is_refused_naming_the_files(tmp_path, diabetes):
    """Item 16: a truncated companion file is a ValueError, not an EOFError."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(
        checkpoint_path=path,
        max_iter=12,
        checkpoint_every=2,
        tol=0.0,
        n_iter_no_change=99,
        random_state=0,
    )
    interrupted_fit(CosineSGDRegressor(**params), X, y, 5)
    values = tmp_path / "fit.ckpt.values"
    values.write_bytes(values.read_bytes()[:-3])
    with pytest.raises(ValueError, match=r"fit\.ckpt.*truncated"):
        CosineSGDRegressor(**params).fit(X, y)


def test_a_checkpoint_is_an_npz_archive_of_numbers(tmp_path, diabetes):
    """Item 1: what is on disk is readable without pickle."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(checkpoint_path=path, max_iter=12, checkpoint_every=2, random_state=0)
    interrupted_fit(CosineSGDRegressor(**params), X, y, 5)
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)


# --- 17. inputs of every width ---------------------------------------------


def test_a_float32_block_after_float64_blocks_is_cast(diabetes):
    """Item 17: the model keeps its dtype."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10, random_state=0)
    model.partial_fit(X, y)
    model.partial_fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float64
    model32 = CosineSGDRegressor(max_iter=10).partial_fit(X.astype(np.float32), y)
    model32.partial_fit(X, y)
    assert model32.coef_.dtype == np.float32


@pytest.mark.parametrize(
    "params",
    [
        {"T_max": 10**400},
        {"T_mult": 10**400},
        {"warmup_epochs": 10**400},
        {"max_iter": 10**400},
        {"max_iter": 2**63 - 1},
        {"batches_per_epoch": 10**400},
        {"checkpoint_every": 10**400},
        {"average": 10**400},
    ],
)
def test_integers_too_large_for_a_float_are_value_errors(diabetes, params):
    """Item 17: never an OverflowError, never 0 epochs."""
    X, y = diabetes
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        CosineSGDRegressor(**params).fit(X, y)


def test_memory_grows_with_the_epochs_run_not_with_max_iter(diabetes):
    """Item 17: max_iter=10**7 used to allocate 490 MB up front."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10**7, tol=1e-3, n_iter_no_change=3)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert model.n_iter_ < 100
    assert peak < 5 * 2**20


# --- 18. the early-stopping split is scikit-learn's ---------------------------


@pytest.mark.parametrize("Estimator, Theirs", [(CosineSGDRegressor, SGDRegressor)])
def test_early_stopping_split_with_a_random_state_instance(diabetes, Estimator, Theirs):
    """Item 18: the split draws from the instance first, as scikit-learn's."""
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


# --- 19. smaller ------------------------------------------------------------


def test_the_display_takes_a_fitted_pipeline(diabetes):
    """Item 19: the last step is the estimator."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    X, y = diabetes
    pipe = make_pipeline(StandardScaler(), CosineSGDRegressor(max_iter=7)).fit(X, y)
    display = LearningRateScheduleDisplay.from_estimator(pipe)
    assert len(display.line_.get_ydata()) == 7


def test_verbose_names_the_class_and_the_monitored_value(iris, capsys):
    """Item 19: 'class 0', not 'class np.int64(0)'; the value is named."""
    X, y = iris
    CosineSGDClassifier(max_iter=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "class 0, epoch 1" in out and "np.int64" not in out
    assert "training objective:" in out


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_dates_are_refused_at_fit_as_at_predict(method):
    """Item 19: datetime64 is not a number of nanoseconds."""
    frame = pd.DataFrame(
        {"day": pd.date_range("2020-01-01", periods=20), "x": np.arange(20.0)}
    )
    with pytest.raises(ValueError, match="dates or time spans"):
        getattr(CosineSGDRegressor(), method)(frame, np.arange(20.0))
    with pytest.raises(ValueError, match="dates or time spans"):
        CosineSGDRegressor().fit(
            np.arange(20).astype("datetime64[D]").reshape(-1, 1), np.arange(20.0)
        )


def test_all_zero_class_weights_are_refused(iris):
    """Item 19: there is nothing to learn from."""
    X, y = iris
    with pytest.raises(ValueError, match="weight 0"):
        CosineSGDClassifier(class_weight={0: 0, 1: 0, 2: 0}).fit(X, y)
    CosineSGDClassifier(class_weight={0: 0, 1: 1, 2: 1}, max_iter=3).fit(X, y)


def test_a_type_error_of_a_callback_is_not_blamed_on_the_input(diabetes):
    """Item 19: only unusable input becomes 'cannot use its input'."""
    pytest.importorskip("sklearn.callback")
    X, y = diabetes

    class Broken:
        max_propagation_depth = None

        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            raise TypeError("a bug in my callback")

        def teardown(self, estimator, context):
            pass

    model = CosineSGDRegressor(max_iter=3).set_callbacks(Broken())
    with pytest.raises(TypeError, match="a bug in my callback") as info:
        model.fit(X, y)
    assert "cannot use its input" not in str(info.value)


def test_schedule_of_the_fit_is_a_public_schedule(diabetes):
    """What a skops user has to trust: public classes only."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=3, random_state=0).fit(X, y)
    assert isinstance(model.schedule_, CosineAnnealingLR)
    modules = {type(value).__module__ for value in vars(model).values()} | {
        type(v).__module__ for v in model._state.values()
    }
    assert not any(
        m.startswith("skcosine._") for m in modules - {"skcosine._schedules"}
    )


# --- saved models name public types only ----------------------------------


def fitted_public_estimators(diabetes, iris):
    X, y = diabetes
    Xc, yc = iris
    return [
        CosineSGDRegressor(max_iter=5, T_max=2, T_mult=2, random_state=0).fit(X, y),
        CosineSGDClassifier(max_iter=5, average=True, random_state=0).fit(Xc, yc),
        CosineSGDRegressorCV(alphas=[1e-4, 1e-3], max_iter=3, cv=3).fit(X, y),
        CosineSGDClassifierCV(alphas=[1e-4], max_iter=3, cv=3).fit(Xc, yc),
    ]


def test_a_pickled_model_names_no_private_skcosine_module(diabetes, iris):
    """A saved model refers to skcosine.<PublicName> only: the modules behind
    it can move, and a loader trusting public types trusts enough."""
    for model in fitted_public_estimators(diabetes, iris):
        blob = pickle.dumps(model)
        assert b"skcosine._" not in blob, type(model).__name__
        assert b"skcosine" in blob


def test_a_skops_file_loads_in_a_fresh_process_trusting_public_types(
    tmp_path, diabetes, iris
):
    sio = pytest.importorskip("skops.io")
    for k, model in enumerate(fitted_public_estimators(diabetes, iris)[:2]):
        path = tmp_path / f"model{k}.skops"
        sio.dump(model, path)
        untrusted = sio.get_untrusted_types(file=path)
        assert all(not name.startswith("skcosine._") for name in untrusted)
        code = (
            "import sys, skops.io as sio; "
            f"model = sio.load(sys.argv[1], trusted={sorted(untrusted)!r}); "
            "print(type(model).__module__, type(model).__name__)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.split() == ["skcosine", type(model).__name__]
