"""The grid search: skcosine's CV estimators against GridSearchCV.

Usage::

    python benchmarks/search.py [--quick] [--output benchmarks/results/search.rst]

For every case, ``CosineSGDRegressorCV`` (or ``CosineSGDClassifierCV``) and
``GridSearchCV(CosineSGDRegressor(...), grid, n_jobs=1)`` search the same grid
(3 ``eta0`` x 3 ``lr_min``, ``alpha=1e-4``), on the same 5 folds, for 50 epochs
per fit, with ``random_state=0``; both refit the best candidate. After one
warm-up search of each, the timed searches alternate in one process (ours,
theirs, ours, ...) and the medians are compared. Each pair also checks that
the two searches agree (mean test scores to 1e-9, the same best candidate).

Where the time goes is read from the searches themselves: ``cv_results_``'s
fit and score times (for the CV estimator, each fold's shared pass divided
among its candidates) and ``refit_time_``; the rest is the search's own
overhead (validation, splitting, cloning, bookkeeping).

The script is a report, not a test: it prints which targets are missed but
always exits with status 0.
"""

import argparse
import datetime
import os
import platform
import shlex
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np
import sklearn
from rst import list_table
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

import skcosine
from skcosine import (
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)

ETA0S = [0.002, 0.005, 0.01]
LR_MINS = [0.0, 1e-4, 5e-4]
ALPHA = 1e-4
EPOCHS = 50
FOLDS = 5
TIME_BUDGET = 40.0
"""Seconds of timed searches per case (both sides); sets the number of pairs."""
MAX_PAIRS = 15


@dataclass(frozen=True)
class Case:
    name: str
    n_samples: int
    n_features: int
    n_classes: int  # 0 for a regression
    target: float  # least speed-up (reference time / ours)
    stretch: float


CASES = [
    Case("regressor, dense 2,000 x 20", 2_000, 20, 0, 3.0, 5.0),
    Case("regressor, dense 50,000 x 50", 50_000, 50, 0, 2.0, 3.0),
    Case("classifier, 3 classes, dense 5,000 x 20", 5_000, 20, 3, 2.0, 3.0),
]


def make_data(case, quick):
    n = min(case.n_samples, 600) if quick else case.n_samples
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n, case.n_features))
    scores = X @ rng.standard_normal((case.n_features, max(case.n_classes, 1)))
    if case.n_classes:
        return X, np.argmax(scores + rng.standard_normal(scores.shape), axis=1)
    return X, scores[:, 0] + rng.standard_normal(n)


def searches(case):
    """The two searches of a case, as functions of ``(X, y)``."""
    common = {"max_iter": EPOCHS, "random_state": 0}
    if case.n_classes:
        cv_class, plain_class = CosineSGDClassifierCV, CosineSGDClassifier
        cv = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    else:
        cv_class, plain_class = CosineSGDRegressorCV, CosineSGDRegressor
        cv = KFold(FOLDS, shuffle=True, random_state=0)

    def ours(X, y):
        search = cv_class(eta0s=ETA0S, lr_mins=LR_MINS, alphas=[ALPHA], cv=cv, **common)
        return search.fit(X, y)

    def reference(X, y):
        grid = {"eta0": ETA0S, "lr_min": LR_MINS}
        search = GridSearchCV(plain_class(alpha=ALPHA, **common), grid, cv=cv)
        return search.fit(X, y)

    return ours, reference


def timed(search, X, y):
    start = time.perf_counter()
    fitted = search(X, y)
    return time.perf_counter() - start, fitted


def breakdown(fitted, total):
    """Seconds spent fitting, scoring, refitting, and elsewhere."""
    results = fitted.cv_results_
    n_splits = fitted.n_splits_
    fit = float(np.sum(results["mean_fit_time"]) * n_splits)
    score = float(np.sum(results["mean_score_time"]) * n_splits)
    refit = float(fitted.refit_time_)
    return {
        "fit": fit,
        "score": score,
        "refit": refit,
        "other": total - fit - score - refit,
    }


