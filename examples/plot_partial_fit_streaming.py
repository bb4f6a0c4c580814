"""
=======================================
Streaming training with ``partial_fit``
=======================================

Each ``partial_fit`` call trains one epoch at the next position of the
schedule, so a stream of calls follows the same cosine curve as ``fit``. Here
the data arrives in eight batches that we cycle over; every call sees one
batch. The schedule position is part of the fitted state, so the model can be
pickled between calls and resumed.
"""

# %%
import pickle

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
batches = np.array_split(np.random.RandomState(0).permutation(len(y)), 8)

model = CosineSGDRegressor(eta0=0.05, T_max=40, lr_min=0.0, random_state=0)
scores = []
for call in range(48):
    rows = batches[call % len(batches)]
    model.partial_fit(X[rows], y[rows])
    if call == 20:  # stop, save, resume: nothing changes
        model = pickle.loads(pickle.dumps(model))
    scores.append(r2_score(y, model.predict(X)))

# %%
# The rate holds ``lr_min`` after ``T_max`` calls; the fit keeps improving
# while the rate decays.
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.step(range(48), model.learning_rates_, where="post", label="learning rate")
ax.set_xlabel("partial_fit call")
ax.set_ylabel("learning rate")
ax2 = ax.twinx()
ax2.plot(scores, color="tab:orange", label="R^2 on all data")
ax2.set_ylabel("R^2")
fig.legend(loc="center right")
fig.tight_layout()
print(f"final R^2: {scores[-1]:.4f}")
