"""Speed and memory of skcosine's SGD estimators against scikit-learn's.

Usage::

    python benchmarks/speed.py [--quick] [--output benchmarks/results/speed.rst]

For every case, skcosine's estimator (cosine schedule from ``eta0=0.01``,
``tol=None``) and scikit-learn's (``learning_rate="constant"``, ``eta0=0.01``,
``tol=None``) fit the same data for the same number of epochs. After one
warm-up fit of each, the timed fits alternate in one process (ours, theirs,
ours, theirs, ...) and the medians are compared. Peak memory is measured by
``tracemalloc`` in separate, untimed fits. A ``GridSearchCV`` of skcosine is
timed with ``n_jobs=1`` and ``n_jobs=2``.

The script is a report, not a test: it prints which targets are missed but
always exits with status 0.
"""

import argparse
import datetime
import gc
import os
import platform
import shlex
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skcosine
from skcosine import CosineSGDClassifier, CosineSGDRegressor, _sklearn_compat

MIB = 2**20
ETA0 = 0.01
"""Initial learning rate of both sides, explicit so that a change of skcosine's
default (``eta0='auto'`` computes it from the data) cannot change the work."""
TIME_BUDGET = 12.0
"""Seconds of timed fits per case (both estimators); sets the number of pairs."""
MAX_PAIRS = 500
MEMORY_TOLERANCE = 0.10
"""Peak memory of ours may exceed theirs by at most this fraction of X's size."""
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass(frozen=True)
class Case:
    """One comparison: data shape, epochs and the targets of the time ratio."""

    classifier: bool
    n_samples: int
    n_features: int
    epochs: int
    target: float
    stretch: float | None = None
    density: float | None = None  # None: dense; otherwise a sparse CSR matrix
    min_pairs: int = 7

    @property
    def name(self):
        """A label such as "regressor dense 2,000 x 20, 100 epochs"."""
        model = "classifier 5 classes (OvA)" if self.classifier else "regressor"
        shape = f"{self.n_samples:,} x {self.n_features:,}"
        if self.density is not None:
            shape = f"sparse CSR {shape} at {self.density:.0%} density"
        elif not self.classifier:  # dense is said of regressors only
            shape = f"dense {shape}"
        return f"{model} {shape}, {self.epochs} epochs"


CASES = (
    Case(
        classifier=False,
        n_samples=100_000,
        n_features=50,
        epochs=10,
        target=1.05,
        min_pairs=5,
    ),
    Case(
        classifier=False,
        n_samples=2_000,
        n_features=20,
        epochs=100,
        target=1.25,
        stretch=1.10,
    ),
    Case(
        classifier=True,
        n_samples=5_000,
        n_features=20,
        epochs=50,
        target=1.25,
    ),
    Case(
        classifier=False,
        n_samples=50_000,
        n_features=1_000,
        epochs=10,
        target=1.10,
        density=0.01,
        min_pairs=5,
    ),
)

GRID = {
    "cosinesgdregressor__lr_min": [0, 1e-4, 1e-3, 5e-3],
    "cosinesgdregressor__T_max": [5, 10, 20, None],
}


def quick_case(case):
    """A tiny version of ``case`` for a smoke run (same targets, 1 pair)."""
    return Case(
        classifier=case.classifier,
        n_samples=min(case.n_samples, 1_000),
        n_features=min(case.n_features, 50),
        epochs=min(case.epochs, 5),
        target=case.target,
        stretch=case.stretch,
        density=None if case.density is None else 0.05,
        min_pairs=1,
    )


def make_data(case):
    """Synthetic data: standard normal (or sparse uniform) features, linear target."""
    rng = np.random.RandomState(0)
    shape = (case.n_samples, case.n_features)
    if case.density is None:
        X = rng.standard_normal(shape)
    else:
        X = sp.random(
            *shape,
            density=case.density,
            format="csr",
            dtype=np.float64,
            random_state=0,
        )
    if case.classifier:
        y = np.argmax(X @ rng.standard_normal((case.n_features, 5)), axis=1)
    else:
        y = X @ rng.standard_normal(case.n_features)
        y += 0.1 * rng.standard_normal(case.n_samples)
    return X, y


