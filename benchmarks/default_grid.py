"""Which default grid for the CV estimators? Test scores of candidate grids.

Usage::

    pip install ".[bench]"
    python benchmarks/default_grid.py [--quick] \
        [--output benchmarks/results/default_grid.rst]

On the data sets of ``benchmarks/quality.py`` (same splits and preprocessing:
60% train, 20% validation, 20% test, per seed), each candidate default grid
runs ``CosineSGDRegressorCV`` / ``CosineSGDClassifierCV`` with its other
parameters at their defaults (``eta0='auto'``, ``max_iter=100``, 5 folds) on
the training and validation rows together, and the refitted model is scored
on the test rows (R^2, or accuracy with the default hinge loss). The plain
estimator with its defaults (``alpha=1e-4``, no search) is the baseline. The
report gives, per grid, the mean test score over the seeds of every data set,
its mean gain over the baseline, and the search time.
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from quality import DATASETS, prepare
from rst import list_table

from skcosine import (
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)

GRIDS = {
    "no search (alpha=1e-4)": None,
    "alphas 1e-6 .. 1e-3 (4)": {"alphas": (1e-6, 1e-5, 1e-4, 1e-3)},
    "alphas 1e-7 .. 1e-2 (6)": {"alphas": (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2)},
    "alphas 1e-6 .. 1e-3 x T_max 50, None (8)": {
        "alphas": (1e-6, 1e-5, 1e-4, 1e-3),
        "T_maxs": (50, None),
    },
    "alphas 1e-6 .. 1e-3 x lr_min 0, 1e-4 (8)": {
        "alphas": (1e-6, 1e-5, 1e-4, 1e-3),
        "lr_mins": (0.0, 1e-4),
    },
}


def model(task, grid, seed):
    if grid is None:
        plain = CosineSGDRegressor if task == "regression" else CosineSGDClassifier
        return plain(random_state=seed)
    search = CosineSGDRegressorCV if task == "regression" else CosineSGDClassifierCV
    return search(**grid, random_state=seed)


def run(name, seed):
    task, (X_train, X_val, X_test), (y_train, y_val, y_test) = prepare(name, seed)
    X = np.vstack([X_train, X_val])
    y = np.concatenate([y_train, y_val])
    rows = []
    for label, grid in GRIDS.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = model(task, grid, seed).fit(X, y)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "data": name,
                "seed": seed,
                "grid": label,
                "score": fitted.score(X_test, y_test),
                "seconds": seconds,
            }
        )
    return rows


def report(frame):
    baseline = frame[frame["grid"] == next(iter(GRIDS))].set_index(["data", "seed"])
    frame = frame.join(baseline["score"].rename("baseline"), on=["data", "seed"])
    frame["gain"] = frame["score"] - frame["baseline"]
    scores = frame.pivot_table(index="grid", columns="data", values="score")
    summary = frame.groupby("grid").agg(
        mean_gain=("gain", "mean"),
        worst_gain=("gain", "min"),
        seconds=("seconds", "mean"),
    )
    return scores.join(summary).loc[list(GRIDS)]


def rst(table):
    rows = [["grid", *table.columns]]
    for grid, values in table.iterrows():
        cells = [
            f"{value:.4f}" if abs(value) < 100 else f"{value:.0f}" for value in values
        ]
        rows.append([grid, *cells])
    return "\n".join(list_table(rows)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 data sets, 1 seed")
    parser.add_argument("--output", help="also write the table (reStructuredText)")
    args = parser.parse_args(argv)
    names = ["diabetes", "breast_cancer"] if args.quick else list(DATASETS)
    seeds = [0] if args.quick else [0, 1, 2]
    rows = [row for name in names for seed in seeds for row in run(name, seed)]
    table = report(pd.DataFrame(rows))
    with pd.option_context(
        "display.width", 200, "display.float_format", "{:.4f}".format
    ):
        print(table.to_string())
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(rst(table))


if __name__ == "__main__":
    main()
