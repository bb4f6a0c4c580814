"""An interrupted fit resumes from its checkpoint, bit for bit."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skcosine import CosineSGDClassifier, CosineSGDRegressor, _checkpoint

DATA = """
import numpy as np
rng = np.random.RandomState(0)
X = rng.randn(20000, 30)
y = X @ rng.randn(30) + rng.randn(20000)
"""

PARAMS = dict(max_iter=300, lr_min=1e-4, random_state=0, checkpoint_every=5)


def make_data():
    namespace = {}
    exec(DATA, namespace)
    return namespace["X"], namespace["y"]


def test_a_fit_killed_mid_way_resumes_to_the_same_model(tmp_path):
    path = tmp_path / "fit.ckpt"
    script = DATA + textwrap.dedent(
        f"""
        from skcosine import CosineSGDRegressor
        CosineSGDRegressor(checkpoint_path={str(path)!r}, **{PARAMS!r}).fit(X, y)
        print("finished", flush=True)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not path.exists():
        assert child.poll() is None, "the fit ended before its first checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)  # no cleanup, no chance to finish
    child.wait()
    assert child.returncode == -signal.SIGKILL and child.stdout.read() == b""
    with np.load(path, allow_pickle=False) as saved:
        epochs = float(saved["state.epochs"]) if "state.epochs" in saved else None
        header = bytes(saved["header"]).decode()
    assert '"epochs": ' in header
    epochs = int(header.split('"epochs": ')[1].split(",")[0])
    assert 0 < epochs < PARAMS["max_iter"]

    X, y = make_data()
    resumed = CosineSGDRegressor(checkpoint_path=path, **PARAMS).fit(X, y)
    assert not path.exists()  # removed once the fit completed
    straight = CosineSGDRegressor(**PARAMS).fit(X, y)
    assert resumed.n_iter_ == PARAMS["max_iter"]
    assert_array_equal(resumed.coef_, straight.coef_)
    assert_array_equal(resumed.intercept_, straight.intercept_)


def interrupt(model, X, y, after):
    """Fit ``model``, raising KeyboardInterrupt after ``after`` epochs (once
    the checkpoint of that epoch, if any, is written)."""
    original = _checkpoint.CheckpointHook.after_pass
    calls = {"n": 0}

    def after_pass(hook, report):
        stop = original(hook, report)
        calls["n"] += 1
        if calls["n"] >= after:
            raise KeyboardInterrupt
        return stop

    _checkpoint.CheckpointHook.after_pass = after_pass
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    finally:
        _checkpoint.CheckpointHook.after_pass = original
    assert not hasattr(model, "coef_")


def interrupted_then_resumed(Estimator, X, y, path, stop_epoch, **params):
    """Fit, interrupted after ``stop_epoch`` epochs; then fit again."""
    model = Estimator(checkpoint_path=path, **params)
    interrupt(model, X, y, stop_epoch)
    assert path.exists()
    return model.fit(X, y)


@pytest.mark.parametrize(
    "Estimator, params",
    [
        (CosineSGDRegressor, dict(average=True, tol=1e-4, n_iter_no_change=100)),
        (CosineSGDClassifier, dict(loss="log_loss", average=True)),
        (CosineSGDClassifier, dict(early_stopping=True, tol=0.0, n_iter_no_change=99)),
    ],
)
def test_resumed_fit_is_bitwise_identical(tmp_path, Estimator, params):
    X, y = make_data()
    X, y = X[:2000], y[:2000]
    if Estimator is CosineSGDClassifier:
        y = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    common = dict(max_iter=40, checkpoint_every=3, random_state=7, **params)
    straight = Estimator(**common).fit(X, y)
    path = tmp_path / "model.ckpt"
    resumed = interrupted_then_resumed(Estimator, X, y, path, 20, **common)
    assert_array_equal(resumed.coef_, straight.coef_)
    assert_array_equal(resumed.intercept_, straight.intercept_)
    assert_array_equal(resumed.learning_rates_, straight.learning_rates_)
    for name in ("loss_curve_", "validation_scores_"):
        if hasattr(straight, name):
            assert_array_equal(getattr(resumed, name), getattr(straight, name))
    assert not path.exists()


def test_a_checkpoint_of_another_fit_is_refused(tmp_path):
    X, y = make_data()
    X, y = X[:500], y[:500]
    path = tmp_path / "other.ckpt"
    params = dict(max_iter=30, checkpoint_every=2, random_state=0)
    interrupt(CosineSGDRegressor(checkpoint_path=path, **params), X, y, after=5)
    assert path.exists()
    for other_data, other_params in [(y + 1, {}), (y, {"max_iter": 31})]:
        model = CosineSGDRegressor(checkpoint_path=path, **{**params, **other_params})
        with pytest.raises(ValueError, match="holds a checkpoint of another fit"):
            model.fit(X, other_data)
    resumed = CosineSGDRegressor(checkpoint_path=path, **params).fit(X, y)
    assert_array_equal(resumed.coef_, CosineSGDRegressor(**params).fit(X, y).coef_)


def test_no_checkpoint_file_without_checkpoint_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = make_data()
    CosineSGDRegressor(max_iter=5).fit(X[:300], y[:300])
    assert os.listdir(tmp_path) == []
