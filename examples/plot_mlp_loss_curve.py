"""
=====================================================
A neural network on a cosine schedule: loss and rate
=====================================================

:class:`~skcosine.CosineMLPRegressor` is scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor` whose Adam updates follow a
cosine schedule, annealed at every batch. Here it trains a small network on
the diabetes data bundled with scikit-learn, next to scikit-learn's own
``MLPRegressor`` at the constant rate it offers, with the same network, the
same starting weights (one ``random_state``), the same batches and the same
number of epochs.

On the left, the training loss of both, epoch by epoch; on the right, the
learning rate skcosine used (``learning_rates_``, with its loss on the second
axis, drawn by :class:`~skcosine.LearningRateScheduleDisplay`). The constant
rate keeps the optimizer's noise until the end; the cosine schedule takes
large steps first and anneals them away. Where that helps on held-out data,
and where it does not, is on the benchmarks page.
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from skcosine import CosineMLPRegressor, LearningRateScheduleDisplay

X, y = load_diabetes(return_X_y=True)
y = (y - y.mean()) / y.std()  # a standardized target: one rate suits both
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

common = dict(
    hidden_layer_sizes=(64, 64),
    learning_rate_init=0.01,
    batch_size=32,
    max_iter=60,
    random_state=0,
)
cosine = CosineMLPRegressor(**common).fit(X_train, y_train)
with warnings.catch_warnings():
    # scikit-learn warns that 60 epochs end before its stopping rule fires
    warnings.simplefilter("ignore", ConvergenceWarning)
    constant = MLPRegressor(
        learning_rate="constant", tol=0.0, n_iter_no_change=60, **common
    ).fit(X_train, y_train)

# %%
# The two loss curves, and skcosine's schedule beside them
# ---------------------------------------------------------
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
left.plot(constant.loss_curve_, label="scikit-learn, constant rate")
left.plot(cosine.loss_curve_, linewidth=2.5, label="skcosine, cosine schedule")
left.set_yscale("log")
left.set_xlabel("epoch")
left.set_ylabel("training loss")
left.set_title("Training loss")
left.legend()
LearningRateScheduleDisplay.from_estimator(cosine, ax=right)
right.set_title("CosineMLPRegressor: learning rate and loss", pad=24)
plt.show()

# %%
# Held-out scores
# ---------------
# The test :math:`R^2` of both models (``score`` is scikit-learn's own).
for name, model in [("constant rate", constant), ("cosine schedule", cosine)]:
    print(
        f"{name:<16} final training loss {model.loss_curve_[-1]:.4f}, "
        f"test R^2 {model.score(X_test, y_test):.3f}"
    )
