"""
=============================
Grid search on a Dask cluster
=============================

scikit-learn's searches run their fits through joblib, and joblib can send them
to a Dask cluster. Here a local in-process cluster with two workers stands in
for a real one (``distributed.Client("tcp://scheduler:8786")``; the test suite
uses a cluster of two worker processes). Every fit draws its random numbers
from its own generator, so the results are the same, bit for bit, as with
``n_jobs=1``.
"""

# %%
import warnings

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True)
search = GridSearchCV(
    make_pipeline(StandardScaler(), CosineSGDRegressor(max_iter=30, random_state=0)),
    {
        "cosinesgdregressor__lr_min": [0.0, 1e-4, 1e-3],
        "cosinesgdregressor__T_max": [10, None],
        "cosinesgdregressor__eta0": ["auto", 0.005],
    },
    cv=KFold(5, shuffle=True, random_state=0),
    n_jobs=-1,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Dask's notes about the local cluster
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            with joblib.parallel_config(backend="dask"):
                search.fit(X, y)
            print("workers:", len(client.scheduler_info()["workers"]))

print("best:", search.best_params_, f"R^2 = {search.best_score_:.4f}")

# %%
# The same search with ``n_jobs=1`` gives the same scores, bit for bit.
serial = GridSearchCV(search.estimator, search.param_grid, cv=search.cv, n_jobs=1)
serial.fit(X, y)
same = np.array_equal(
    serial.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
)
print("identical to n_jobs=1:", same)

# %%
# The mean cross-validated :math:`R^2` of each of the 12 candidates, from the
# Dask run and from the ``n_jobs=1`` run: every pair of marks coincides.
candidates = [
    ", ".join(f"{key.split('__')[1]}={value}" for key, value in params.items())
    for params in search.cv_results_["params"]
]
rows = np.arange(len(candidates))
fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
ax.scatter(
    search.cv_results_["mean_test_score"],
    rows,
    s=120,
    facecolors="none",
    edgecolors="tab:blue",
    linewidths=2,
    label="Dask, two workers",
)
ax.scatter(
    serial.cv_results_["mean_test_score"],
    rows,
    marker="x",
    color="tab:orange",
    label="n_jobs=1",
)
ax.set_yticks(rows, candidates)
ax.invert_yaxis()  # the first candidate on top
ax.grid(axis="y", color="0.9")
ax.set_xlabel("mean 5-fold validation $R^2$")
ax.set_title("Every candidate scores the same on Dask and with n_jobs=1")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()
