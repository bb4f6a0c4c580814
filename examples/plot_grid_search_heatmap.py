"""
==========================================
Grid search over ``lr_min`` and ``T_max``
==========================================

A pandas DataFrame goes through a ``StandardScaler -> CosineSGDRegressor``
pipeline, and :class:`~sklearn.model_selection.GridSearchCV` tunes the two
schedule parameters with 5-fold cross-validation. ``T_max=None`` makes the
cycle span the whole budget (``max_iter``).
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True, as_frame=True)
pipe = make_pipeline(
    StandardScaler(), CosineSGDRegressor(eta0=0.02, max_iter=40, random_state=0)
).set_output(transform="pandas")
grid = {
    "cosinesgdregressor__lr_min": [0.0, 0.001, 0.005, 0.01, 0.02],
    "cosinesgdregressor__T_max": [5, 10, 20, 30, None],
}
search = GridSearchCV(pipe, grid, cv=KFold(5, shuffle=True, random_state=0))
# The grid holds single cycles shorter than the budget on purpose: with
# lr_min=0 they train their last epochs at rate 0, and skcosine warns about
# each such T_max. The heat map shows what that costs; the warnings are
# silenced here.
warnings.filterwarnings("ignore", "The schedule reaches learning rate 0")
search.fit(X, y)
print("best:", search.best_params_, f"R^2 = {search.best_score_:.4f}")
print("features seen by the model:", list(search.best_estimator_[-1].feature_names_in_))

# %%
# The mean validation :math:`R^2` of every candidate as a heat map. The last row,
# ``lr_min == eta0``, is a constant learning rate: the schedule has no effect.
results = pd.DataFrame(search.cv_results_["params"])
results["score"] = search.cv_results_["mean_test_score"]
results["T_max"] = results["cosinesgdregressor__T_max"].fillna(40).astype(int)
table = results.pivot(
    index="cosinesgdregressor__lr_min", columns="T_max", values="score"
)
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
image = ax.imshow(table.to_numpy(), cmap="viridis", aspect="auto")
ax.set_xticks(range(table.shape[1]), [str(t) for t in table.columns])
ax.set_yticks(range(table.shape[0]), [str(v) for v in table.index])
ax.set_xlabel("T_max (40 = None, the whole budget)")
ax.set_ylabel("lr_min")
ax.set_title("Mean 5-fold validation $R^2$ of each (lr_min, T_max)")
for (i, j), value in np.ndenumerate(table.to_numpy()):
    # dark text on light cells, white text on dark ones (relative luminance)
    red, green, blue, _ = image.cmap(image.norm(value))
    light = 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.45
    color = "black" if light else "white"
    ax.text(j, i, f"{value:.3f}", ha="center", va="center", color=color, fontsize=11)
fig.colorbar(image, label="mean validation $R^2$")
plt.show()