def make_estimators(case):
    """Factories of ours and theirs, configured for the same epochs."""
    if case.classifier:
        ours, theirs = CosineSGDClassifier, SGDClassifier
    else:
        ours, theirs = CosineSGDRegressor, SGDRegressor

    def make_ours():
        return ours(eta0=ETA0, max_iter=case.epochs, random_state=0)

    def make_theirs():
        return theirs(
            learning_rate="constant",
            eta0=ETA0,
            max_iter=case.epochs,
            tol=None,
            random_state=0,
        )

    return make_ours, make_theirs


def data_size(X):
    """Bytes of ``X``: its array, or the three arrays of a CSR matrix."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def fit_time(make, X, y):
    """Seconds of one ``fit`` of a fresh estimator, after a garbage collection."""
    estimator = make()
    gc.collect()
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def peak_memory(make, X, y):
    """Peak bytes traced by ``tracemalloc`` during one ``fit``."""
    estimator = make()
    gc.collect()
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def alternate(makers, X, y, pairs):
    """Time ``pairs`` rounds of the makers in turn; one list of times per maker."""
    times = [[] for _ in makers]
    for _ in range(pairs):
        for make, record in zip(makers, times):
            record.append(fit_time(make, X, y))
    return times


def number_of_pairs(case, warmup_seconds, quick):
    """Pairs that fit in the time budget, at least ``case.min_pairs``."""
    if quick:
        return 1
    affordable = int(TIME_BUDGET / max(warmup_seconds, 1e-9))
    return max(case.min_pairs, min(MAX_PAIRS, affordable))


def quartiles(values):
    """First and third quartiles of ``values`` (both the value if only one)."""
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


def measure_case(case, quick):
    """Time and memory of ours and theirs on one case, as a result row."""
    X, y = make_data(case)
    makers = make_estimators(case)
    warmup = sum(fit_time(make, X, y) for make in makers)
    pairs = number_of_pairs(case, warmup, quick)
    ours, theirs = alternate(makers, X, y, pairs)
    peak_ours, peak_theirs = (peak_memory(make, X, y) for make in makers)
    size = data_size(X)
    median_ours, median_theirs = statistics.median(ours), statistics.median(theirs)
    ratio = median_ours / median_theirs
    return {
        "case": case,
        "pairs": pairs,
        "ours": median_ours,
        "theirs": median_theirs,
        "ratio": ratio,
        "pair_ratios": quartiles([a / b for a, b in zip(ours, theirs)]),
        "overhead_us": (median_ours - median_theirs) / case.epochs * 1e6,
        "peak_ours": peak_ours / MIB,
        "peak_theirs": peak_theirs / MIB,
        "size": size / MIB,
        "time_ok": ratio <= case.target,
        "stretch_ok": case.stretch is None or ratio <= case.stretch,
        "memory_ok": peak_ours <= peak_theirs + MEMORY_TOLERANCE * size,
    }


def measure_grid_search(quick):
    """Median seconds of the same grid search with ``n_jobs=1`` and ``n_jobs=2``."""
    n_samples = 1_000 if quick else 20_000
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n_samples, 20))
    y = X @ rng.standard_normal(20) + 0.1 * rng.standard_normal(n_samples)

    def maker(n_jobs):
        def make():
            pipeline = make_pipeline(
                StandardScaler(), CosineSGDRegressor(max_iter=20, random_state=0)
            )
            return GridSearchCV(pipeline, GRID, cv=3, n_jobs=n_jobs)

        return make

    makers = (maker(1), maker(2))
    for make in makers:  # warm-up, which also starts the worker processes
        fit_time(make, X, y)
    pairs = 1 if quick else 7
    serial, parallel = (statistics.median(t) for t in alternate(makers, X, y, pairs))
    return {
        "n_samples": n_samples,
        "pairs": pairs,
        "serial": serial,
        "parallel": parallel,
        "speedup": serial / parallel,
    }


def load_average():
    """The 1-minute load average, or "n/a" where the platform has none."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "n/a"


def environment():
    """Date, versions, machine, command and engine, as (label, value) pairs."""
    now = datetime.datetime.now(datetime.timezone.utc)
    versions = (
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"skcosine {skcosine.__version__}"
    )
    blas = ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in BLAS_VARIABLES)
    return {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "versions": versions,
        "cpu_count": str(os.cpu_count()),
        "command": shlex.join(["python", *sys.argv]),
        "engine": "native" if _sklearn_compat.NATIVE else "public (partial_fit)",
        "blas": blas,
        "load": f"{load_average()} at start",  # 1-minute load average
    }


def verdict(ok):
    return "PASS" if ok else "FAIL"