def agree(ours, reference):
    difference = np.max(
        np.abs(
            ours.cv_results_["mean_test_score"]
            - reference.cv_results_["mean_test_score"]
        )
    )
    best = {k: ours.best_params_[k] for k in reference.best_params_}
    return difference <= 1e-9 and best == reference.best_params_, difference


def measure(case, quick):
    X, y = make_data(case, quick)
    ours, reference = searches(case)
    warm_ours, _ = timed(ours, X, y)
    warm_reference, _ = timed(reference, X, y)
    pairs = (
        1
        if quick
        else max(3, min(MAX_PAIRS, int(TIME_BUDGET / (warm_ours + warm_reference))))
    )
    times = {"ours": [], "reference": []}
    parts = {"ours": [], "reference": []}
    worst = 0.0
    same = True
    for _ in range(pairs):
        seconds, fitted_ours = timed(ours, X, y)
        times["ours"].append(seconds)
        parts["ours"].append(breakdown(fitted_ours, seconds))
        seconds, fitted_reference = timed(reference, X, y)
        times["reference"].append(seconds)
        parts["reference"].append(breakdown(fitted_reference, seconds))
        ok, difference = agree(fitted_ours, fitted_reference)
        same, worst = same and ok, max(worst, difference)
    median = {side: statistics.median(values) for side, values in times.items()}
    where = {
        side: {
            key: statistics.median(p[key] for p in parts[side])
            for key in parts[side][0]
        }
        for side in parts
    }
    return {
        "case": case,
        "shape": X.shape,
        "pairs": pairs,
        "ours": median["ours"],
        "reference": median["reference"],
        "speedup": median["reference"] / median["ours"],
        "where": where,
        "same": same,
        "difference": worst,
    }


def environment():
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        f"Measured on {now:%Y-%m-%d %H:%M} UTC "
        f"with Python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skcosine {skcosine.__version__}, on a "
        f"machine with {os.cpu_count()} CPU cores (1-minute load average "
        f"{load:.2f} at start), by ``python {shlex.join(sys.argv)}``. Grid: "
        f"{len(ETA0S)} eta0 x {len(LR_MINS)} lr_min, {FOLDS} folds, {EPOCHS} epochs "
        "per fit, refit included; times are medians of alternating searches in one "
        "process."
    )


def verdict(row):
    case = row["case"]
    if row["speedup"] >= case.stretch:
        return "PASS (stretch met)"
    return "PASS" if row["speedup"] >= case.target else "MISSED"


def target_text(row):
    case = row["case"]
    return f">= {case.target:g}x (stretch {case.stretch:g}x) {verdict(row)}"


def where_text(where):
    return ", ".join(f"{key} {value:.3f}" for key, value in where.items())


def rows_of(results):
    return [
        [
            row["case"].name,
            f"{row['ours']:.3f}",
            f"{row['reference']:.3f}",
            f"{row['speedup']:.2f}x",
            target_text(row),
            where_text(row["where"]["ours"]),
            where_text(row["where"]["reference"]),
            f"{'yes' if row['same'] else 'NO'} "
            f"(largest difference {row['difference']:.1e})",
        ]
        for row in results
    ]


HEADER = [
    "Case",
    "CosineSGD*CV (s)",
    "GridSearchCV (s)",
    "Speed-up",
    "Target",
    "Where the CV estimator's time goes (s)",
    "Where GridSearchCV's time goes (s)",
    "Same scores and best candidate",
]


def rst(info, results):
    return "\n".join([info, "", *list_table([HEADER, *rows_of(results)])]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data, one pair")
    parser.add_argument("--output", help="also write the report (reStructuredText)")
    args = parser.parse_args(argv)
    info = environment()
    results = [measure(case, args.quick) for case in CASES]
    print(info, "\n")
    for row in rows_of(results):
        for name, cell in zip(HEADER, row):
            print(f"{name:<40} {cell}")
        print()
    missed = [row["case"].name for row in results if verdict(row) == "MISSED"]
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(rst(info, results))


if __name__ == "__main__":
    main()
