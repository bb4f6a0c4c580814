"""Demo: grid-search ``lr_min`` and ``T_max`` on data bundled with scikit-learn.

Run it with ``python -m skcosine``. It fits a
``StandardScaler -> CosineSGDRegressorCV`` pipeline on the diabetes data: the
CV estimator cross-validates a grid of ``lr_min`` and ``T_max``, every
candidate of a fold trained in one pass over its rows, and refits the best.
The demo prints the mean R^2 of every candidate as a table, and compares the
best candidate with scikit-learn's ``SGDRegressor`` (default schedule) and
with the least-squares optimum (``Ridge``).
"""

import time

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge, SGDRegressor
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressorCV

GRID = {
    "lr_mins": [0.0, 0.001, 0.005, 0.01],
    "T_maxs": [10, 20, 35, None],
}
BUDGET = 50  # epochs per fit


def make_search(cv):
    """The search: every (lr_min, T_max) candidate at eta0=0.01, alpha=1e-4."""
    return CosineSGDRegressorCV(
        eta0s=[0.01], alphas=[1e-4], **GRID, cv=cv, max_iter=BUDGET, random_state=0
    )


def run_search(X, y, cv):
    """Cross-validate every candidate behind a StandardScaler; the fitted
    search."""
    pipe = make_pipeline(StandardScaler(), make_search(cv)).fit(X, y)
    return pipe[-1]


def score_table(search):
    """Mean test R^2 as a table: rows lr_min, columns T_max."""
    params = search.cv_results_["params"]
    rows = pd.DataFrame(
        {
            "lr_min": [p["lr_min"] for p in params],
            "T_max": [p["T_max"] or BUDGET for p in params],
            "R2": search.cv_results_["mean_test_score"],
        }
    )
    table = rows.pivot(index="lr_min", columns="T_max", values="R2")
    table.columns = [f"None ({t})" if t == BUDGET else str(t) for t in table.columns]
    return table


def reference_scores(X, y, cv):
    """Cross-validated R^2 of scikit-learn's SGD and of Ridge, same folds."""
    models = {
        "scikit-learn SGDRegressor (invscaling, defaults)": SGDRegressor(
            random_state=0
        ),
        "Ridge (least-squares optimum)": Ridge(alpha=1e-3),
    }
    return {
        name: cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=cv)
        for name, model in models.items()
    }


def main():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    cv = KFold(5, shuffle=True, random_state=0)
    print(
        f"skcosine demo: diabetes data ({X.shape[0]} rows x {X.shape[1]} features), "
        f"5-fold CV, {BUDGET} epochs per fit\n"
    )
    start = time.perf_counter()
    search = run_search(X, y, cv)
    elapsed = time.perf_counter() - start
    with pd.option_context("display.float_format", "{:.4f}".format):
        print(
            "Mean test R^2 of every CosineSGDRegressor candidate "
            f"(rows: lr_min, columns: T_max; None means the budget, {BUDGET})"
        )
        print(score_table(search).to_string())
    best = search.best_params_
    print(
        f"\nBest: lr_min={best['lr_min']}, T_max={best['T_max']} -> R^2 "
        f"{search.best_score_:.4f} ({len(search.cv_results_['params'])} "
        f"candidates x 5 folds in {elapsed:.2f} s, one pass per fold)"
    )
    for name, scores in reference_scores(X, y, cv).items():
        print(f"{name:<50} R^2 {np.mean(scores):.4f}")


if __name__ == "__main__":
    main()