def target_cell(row):
    case = row["case"]
    text = f"<= {case.target:.2f} {verdict(row['time_ok'])}"
    if case.stretch is not None:
        text += f"; stretch <= {case.stretch:.2f} {verdict(row['stretch_ok'])}"
    return text


COLUMNS = (
    ("Case", lambda r: r["case"].name),
    ("skcosine (s)", lambda r: f"{r['ours']:.4f}"),
    ("scikit-learn (s)", lambda r: f"{r['theirs']:.4f}"),
    ("Ratio", lambda r: f"{r['ratio']:.3f}"),
    ("Target", target_cell),
    ("Overhead per epoch (µs)", lambda r: f"{r['overhead_us']:+.1f}"),
    ("Peak memory skcosine (MiB)", lambda r: f"{r['peak_ours']:.3f}"),
    ("Peak memory scikit-learn (MiB)", lambda r: f"{r['peak_theirs']:.3f}"),
    ("Size of X (MiB)", lambda r: f"{r['size']:.2f}"),
    ("Memory target", lambda r: verdict(r["memory_ok"])),
)


def table(rows):
    """Header and one line of cells per row."""
    return [[title for title, _ in COLUMNS]] + [
        [cell(row) for _, cell in COLUMNS] for row in rows
    ]


def grid_sentence(grid):
    return (
        f"GridSearchCV of StandardScaler + CosineSGDRegressor(max_iter=20), "
        f"16 candidates x 3 folds on {grid['n_samples']:,} x 20 data, medians of "
        f"{grid['pairs']} alternating run(s): n_jobs=1 {grid['serial']:.2f} s, "
        f"n_jobs=2 {grid['parallel']:.2f} s, speed-up {grid['speedup']:.2f}x."
    )


def missed_targets(rows):
    """Descriptions of the missed time and memory targets (stretch excluded)."""
    missed = []
    for row in rows:
        case = row["case"]
        if not row["time_ok"]:
            missed.append(f"{case.name}: ratio {row['ratio']:.3f} > {case.target:.2f}")
        if not row["memory_ok"]:
            missed.append(f"{case.name}: peak memory {row['peak_ours']:.3f} MiB")
    return missed


def summary(rows):
    missed = missed_targets(rows)
    line = "all targets met" if not missed else "targets missed: " + "; ".join(missed)
    stretches = [r["case"].name for r in rows if not r["stretch_ok"]]
    if stretches:
        line += " (stretch target missed: " + "; ".join(stretches) + ")"
    return line


def print_report(info, rows, grid):
    print()
    for label, value in info.items():
        print(f"{label:>9}: {value}")
    print()
    lines = table(rows)
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    for line in lines:
        print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    print()
    for row in rows:
        low, high = row["pair_ratios"]
        print(
            f"{row['case'].name}: {row['pairs']} pair(s), "
            f"per-pair ratio quartiles {low:.3f} .. {high:.3f}"
        )
    print()
    print(grid_sentence(grid))
    print(summary(rows))


def rst_report(info, rows, grid):
    """The results as reStructuredText: a paragraph, a list-table, a sentence."""
    pairs = ", ".join(str(row["pairs"]) for row in rows)
    lines = [
        f"Measured on {info['date']} with {info['versions']}, on a machine with "
        f"{info['cpu_count']} CPU cores ({info['blas']}; 1-minute load average "
        f"{info['load']}), by "
        f"``{info['command']}``; skcosine engine: {info['engine']}. Times are "
        f"medians of alternating fits in one process (pairs per case: {pairs}); "
        "peak memory is traced by tracemalloc in separate fits.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
    ]
    for first, *rest in table(rows):
        lines.append(f"   * - {first}")
        lines.extend(f"     - {cell}" for cell in rest)
    lines += ["", grid_sentence(grid), ""]
    return "\n".join(lines)


def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and 1 repeat (smoke run)"
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="also write the results as reStructuredText, e.g. "
        "benchmarks/results/speed.rst",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    info = environment()
    for label in ("command", "engine", "blas"):
        print(f"{label}: {info[label]}")
    cases = [quick_case(case) for case in CASES] if args.quick else CASES
    rows = []
    for case in cases:
        print(f"measuring {case.name} ...", flush=True)
        rows.append(measure_case(case, args.quick))
    print("measuring GridSearchCV ...", flush=True)
    grid = measure_grid_search(args.quick)
    info["load"] += f", {load_average()} at end"
    print_report(info, rows, grid)
    if args.output:
        write(args.output, rst_report(info, rows, grid))
        print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
