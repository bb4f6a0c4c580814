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

Here the interruption is simulated by a callback that raises after 25 epochs.
"""

# %%
import tempfile
from pathlib import Path

import numpy as np
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


model = CosineSGDRegressor(**params).set_callbacks(Crash(after=25))
try:
    model.fit(X, y)
except RuntimeError as error:
    print("fit interrupted:", error)
print("checkpoint left behind:", path.exists())

# %%
# Run the same fit again: it continues from epoch 25.
resumed = CosineSGDRegressor(**params).fit(X, y)
print("checkpoint after completion:", path.exists())
path.parent.rmdir()  # the fit left nothing behind

uninterrupted = CosineSGDRegressor(max_iter=60, random_state=0).fit(X, y)
print(
    "identical to an uninterrupted fit:",
    np.array_equal(resumed.coef_, uninterrupted.coef_),
)
