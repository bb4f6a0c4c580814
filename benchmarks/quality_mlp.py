"""Learning quality of the multilayer perceptrons: cosine schedules against
scikit-learn's on real tabular data.

Usage::

    pip install ".[bench]"
    python benchmarks/quality_mlp.py [--quick] [--output-dir benchmarks/results]

Protocol:

* data: the eight data sets of ``quality.py``, loaded, split 60/20/20 (per
  seed) and preprocessed by its ``prepare``; a data set of more than
  ``MAX_ROWS`` rows (ames, Wage, diamonds, credit_data, Default) is first
  subsampled to ``MAX_ROWS`` rows, drawn per seed (stratified for
  classification), to fit the compute budget: at most 2,400 training rows;
* network: ``hidden_layer_sizes=(64, 64)``, relu, ``batch_size=200``,
  ``alpha=1e-4``, the same starting weights for every method of a seed
  (``random_state=seed``);
* budgets of 10, 30 and 100 epochs; every method runs the whole budget
  (skcosine's ``tol=None``; scikit-learn's ``n_iter_no_change=budget``, which
  its no-improvement counter cannot exceed), except ``adaptive``, whose
  nature is to react to a stalled loss: scikit-learn's ``tol=1e-4`` with
  ``n_iter_no_change = max(1, budget // 10)`` (its default of 10 at 100
  epochs, scaled down so that the rate can adapt within the shorter budgets);
  it stops when its rate falls below 1e-6;
* methods: three cosine schedules of ``CosineMLP*`` with Adam, annealed per
  batch (the default) -- alone, with ``warmup_epochs = budget // 10``, and
  with a warm restart: two cycles of ``T_max = budget // 2``, ``T_mult=1``
  (each budget ends a cycle) -- and the plain cosine with SGD (Nesterov
  momentum 0.9), against four of scikit-learn's ``MLP*``: Adam at a constant
  rate, and SGD with Nesterov momentum 0.9 at a constant, ``invscaling`` and
  ``adaptive`` rate;
* equal tuning: each method's ``learning_rate_init`` (for cosine, the peak)
  is chosen on the validation split among 3 values, ``ADAM_RATES`` for Adam,
  ``SGD_RATES`` for SGD; a candidate that fails (diverges) is skipped;
* test metric of the chosen candidate: R^2, or log loss for classification
  (the validation metric too), mean and std over 3 seeds; each cosine method
  is compared seed by seed with the best built-in method (by mean test
  metric) of each data set and budget: a win (loss) is a better (worse) test
  metric in every seed, anything else a tie;
* defaults (``--defaults-only``, a separate run of about a minute):
  ``CosineMLP*(random_state=seed)`` against scikit-learn's
  ``MLP*(random_state=seed)``, every other parameter at its default, on the
  same training splits: test R^2 or accuracy, the epochs run and the fit
  time (one fit each in one process, alternating, seeds 0-2).

Results: ``quality_mlp.csv`` (every number, with the tuned rate of each fit),
``quality_mlp.rst`` (tables for the docs) and ``quality_mlp.png`` (test metric
against budget, one panel per data set); ``--defaults-only`` writes
``quality_mlp_defaults.rst`` and ``.csv``.
"""

import os

# One BLAS thread per process (the runs go side by side): before numpy loads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from quality import (  # noqa: E402
    DATASETS,
    better,
    header,
    metric,
    prepare,
    rst_table,
    tally,
    verdict,
)
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from skcosine import CosineMLPClassifier, CosineMLPRegressor  # noqa: E402

MAX_ROWS = 4000
BUDGETS = (10, 30, 100)
SEEDS = 3
NETWORK = {
    "hidden_layer_sizes": (64, 64),
    "activation": "relu",
    "batch_size": 200,
    "alpha": 1e-4,
}
ADAM_RATES = (1e-3, 3e-3, 1e-2)
SGD_RATES = (1e-3, 1e-2, 1e-1)

