"""Demo: cosine-annealed SGD against scikit-learn's on the diabetes data.

Run it with ``python -m skcosine`` (``--help`` for the options). On the
diabetes data bundled with scikit-learn, behind a ``StandardScaler``, with the
same cross-validation folds for every model, it

1. searches ``lr_min`` x ``T_max`` with :class:`~skcosine.CosineSGDRegressorCV`
   (everything else at its default: ``eta0='auto'``, ``max_iter='auto'``)
   and prints
   the mean test R^2 and its spread over the folds, candidate by candidate;
2. compares, fold by fold, scikit-learn's ``SGDRegressor()`` with its
   defaults, ``CosineSGDRegressor()`` with its defaults, the best candidate of
   the search, and the exact minimizer of the same penalized least squares
   (``Ridge`` with ``alpha = 1e-4 x n_samples``), with fit times;
3. says what to take away from the numbers.
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge, SGDRegressor
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor, CosineSGDRegressorCV

LR_MINS = [0.0, 1e-4, 1e-3]
T_MAXS = [25, 50, None]
ALPHA = 1e-4  # the default penalty of both SGD estimators


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skcosine",
        description=(
            "Cross-validate cosine-annealed SGD (skcosine) against scikit-learn's "
            "SGDRegressor and the exact least-squares solution on the diabetes "
            "data bundled with scikit-learn, and search lr_min x T_max with "
            "CosineSGDRegressorCV. Runs in about two seconds, on one core."
        ),
    )
    parser.add_argument(
        "--folds", type=_folds, default=5, help="number of folds, >= 2 (default: 5)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random_state of the folds and of the SGD models (default: 0)",
    )
    return parser.parse_args(argv)


def _folds(text):
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"at least 2 folds are needed, got {value}")
    return value


def search_table(search):
    """Mean test R^2 (+- std over the folds) of every candidate: rows lr_min,
    columns T_max."""
    results = search.cv_results_
    rows = pd.DataFrame(
        {
            "lr_min": [p["lr_min"] for p in results["params"]],
            "T_max": [str(p["T_max"]) for p in results["params"]],
            "R2": [
                f"{mean:.4f} +- {std:.4f}"
                for mean, std in zip(
                    results["mean_test_score"], results["std_test_score"]
                )
            ],
        }
    )
    table = rows.pivot(index="lr_min", columns="T_max", values="R2")
    return table[[str(t) for t in T_MAXS]]


def models(best, n_train, seed):
    """The compared models, each behind a StandardScaler."""
    return {
        "scikit-learn SGDRegressor(), defaults": SGDRegressor(random_state=seed),
        "skcosine CosineSGDRegressor(), defaults": CosineSGDRegressor(
            random_state=seed
        ),
        "skcosine best candidate of the search": CosineSGDRegressor(
            random_state=seed, **best
        ),
        "exact minimizer, Ridge(alpha=1e-4 x n)": Ridge(alpha=ALPHA * n_train),
    }


def compare(X, y, cv, best, seed):
    """Test R^2 and fit time of every model, fold by fold."""
    n_train = len(y) * (cv.get_n_splits() - 1) // cv.get_n_splits()
    rows = {}
    for name, model in models(best, n_train, seed).items():
        scores = cross_validate(make_pipeline(StandardScaler(), model), X, y, cv=cv)
        rows[name] = {
            "mean R2": scores["test_score"].mean(),
            "std over folds": scores["test_score"].std(),
            "fit ms (median)": 1000 * np.median(scores["fit_time"]),
        }
    return pd.DataFrame(rows).T


def takeaways(table, folds):
    """What the numbers say, in sentences computed from them."""
    sgd, cosine, best, exact = table["mean R2"].to_numpy()
    spread = table["std over folds"].mean()
    times = table["fit ms (median)"].to_numpy()
    return [
        f"- With its defaults, cosine SGD scores {cosine - exact:+.4f} R^2 against "
        "the exact solution of the same objective, scikit-learn's default SGD "
        f"{sgd - exact:+.4f}.",
        f"- The differences between the models are small next to the spread of the "
        f"score between folds ({spread:.3f}): on this small data set every model "
        "here predicts about as well; what cosine annealing buys is reaching the "
        "exact solution's score without tuning the learning rate.",
        f"- The search moved the score by {best - cosine:+.4f}: the defaults "
        "(eta0='auto', a full cycle down to lr_min=0) leave little to tune here.",
        f"- Fit times per fold: {times[0]:.1f} ms (scikit-learn, which stops after "
        f"a few epochs), {times[1]:.1f} ms (skcosine, max_iter='auto'); the "
        f"{len(T_MAXS) * len(LR_MINS)} x {folds} fits of the search ran in one "
        "pass per fold.",
    ]


def main(argv=None):
    args = parse_args(argv)
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    cv = KFold(args.folds, shuffle=True, random_state=args.seed)
    print(
        f"skcosine demo: diabetes data ({X.shape[0]} rows x {X.shape[1]} "
        f"features), {args.folds}-fold cross-validation, StandardScaler first.\n"
    )
    search = CosineSGDRegressorCV(
        lr_mins=LR_MINS, T_maxs=T_MAXS, alphas=[ALPHA], cv=cv, random_state=args.seed
    )
    start = time.perf_counter()
    pipe = make_pipeline(StandardScaler(), search).fit(X, y)
    elapsed = time.perf_counter() - start
    print(
        "1. CosineSGDRegressorCV: mean test R^2 +- std over the folds "
        "(rows: lr_min, columns: T_max; None = the whole budget, max_iter='auto')"
    )
    print(search_table(pipe[-1]).to_string())
    best = {k: v for k, v in search.best_params_.items() if k in ("lr_min", "T_max")}
    print(
        f"   best: {best}, {len(search.cv_results_['params'])} candidates x "
        f"{args.folds} folds in {elapsed:.2f} s\n"
    )
    table = compare(X, y, cv, best, args.seed)
    print("2. The same folds, fold by fold:")
    with pd.option_context("display.float_format", "{:.4f}".format):
        print(table.to_string())
    print("\n3. What to take away")
    print("\n".join(takeaways(table, args.folds)))


if __name__ == "__main__":
    main()
