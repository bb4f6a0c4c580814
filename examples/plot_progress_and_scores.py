"""
==============================================
Progress bar and per-epoch scores (callbacks)
==============================================

With scikit-learn 1.9's callbacks, ``fit`` reports one step per epoch:
``ProgressBar`` draws a bar (it needs ``rich``) and ``ScoringMonitor`` scores
the model as it stands after every epoch. ``ScoringMonitor`` scores the
estimator it is set on: in a pipeline, set it on the final step
(``make_pipeline(StandardScaler(), model.set_callbacks(monitor))``), not on
the pipeline. ``ProgressBar`` set on a pipeline or a search reaches the
estimators inside it (all levels with ``max_propagation_depth=None``).
"""

# %%
import matplotlib.pyplot as plt
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

monitor = ScoringMonitor(scoring=["accuracy", "neg_log_loss"])
model = CosineSGDClassifier(loss="log_loss", max_iter=40, random_state=0)
model.set_callbacks(ProgressBar(), monitor)
model.fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.4f}")

# %%
# The monitor scored the training data after every epoch.
logs = monitor.get_logs().data_as_pandas
per_epoch = logs[logs["task_name"] == "epoch"].reset_index(drop=True)
fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
(loss_line,) = ax.plot(-per_epoch["neg_log_loss"], label="training log loss")
ax.set_xlabel("epoch")
ax.set_ylabel("log loss")
ax2 = ax.twinx()
(rate_line,) = ax2.step(
    range(len(model.learning_rates_)),
    model.learning_rates_,
    where="post",
    color="tab:orange",
    label="learning rate",
)
ax2.set_ylabel("learning rate")
# both lines in one legend, above the axes where it cannot hide them
ax.legend(
    handles=[loss_line, rate_line],
    loc="lower left",
    bbox_to_anchor=(0, 1.01),
    ncols=2,
    frameon=False,
)
fig.suptitle("Training log loss (ScoringMonitor) and learning rate per epoch")
plt.show()
