"""
=====================================================
Cosine annealing against scikit-learn's own schedules
=====================================================

Learning curves on the diabetes data bundled with scikit-learn: the test :math:`R^2`
after a budget of epochs, for skcosine's cosine schedule and scikit-learn's
``constant``, ``invscaling`` and ``adaptive`` rates, all starting from the same
``eta0``. The cosine schedule spends each budget as one full cycle, so a short
budget is not the truncated start of a long run. The benchmarks page compares
the schedules with equal tuning on eight datasets.
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, SGDRegressor
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
eta0 = 0.02
budgets = [1, 2, 3, 5, 8, 13, 20, 30, 50]
# "adaptive" stops with tol; on the short budgets it has not stopped yet
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def test_r2(model):
    return model.fit(X_train, y_train).score(X_test, y_test)


curves = {
    "cosine (skcosine)": [
        test_r2(CosineSGDRegressor(eta0=eta0, max_iter=b, random_state=0))
        for b in budgets
    ],
}
for schedule in ("constant", "invscaling", "adaptive"):
    curves[schedule] = [
        test_r2(
            SGDRegressor(
                learning_rate=schedule,
                eta0=eta0,
                max_iter=b,
                tol=1e-3 if schedule == "adaptive" else None,
                random_state=0,
            )
        )
        for b in budgets
    ]
optimum = Ridge(alpha=1e-4 * len(y_train)).fit(X_train, y_train).score(X_test, y_test)

# %%
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
for name, values in curves.items():
    width = 2.5 if "cosine" in name else 1
    ax.plot(budgets, values, marker="o", linewidth=width, label=name)
ax.axhline(optimum, color="k", linestyle="--", label="least-squares optimum")
ax.set_xscale("log")
ax.set_xticks(budgets, [str(b) for b in budgets])
ax.set_xlabel("epochs (budget)")
ax.set_ylabel("test $R^2$")
ax.set_title("Test $R^2$ after each budget of epochs, by learning-rate schedule")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()
for name, values in curves.items():
    print(f"{name:<18} " + " ".join(f"{v:.3f}" for v in values))
