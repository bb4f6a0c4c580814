"""scikit-learn 1.9 callbacks: one task per epoch, in pipelines and searches."""

import importlib
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier, CosineSGDRegressor
from skcosine import _sklearn_compat as compat

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


class EpochRecorder:
    """Counts the hooks and can ask to stop after ``stop_after`` epochs."""

    max_propagation_depth = None  # auto-propagated into pipelines and searches

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.calls = {"setup": 0, "begin": 0, "end": 0, "teardown": 0}
        self.epoch_models = []

    def setup(self, estimator, context):
        self.calls["setup"] += 1

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.calls["begin"] += 1

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **kw):
        self.calls["end"] += 1
        if context.task_name == "epoch":
            self.epoch_models.append(fitted_estimator)
            return self.stop_after is not None and (
                len(self.epoch_models) >= self.stop_after
            )
        return False

    def teardown(self, estimator, context):
        self.calls["teardown"] += 1


def test_one_sub_task_per_epoch_with_the_model_of_that_epoch(diabetes):
    X, y = diabetes
    recorder = EpochRecorder()
    model = CosineSGDRegressor(max_iter=12, random_state=0).set_callbacks(recorder)
    model.fit(X, y)
    assert recorder.calls == {"setup": 1, "begin": 13, "end": 13, "teardown": 1}
    assert len(recorder.epoch_models) == 12
    last = recorder.epoch_models[-1]
    assert_allclose(last.predict(X), model.predict(X))
    scores = [m.score(X, y) for m in recorder.epoch_models]
    assert scores[-1] > scores[0]


def test_a_callback_can_stop_the_training(diabetes):
    X, y = diabetes
    recorder = EpochRecorder(stop_after=4)
    model = CosineSGDRegressor(max_iter=50, random_state=0).set_callbacks(recorder)
    model.fit(X, y)
    assert model.n_iter_ == 4 and model.learning_rates_.shape == (4,)


def test_scoring_monitor_records_a_score_per_epoch(diabetes):
    X, y = diabetes
    monitor = callback.ScoringMonitor(scoring="r2")
    model = CosineSGDRegressor(max_iter=15, random_state=0).set_callbacks(monitor)
    model.fit(X, y)
    logs = monitor.get_logs().data_as_pandas
    epochs = logs[logs["task_name"] == "epoch"]
    assert len(epochs) == 15
    assert epochs["r2"].iloc[-1] == pytest.approx(model.score(X, y))


def test_progress_bar_shows_one_step_per_epoch(diabetes, capsys):
    pytest.importorskip("rich")
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=7).set_callbacks(callback.ProgressBar())
    model.fit(X, y)
    assert "100%" in capsys.readouterr().out


def test_callbacks_propagate_through_pipeline_and_search():
    X, y = load_iris(return_X_y=True)
    recorder = EpochRecorder()
    pipe = make_pipeline(StandardScaler(), CosineSGDClassifier(max_iter=5))
    search = GridSearchCV(pipe, {"cosinesgdclassifier__lr_min": [0.0, 1e-4]}, cv=2)
    search.set_callbacks(recorder).fit(X, y)
    # 2 candidates x 2 folds + the refit, 5 epochs each
    assert len(recorder.epoch_models) == 5 * 5
    assert recorder.calls["setup"] == recorder.calls["teardown"] == 1


def test_results_do_not_depend_on_callbacks(diabetes):
    X, y = diabetes
    plain = CosineSGDRegressor(max_iter=10, random_state=0).fit(X, y)
    watched = CosineSGDRegressor(max_iter=10, random_state=0)
    watched.set_callbacks(EpochRecorder()).fit(X, y)
    assert np.array_equal(plain.coef_, watched.coef_)


def test_without_the_callback_api_the_rest_still_works(monkeypatch, diabetes):
    """scikit-learn 1.8 has no sklearn.callback: the guard falls back."""
    X, y = diabetes
    monkeypatch.setitem(sys.modules, "sklearn.callback", None)  # import fails
    try:
        fallback = importlib.reload(compat)
        assert fallback.CALLBACKS is False
        assert not hasattr(fallback.CallbackSupportMixin, "set_callbacks")
        model = CosineSGDRegressor(max_iter=5, random_state=0).fit(X, y)
        assert model.n_iter_ == 5
    finally:
        monkeypatch.undo()
        importlib.reload(compat)
    assert compat.CALLBACKS is True


def test_a_type_error_of_a_callback_is_not_blamed_on_the_input(diabetes):
    """Only unusable input becomes 'cannot use its input'."""
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


def test_no_callback_context_without_a_callback_to_call(monkeypatch, diabetes):
    """A fit with no callback set and no meta-estimator's context makes no
    context (it would have nothing to call); with a callback it does."""
    X, y = diabetes
    made = []
    original = CosineSGDRegressor._init_callback_context

    def recording(estimator, *args, **kwargs):
        made.append(estimator)
        return original(estimator, *args, **kwargs)

    monkeypatch.setattr(CosineSGDRegressor, "_init_callback_context", recording)
    CosineSGDRegressor(max_iter=2, random_state=0).fit(X, y)
    assert made == []
    watched = CosineSGDRegressor(max_iter=2, random_state=0)
    watched.set_callbacks(EpochRecorder()).fit(X, y)
    assert made == [watched]