SGD = {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True}
COSINE = {
    "cosine": lambda budget: {},
    "cosine + warmup": lambda budget: {"warmup_epochs": budget // 10},
    "cosine + restarts": lambda budget: {"T_max": budget // 2, "T_mult": 1},
    "cosine, sgd": lambda budget: SGD,
}
BUILTIN = {
    "adam constant": lambda budget: {"solver": "adam"},
    "sgd constant": lambda budget: {**SGD, "learning_rate": "constant"},
    "sgd invscaling": lambda budget: {**SGD, "learning_rate": "invscaling"},
    "sgd adaptive": lambda budget: {
        **SGD,
        "learning_rate": "adaptive",
        "tol": 1e-4,
        "n_iter_no_change": max(1, budget // 10),
    },
}
METHODS = {**COSINE, **BUILTIN}


# --- fits ------------------------------------------------------------------------


def candidates(method, task, budget, seed):
    """The tuning candidates of a method (equal effort: 3 rates each)."""
    params = {**NETWORK, "max_iter": budget, "random_state": seed}
    params.update(METHODS[method](budget))
    rates = SGD_RATES if params.get("solver") == "sgd" else ADAM_RATES
    if method in COSINE:
        estimator = CosineMLPRegressor if task == "regression" else CosineMLPClassifier
        return [estimator(learning_rate_init=r, **params) for r in rates]
    estimator = MLPRegressor if task == "regression" else MLPClassifier
    # the whole budget: the no-improvement count cannot exceed it
    params.setdefault("tol", 0.0)
    params.setdefault("n_iter_no_change", budget)
    return [estimator(learning_rate_init=r, **params) for r in rates]


def fit_quietly(model, X, y):
    """Fit, or ``None`` when the fit fails or gives non-finite weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X, y)
        except (ValueError, FloatingPointError):
            return None
    if not all(np.all(np.isfinite(c)) for c in model.coefs_):
        return None
    return model


def safe_metric(task, model, X, y):
    """The metric, or NaN when the predictions are not finite."""
    try:
        return metric(task, model, X, y)
    except ValueError:
        return np.nan


def tune(method, task, arrays, ys, budget, seed):
    """The candidate with the best validation metric (or ``None``), and the
    seconds spent fitting all candidates."""
    best, best_score, seconds = None, None, 0.0
    for model in candidates(method, task, budget, seed):
        start = time.perf_counter()
        fitted = fit_quietly(model, arrays[0], ys[0])
        seconds += time.perf_counter() - start
        if fitted is None:
            continue
        score = safe_metric(task, model, arrays[1], ys[1])
        if np.isfinite(score) and (best is None or better(task, score, best_score)):
            best, best_score = model, score
    return best, seconds


def run(name, seed, budgets):
    """The rows of the tuned methods on one data set and seed."""
    task, arrays, ys = prepare(name, seed, max_rows=MAX_ROWS)
    base = {
        "dataset": name,
        "task": task,
        "seed": seed,
        "n_train": arrays[0].shape[0],
        "n_features": arrays[0].shape[1],
    }
    rows = []
    for budget in budgets:
        for method in METHODS:
            model, seconds = tune(method, task, arrays, ys, budget, seed)
            rows.append(
                {
                    **base,
                    "method": method,
                    "budget": budget,
                    "test": np.nan
                    if model is None
                    else safe_metric(task, model, arrays[2], ys[2]),
                    "accuracy": np.nan
                    if model is None or task == "regression"
                    else accuracy_score(ys[2], model.predict(arrays[2])),
                    "rate": np.nan if model is None else model.learning_rate_init,
                    "epochs": np.nan if model is None else model.n_iter_,
                    "seconds": seconds,
                }
            )
    return rows


def defaults(task, seed):
    """Both packages' estimators with their defaults (the seed fixed)."""
    if task == "regression":
        return {
            "skcosine defaults": CosineMLPRegressor(random_state=seed),
            "scikit-learn defaults": MLPRegressor(random_state=seed),
        }
    return {
        "skcosine defaults": CosineMLPClassifier(random_state=seed),
        "scikit-learn defaults": MLPClassifier(random_state=seed),
    }


def run_defaults(name, seed):
    """One timed fit of each default estimator on one data set and seed, in
    alternating order (which goes first alternates with the seed)."""
    task, arrays, ys = prepare(name, seed, max_rows=MAX_ROWS)
    base = {
        "dataset": name,
        "task": task,
        "seed": seed,
        "n_train": arrays[0].shape[0],
        "n_features": arrays[0].shape[1],
    }
    models = list(defaults(task, seed).items())
    if seed % 2:
        models.reverse()
    rows = []
    for label, model in models:
        start = time.perf_counter()
        fitted = fit_quietly(model, arrays[0], ys[0])
        seconds = time.perf_counter() - start
        rows.append(
            {
                **base,
                "method": label,
                "budget": "defaults",
                "test": np.nan if fitted is None else model.score(arrays[2], ys[2]),
                "epochs": np.nan if fitted is None else model.n_iter_,
                "seconds": seconds,
            }
        )
    return rows


# --- report ----------------------------------------------------------------------


def mean_std(values):
    return f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"


def comparisons(grid):
    """Each cosine method against the best built-in method of each data set
    and budget (by mean test metric), seed by seed."""
    rows = []
    for (dataset, budget), group in grid.groupby(["dataset", "budget"]):
        scores = group.pivot(index="seed", columns="method", values="test")
        if group["task"].iloc[0] != "regression":
            scores = -scores  # higher is better
        scores = scores.fillna(-np.inf)
        builtin = scores[list(BUILTIN)].mean().idxmax()
        for method in COSINE:
            wins = (scores[method] > scores[builtin]).sum()
            rows.append(
                {
                    "dataset": dataset,
                    "budget": budget,
                    "method": method,
                    "builtin": builtin,
                    "better": f"{wins}/{len(scores)}",
                    "result": verdict(scores[method], scores[builtin]),
                }
            )
    return pd.DataFrame(rows)


def same_optimizer(grid):
    """Each cosine method against scikit-learn's constant rate of the same
    optimizer (Adam, or SGD for "cosine, sgd"), seed by seed."""
    rows = []
    for (dataset, budget), group in grid.groupby(["dataset", "budget"]):
        scores = group.pivot(index="seed", columns="method", values="test")
        if group["task"].iloc[0] != "regression":
            scores = -scores  # higher is better
        scores = scores.fillna(-np.inf)
        for method in COSINE:
            rival = "sgd constant" if method == "cosine, sgd" else "adam constant"
            rows.append(
                {
                    "dataset": dataset,
                    "budget": budget,
                    "method": f"{method} (against {rival})",
                    "result": verdict(scores[method], scores[rival]),
                }
            )
    return pd.DataFrame(rows)


def tally_table(comps, grid):
    table = comps.pivot_table(
        index="method", columns="budget", values="result", aggfunc=tally
    ).reindex(list(COSINE))
    table.index = [f"{m} (against the best built-in)" for m in table.index]
    same = same_optimizer(grid)
    order = list(dict.fromkeys(same["method"]))
    same = same.pivot_table(
        index="method", columns="budget", values="result", aggfunc=tally
    ).reindex(order)
    table = pd.concat([table, same])
    table.columns = [f"{b} epochs" for b in table.columns]
    table.index.name = "method"
    return rst_table(
        table.reset_index(),
        "Each cosine method against the best tuned built-in method of each "
        "data set and budget, and against the constant rate of its own "
        "optimizer: data sets won / tied / lost (a win or loss needs every seed)",
    )


def budget_table(grid, comps, budget, names):
    """Test metric of every method at one budget, by data set."""
    rows = []
    for dataset in names:
        frame = grid[(grid["dataset"] == dataset) & (grid["budget"] == budget)]
        if frame.empty:
            continue
        task = frame["task"].iloc[0]
        row = {"dataset": f"{dataset} ({'R²' if task == 'regression' else 'log loss'})"}
        for method in METHODS:
            row[method] = mean_std(frame[frame["method"] == method]["test"])
        here = comps[(comps["dataset"] == dataset) & (comps["budget"] == budget)]
        here = here.set_index("method")
        row["cosine vs best built-in"] = ", ".join(
            f"{here.loc[m, 'result']} ({here.loc[m, 'better']})" for m in COSINE
        )
        rows.append(row)
    return rst_table(
        pd.DataFrame(rows),
        f"{budget} epochs: test R² (higher is better) or log loss (lower is "
        "better), mean ± std over seeds; last column: each cosine method "
        "(in column order) against the best built-in, seeds better",
    )


def rates_table(grid):
    """How often each tuned rate was chosen, by method."""
    counts = grid.groupby("method")["rate"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(list(METHODS)).fillna(0).astype(int)
    counts.columns = [f"{c:g}" for c in counts.columns]
    return rst_table(
        counts.reset_index(),
        "Tuned learning_rate_init: how many (data set, budget, seed) fits chose "
        "each value",
    )


def defaults_table(frame, names):
    rows = []
    totals = {}
    for dataset in names:
        part = frame[frame["dataset"] == dataset]
        if part.empty:
            continue
        row = {"dataset": dataset, "n_train": int(part["n_train"].iloc[0])}
        for label in ("skcosine defaults", "scikit-learn defaults"):
            mine = part[part["method"] == label]
            row[f"{label} test"] = mean_std(mine["test"])
            row[f"{label} epochs"] = f"{mine['epochs'].mean():.0f}"
            row[f"{label} seconds"] = f"{mine['seconds'].sum():.2f}"
            totals[label] = totals.get(label, 0.0) + mine["seconds"].sum()
        ours = part[part["method"] == "skcosine defaults"]["test"].mean()
        theirs = part[part["method"] == "scikit-learn defaults"]["test"].mean()
        row["difference"] = f"{ours - theirs:+.4f}"
        rows.append(row)
    table = pd.DataFrame(rows)
    total = {column: "" for column in table.columns}
    total["dataset"] = "total seconds"
    for label, seconds in totals.items():
        total[f"{label} seconds"] = f"{seconds:.2f}"
    table = pd.concat([table, pd.DataFrame([total])])
    return rst_table(
        table,
        "Out of the box: CosineMLP*(random_state=seed) against scikit-learn's "
        "MLP*(random_state=seed), every other parameter at its default: test "
        "R² (regression) or accuracy (mean ± std over seeds), mean epochs, and "
        "fit seconds summed over the seeds (one fit each, alternating)",
    )


def plot(grid, names, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in names if n in set(grid["dataset"])]
    columns = 4
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.0 * rows))
    axes = np.atleast_1d(axes).ravel()
    positions = np.arange(len(BUDGETS))
    offsets = np.linspace(-0.2, 0.2, len(METHODS))
    for ax, dataset in zip(axes, names):
        frame = grid[grid["dataset"] == dataset]
        task = frame["task"].iloc[0]
        for offset, method in zip(offsets, METHODS):
            stats = frame[frame["method"] == method].groupby("budget")["test"]
            stats = stats.agg(["mean", "std"]).reindex(BUDGETS).dropna(how="all")
            cosine = method in COSINE
            ax.errorbar(
                positions[: len(stats)] + offset,
                stats["mean"],
                yerr=stats["std"],
                marker="o" if cosine else "s",
                markersize=3,
                capsize=2,
                linewidth=2.0 if cosine else 1.0,
                linestyle="-" if cosine else "--",
                label=method,
            )
        ax.set_xticks(positions, [str(b) for b in BUDGETS])
        ax.set_title(
            f"{dataset}: test {'R²' if task == 'regression' else 'log loss'}",
            fontsize=9,
        )
        ax.tick_params(labelsize=7)
        if task == "regression":
            low = frame["test"].quantile(0.1)
            ax.set_ylim(bottom=max(low - 0.05, frame["test"].min() - 0.05))
        else:
            ax.set_ylim(top=min(frame["test"].quantile(0.9) * 1.1, frame["test"].max()))
    for ax in axes[len(names) :]:
        ax.axis("off")
    for ax in axes[: len(names)]:
        ax.set_xlabel("budget (epochs)", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(METHODS), fontsize=8)
    fig.suptitle(
        "(64, 64) relu network, tuned learning rate, mean ± std over seeds "
        "(R²: higher is better; log loss: lower is better)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(os.path.join(out_dir, "quality_mlp.png"), dpi=100)
    plt.close(fig)


def report_defaults(results, names, out_dir, command, elapsed):
    lines = [header(results, command, elapsed), defaults_table(results, names)]
    path = os.path.join(out_dir, "quality_mlp_defaults.rst")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    results.to_csv(os.path.join(out_dir, "quality_mlp_defaults.csv"), index=False)
    print("\n".join(lines))


def report(results, names, out_dir, command, elapsed):
    grid = results.copy()
    grid["budget"] = grid["budget"].astype(int)
    comps = comparisons(grid)
    lines = [header(results, command, elapsed), tally_table(comps, grid)]
    for budget in sorted(grid["budget"].unique()):
        lines.append(budget_table(grid, comps, budget, names))
    lines.append(rates_table(grid))
    with open(os.path.join(out_dir, "quality_mlp.rst"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    results.to_csv(os.path.join(out_dir, "quality_mlp.csv"), index=False)
    plot(grid, names, out_dir)
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 small data sets, 1 seed, 10 epochs"
    )
    parser.add_argument("--output-dir", default="benchmarks/results")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--defaults-only",
        action="store_true",
        help="only the out-of-the-box comparison (about a minute)",
    )
    parser.add_argument(
        "--report-only",
        metavar="COMMAND",
        help="rewrite the report from quality_mlp.csv, crediting COMMAND",
    )
    parser.add_argument(
        "--minutes", type=float, default=0.0, help="the run's time (--report-only)"
    )
    args = parser.parse_args(argv)
    names = ["diabetes", "breast_cancer"] if args.quick else list(DATASETS)
    seeds = range(1 if args.quick else SEEDS)
    budgets = BUDGETS[:1] if args.quick else BUDGETS
    start = time.perf_counter()
    os.makedirs(args.output_dir, exist_ok=True)
    if args.report_only:
        results = pd.read_csv(os.path.join(args.output_dir, "quality_mlp.csv"))
        report(results, names, args.output_dir, args.report_only, 60 * args.minutes)
        return
    if args.defaults_only:
        # one process: the fit times are compared
        batches = [run_defaults(name, seed) for name in names for seed in seeds]
        results = pd.DataFrame([row for batch in batches for row in batch])
        command = "python benchmarks/quality_mlp.py --defaults-only" + (
            " --quick" * args.quick
        )
        elapsed = time.perf_counter() - start
        report_defaults(results, names, args.output_dir, command, elapsed)
        return
    batches = Parallel(n_jobs=args.n_jobs)(
        delayed(run)(name, seed, budgets) for name in names for seed in seeds
    )
    results = pd.DataFrame([row for batch in batches for row in batch])
    command = "python benchmarks/quality_mlp.py" + " --quick" * args.quick
    report(results, names, args.output_dir, command, time.perf_counter() - start)


if __name__ == "__main__":
    main()
