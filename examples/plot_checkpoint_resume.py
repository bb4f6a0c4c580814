"""
=============================================
Resuming an interrupted fit from a checkpoint
=============================================

With ``checkpoint_path`` set, ``fit`` saves its progress every
``checkpoint_every`` epochs. If the process dies (a crash, a pre-empted machine,
Ctrl-C), running the same fit again -- same parameters, same data -- resumes
from the last checkpoint, and the result is identical to an uninterrupted fit.
The checkpoint holds numbers and JSON only (never a pickle, so a file planted
at the path cannot run code: it is refused), a lock keeps a second fit off the
same path while the first runs, and the files are deleted once the fit
completes or fails with an error.

Here the interruption is simulated by a callback that raises after 25 epochs,
and a ``ScoringMonitor`` on every fit records the training :math:`R^2` after
each epoch, for the figure at the end.
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.callback import ScoringMonitor
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
path = Path(tempfile.mkdtemp()) / "diabetes.ckpt"
params = dict(max_iter=60, random_state=0, checkpoint_path=path, checkpoint_every=5)


class Crash:
    """A callback that raises after a number of epochs, like a dying machine."""

    def __init__(self, after):
        self.after, self.epochs = after, 0

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.epochs += context.task_name == "epoch"
        if self.epochs == self.after:
            raise RuntimeError("simulated crash")

    def teardown(self, estimator, context):
        pass


def training_r2(monitor):
    """The training R^2 a ScoringMonitor recorded after each epoch."""
    logs = monitor.get_logs().data_as_pandas
    return logs.loc[logs["task_name"] == "epoch", "r2"].to_numpy()


crashed_monitor = ScoringMonitor(scoring="r2")
model = CosineSGDRegressor(**params).set_callbacks(crashed_monitor, Crash(after=25))
try:
    model.fit(X, y)
except RuntimeError as error:
    print("fit interrupted:", error)
print("checkpoint left behind:", path.exists())

# %%
# Run the same fit again: it continues from the last checkpoint saved before
# the crash (the epochs trained after that checkpoint are trained again).
resumed_monitor = ScoringMonitor(scoring="r2")
resumed = CosineSGDRegressor(**params).set_callbacks(resumed_monitor).fit(X, y)
print("checkpoint after completion:", path.exists())
path.parent.rmdir()  # the fit left nothing behind

uninterrupted_monitor = ScoringMonitor(scoring="r2")
uninterrupted = CosineSGDRegressor(max_iter=60, random_state=0)
uninterrupted.set_callbacks(uninterrupted_monitor).fit(X, y)
print(
    "identical to an uninterrupted fit:",
    np.array_equal(resumed.coef_, uninterrupted.coef_),
)

# %%
# The learning rate of every epoch and the training :math:`R^2` after it: the
# fit cut short by the crash, then the resumed fit (from the checkpoint, so a
# few epochs run twice), lie exactly on the uninterrupted fit.
crashed_r2 = training_r2(crashed_monitor)
resumed_r2 = training_r2(resumed_monitor)
full_r2 = training_r2(uninterrupted_monitor)
n_epochs = len(uninterrupted.learning_rates_)
crash = len(crashed_r2)  # epochs done when the fit crashed
restart = n_epochs - len(resumed_r2)  # epochs restored from the checkpoint
after = np.arange(1, n_epochs + 1)  # the R^2 is recorded after each epoch

fig, (ax1, ax2) = plt.subplots(
    2, 1, figsize=(7, 5.5), sharex=True, layout="constrained"
)
full = dict(color="0.7", linewidth=6, label="uninterrupted fit")
edges = np.arange(n_epochs + 1)  # epoch k runs from k to k + 1
ax1.stairs(uninterrupted.learning_rates_, edges, baseline=None, **full)
ax1.stairs(
    resumed.learning_rates_,
    edges,
    baseline=None,
    color="tab:orange",
    linewidth=1.5,
    label="resumed fit",
)
ax2.plot(after, full_r2, **full)
ax2.plot(after[:crash], crashed_r2, color="tab:blue", label="fit until the crash")
ax2.plot(after[restart:], resumed_r2, color="tab:orange", label="resumed fit")
for ax in (ax1, ax2):
    ax.axvline(
        crash, color="tab:red", linestyle="--", label=f"crash, after {crash} epochs"
    )
    ax.axvline(
        restart,
        color="k",
        linestyle=":",
        label=f"resumed from the checkpoint of epoch {restart}",
    )
ax1.set_ylabel("learning rate")
ax2.set_ylabel("training $R^2$")
ax2.set_xlabel("epoch")
# one legend for both axes, above them where it cannot hide a line
ax1.legend(
    handles=ax2.get_lines(),
    loc="lower left",
    bbox_to_anchor=(0, 1.02),
    ncols=2,
    frameon=False,
)
fig.suptitle("An interrupted, then resumed fit retraces the uninterrupted one")
plt.show()
