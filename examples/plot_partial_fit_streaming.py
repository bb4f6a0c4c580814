"""
=======================================
Streaming training with ``partial_fit``
=======================================

Each ``partial_fit`` call trains one pass over its batch at the next position
of the schedule (one epoch per call here; see ``batches_per_epoch`` for
blocks of one epoch). Here the data arrives in eight batches that we cycle
over, and halfway through the stream the relation between features and target
changes (the target flips sign).

A single cosine cycle ends at ``lr_min=0``: after ``T_max`` calls the model
trains at rate 0, so it cannot follow the change, and skcosine warns. Warm
restarts (``T_mult=1``) bring the rate back to ``eta0`` every ``T_max`` calls:
the stream keeps learning. The schedule position is part of the fitted state,
so a model can be pickled between calls and resumed.
"""

# %%
import pickle
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
batches = np.array_split(np.random.RandomState(0).permutation(len(y)), 8)
n_calls, drift = 64, 32

models = {
    "single cycle (T_max=16)": CosineSGDRegressor(eta0=0.05, T_max=16),
    "warm restarts (T_max=16, T_mult=1)": CosineSGDRegressor(
        eta0=0.05, T_max=16, T_mult=1
    ),
}
scores = {name: [] for name in models}
for call in range(n_calls):
    target = y if call < drift else -y  # the stream changes halfway
    rows = batches[call % len(batches)]
    for name, model in models.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.partial_fit(X[rows], target[rows])
        for warning in caught:
            print(f"call {call}, {name}: {warning.message}")
        scores[name].append(r2_score(target, model.predict(X)))
    if call == 20:  # stop, save, resume: nothing changes
        models = {name: pickle.loads(pickle.dumps(m)) for name, m in models.items()}

# %%
# The learning rate of every call and the :math:`R^2` on the current target.
# After the change, only the model whose rate restarts recovers.
fig, (ax1, ax2) = plt.subplots(
    2, 1, figsize=(7, 5.5), sharex=True, layout="constrained"
)
for name, model in models.items():
    ax1.step(range(n_calls), model.learning_rates_, where="post", label=name)
    ax2.plot(scores[name], label=name)
for ax in (ax1, ax2):
    flip = ax.axvline(drift, color="k", linestyle=":", label="the target flips sign")
ax1.set_ylabel("learning rate")
ax2.set_ylim(-1, 1)
single = list(models)[0]
ax2.annotate(
    f"single cycle: $R^2$ falls to {min(scores[single][drift:]):.0f}",
    xy=(drift - 1, -1),  # where the line leaves the axes
    xytext=(drift + 5, -0.7),
    color="tab:blue",
    arrowprops=dict(arrowstyle="->", color="tab:blue"),
)
ax2.set_xlabel("partial_fit call")
ax2.set_ylabel("$R^2$ on the current target")
# one legend for both axes, above them where it cannot hide a line
ax1.legend(
    handles=[*ax1.get_lines()[: len(models)], flip],
    loc="lower left",
    bbox_to_anchor=(0, 1.02),
    ncols=2,
    frameon=False,
)
fig.suptitle("A stream whose target flips: learning rate and $R^2$ per call")
plt.show()
for name in models:
    print(f"{name}: final R^2 {scores[name][-1]:.4f}")
