"""LearningRateScheduleDisplay follows scikit-learn's Display API."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingWarmRestarts,
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDRegressor,
    LearningRateScheduleDisplay,
)

from .conftest import run_child

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_from_schedule_plots_the_rates():
    schedule = CosineAnnealingWarmRestarts(lr_initial=0.2, T_0=4, T_mult=2)
    display = LearningRateScheduleDisplay.from_schedule(schedule, 20, color="k")
    assert_array_equal(display.line_.get_ydata(), schedule(np.arange(20)))
    assert display.line_.get_color() == "k"
    assert display.figure_ is display.ax_.figure
    assert display.curve_ax_ is None and display.curve_line_ is None
    assert display.ax_.get_legend().get_texts()[0].get_text() == "learning rate"


def test_from_estimator_shows_the_recorded_loss_on_a_second_axis(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=30, tol=0.0, n_iter_no_change=30).fit(X, y)
    _, ax = plt.subplots()
    display = LearningRateScheduleDisplay.from_estimator(model, ax=ax)
    assert display.ax_ is ax
    assert_array_equal(display.line_.get_ydata(), model.learning_rates_)
    assert_array_equal(display.curve_line_.get_ydata(), model.loss_curve_)
    assert display.curve_ax_.get_ylabel() == "training loss"


@pytest.mark.parametrize("n_epochs", [0, -3, 2.5, 3.0, "3", True, None])
def test_from_schedule_refuses_a_number_of_epochs_that_is_not_a_positive_integer(
    n_epochs,
):
    schedule = CosineAnnealingWarmRestarts(lr_initial=0.2, T_0=4)
    with pytest.raises(
        ValueError, match=f"n_epochs must be a positive integer, got {n_epochs!r}"
    ):
        LearningRateScheduleDisplay.from_schedule(schedule, n_epochs)


def test_from_schedule_accepts_numpy_integers():
    schedule = CosineAnnealingWarmRestarts(lr_initial=0.2, T_0=4)
    display = LearningRateScheduleDisplay.from_schedule(schedule, np.int64(3))
    assert len(display.line_.get_ydata()) == 3


def test_a_given_name_labels_the_learning_rate_line(diabetes):
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=5).fit(X, y)
    display = LearningRateScheduleDisplay.from_estimator(model, name="cosine")
    texts = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert texts == ["cosine", "training loss"]


def test_plot_can_be_called_again_on_other_axes():
    display = LearningRateScheduleDisplay(np.arange(3), np.array([0.3, 0.2, 0.1]))
    first = display.plot().ax_
    _, other = plt.subplots()
    assert display.plot(ax=other, name="again").ax_ is other is not first


def test_unfitted_estimator_is_refused():
    with pytest.raises(ValueError, match="fit it first"):
        LearningRateScheduleDisplay.from_estimator(CosineSGDRegressor())


def test_matplotlib_is_imported_only_to_plot():
    """In a fresh interpreter (the file's one child): importing skcosine and
    the display does not import matplotlib."""
    child = run_child(
        """
        import skcosine
        from skcosine import CosineSGDRegressor, LearningRateScheduleDisplay
        print("matplotlib" in sys.modules)
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == "False"


def test_the_training_loss_is_in_the_legend_above_the_data(diabetes):
    """A default fit: the rate line is "learning rate", the curve the loss."""
    X, y = diabetes
    model = CosineSGDRegressor(max_iter=10).fit(X, y)
    display = LearningRateScheduleDisplay.from_estimator(model)
    legend = display.ax_.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [
        "learning rate",
        "training loss",
    ]
    display.figure_.canvas.draw()
    box = legend.get_window_extent()
    axes = display.ax_.get_window_extent()
    assert box.y0 >= axes.y1  # over the axes, not on the lines


def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch):
    display = LearningRateScheduleDisplay(np.arange(3), np.array([0.3, 0.2, 0.1]))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        ImportError, match="requires matplotlib.*pip install matplotlib"
    ):
        display.plot()


def test_the_display_takes_a_fitted_pipeline(diabetes):
    """The last step is the estimator."""
    X, y = diabetes
    pipe = make_pipeline(StandardScaler(), CosineSGDRegressor(max_iter=7)).fit(X, y)
    display = LearningRateScheduleDisplay.from_estimator(pipe)
    assert len(display.line_.get_ydata()) == 7


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer:UserWarning")
@pytest.mark.parametrize("early_stopping", [False, True])
def test_an_mlp_shows_its_loss_or_its_validation_scores(iris, early_stopping):
    """An MLP sets ``validation_scores_`` to None without early stopping (as
    scikit-learn's does): the loss curve is drawn then, the validation scores
    with early stopping."""
    X, y = iris
    model = CosineMLPClassifier(
        hidden_layer_sizes=(8,),
        max_iter=6,
        early_stopping=early_stopping,
        tol=0.0 if early_stopping else None,
        n_iter_no_change=6,
        random_state=0,
    ).fit(X, y)
    display = LearningRateScheduleDisplay.from_estimator(model)
    assert_array_equal(display.line_.get_ydata(), model.learning_rates_)
    if early_stopping:
        assert_array_equal(display.curve_line_.get_ydata(), model.validation_scores_)
        assert display.curve_ax_.get_ylabel() == "validation score"
    else:
        assert_array_equal(display.curve_line_.get_ydata(), model.loss_curve_)
        assert display.curve_ax_.get_ylabel() == "training loss"


def test_an_mlp_in_a_pipeline(diabetes_scaled_target):
    X, y = diabetes_scaled_target
    pipe = make_pipeline(
        StandardScaler(),
        CosineMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    ).fit(X, y)
    display = LearningRateScheduleDisplay.from_estimator(pipe)
    assert len(display.line_.get_ydata()) == 5
    assert display.curve_ax_.get_ylabel() == "training loss"
