"""Speed and memory of skcosine's SGD and MLP estimators against scikit-learn's.

Usage::

    python benchmarks/speed.py [--quick] [--output benchmarks/results/speed.rst]

For every case, skcosine's estimator (cosine schedule from ``eta0=0.01`` down
to ``lr_min=0``, ``tol=None``) and scikit-learn's (``learning_rate="constant"``,
``eta0=0.01``, ``tol=None``) fit the same data for the same number of epochs;
one more case compares skcosine's ``anneal_per="sample"`` with its
``anneal_per="epoch"``. The one-epoch case (``eta0=0.001`` on both sides)
measures the fixed cost of a fit: what a short fit in a grid search pays.
The MLP cases fit ``CosineMLPRegressor`` (or ``CosineMLPClassifier``,
``tol=None``) and scikit-learn's ``MLPRegressor`` (``learning_rate="constant"``,
``tol=0``, ``n_iter_no_change=max_iter + 1``, so that it runs every epoch) with
the same network, Adam, batches of 200 rows and epochs, BLAS pinned to one
thread on both sides (threadpoolctl).
After one warm-up fit of each, the timed fits alternate in one process (ours,
theirs, ours, theirs, ...) and the medians are compared. Peak memory is
measured by ``tracemalloc`` in separate, untimed fits.

An ablation then runs skcosine's kernel directly, without and with each of its
techniques (prefetching the rows visited ahead; the per-sample progressive
loss of the divergence rule), in alternating blocks of epochs, and reports
nanoseconds per sample beside those of scikit-learn's epoch on the same data.

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
import warnings
from dataclasses import dataclass
from functools import partial

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from rst import list_table
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

import skcosine
from skcosine import (
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDRegressor,
    _kernel,
    _network,
    _training,
)

MIB = 2**20
ETA0 = 0.01
"""Initial learning rate of both sides, explicit so that a change of skcosine's
default (``eta0='auto'`` computes it from the data) cannot change the work."""
ALPHA = 1e-4
"""L2 penalty of the ablation's kernel: the default of both estimators."""
TIME_BUDGET = 20.0
"""Seconds of timed fits per case (both sides); sets the number of pairs."""
ABLATION_BUDGET = 8.0
"""Seconds of timed blocks per technique and data set (both settings)."""
REFERENCE_BUDGET = 5.0
"""Seconds of timed scikit-learn fits per data set of the ablation."""
BLOCK_SECONDS = 0.02
"""Aimed duration of one timed block of kernel epochs (at least one epoch)."""
MAX_PAIRS = 500
MEMORY_TOLERANCE = 0.10
"""Peak memory of ours may exceed theirs by at most this fraction of X's size
(plus :data:`FIXED_ALLOWANCE` and, for a sparse X, :data:`STRUCTURE_COPIES`)."""
FIXED_ALLOWANCE = 2**18
"""Bytes of temporaries of bounded size a fit may hold beyond that (256 KiB):
a block of the checks (skcosine._data.MIN_BYTES, 64 KiB), the rate table, the
per-epoch records (loss_curve_, learning_rates_). A copy of X does not fit in
it but on tiny data."""
STRUCTURE_COPIES = 2
"""Copies of a sparse X's index arrays a fit holds: the checked private copy
that SciPy's products read and the one the kernel checks and reads, so that a
thread writing into X.indices during the fit cannot lead either out of bounds
(issue 18, item 4; the values are shared)."""
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass(frozen=True)
class Case:
    """One comparison: data shape, epochs and the target of the time ratio.

    ``per_sample`` compares skcosine with ``anneal_per="sample"`` (ours) against
    skcosine with ``anneal_per="epoch"`` (the reference), instead of
    skcosine against scikit-learn.
    """

    classifier: bool
    n_samples: int
    n_features: int
    epochs: int
    target: float
    density: float | None = None  # None: dense; otherwise a sparse CSR matrix
    per_sample: bool = False
    min_pairs: int = 7
    eta0: float = ETA0

    @property
    def name(self):
        """A label such as "regressor dense 2,000 x 20, 100 epochs"."""
        model = "classifier 5 classes (OvA)" if self.classifier else "regressor"
        shape = f"{self.n_samples:,} x {self.n_features:,}"
        if self.density is not None:
            shape = f"sparse CSR {shape} at {self.density:.0%} density"
        elif not self.classifier:  # dense is said of regressors only
            shape = f"dense {shape}"
        epochs = "one epoch" if self.epochs == 1 else f"{self.epochs} epochs"
        name = f"{model} {shape}, {epochs}"
        if self.eta0 != ETA0:
            name = f"{name}, eta0={self.eta0:g}"
        if self.per_sample:
            name = f"anneal_per='sample' vs 'epoch', {name}"
        return name

    @property
    def reference(self):
        """What ours is compared with."""
        return "anneal_per='epoch'" if self.per_sample else "scikit-learn"


CASES = (
    Case(
        classifier=False,
        n_samples=2_000,
        n_features=20,
        epochs=100,
        target=0.80,
    ),
    Case(  # the fixed cost of a fit (issue 19: no more than scikit-learn's)
        classifier=False,
        n_samples=2_000,
        n_features=20,
        epochs=1,
        target=1.00,
        eta0=0.001,
    ),
    Case(
        classifier=False,
        n_samples=100_000,
        n_features=50,
        epochs=10,
        target=0.50,
        min_pairs=5,
    ),
    Case(
        classifier=True,
        n_samples=5_000,
        n_features=20,
        epochs=50,
        target=0.80,
    ),
    Case(
        classifier=False,
        n_samples=50_000,
        n_features=1_000,
        epochs=10,
        target=1.00,
        density=0.01,
        min_pairs=5,
    ),
    Case(
        classifier=False,
        n_samples=2_000,
        n_features=20,
        epochs=100,
        target=1.10,
        per_sample=True,
    ),
)


@dataclass(frozen=True)
class MLPCase:
    """One comparison of the MLP estimators: data, network and epochs.

    Both sides train the same network (``hidden`` units) with Adam on batches
    of 200 rows for ``epochs`` epochs, BLAS pinned to one thread; the memory
    target is scikit-learn's peak itself (no allowance).
    """

    classifier: bool
    n_samples: int
    n_features: int
    hidden: tuple
    epochs: int
    target: float
    dtype: str = "float64"
    min_pairs: int = 7

    @property
    def name(self):
        """A label such as "MLP regressor 10,000 x 20, hidden (64, 64), 10 epochs"."""
        model = "MLP classifier 5 classes" if self.classifier else "MLP regressor"
        dtype = "" if self.dtype == "float64" else f" {self.dtype}"
        return (
            f"{model}{dtype} {self.n_samples:,} x {self.n_features:,}, hidden "
            f"{self.hidden}, {self.epochs} epochs"
        )

    reference = "scikit-learn"


MLP_BATCH_SIZE = 200

MLP_CASES = (
    MLPCase(
        classifier=False,
        n_samples=10_000,
        n_features=20,
        hidden=(64, 64),
        epochs=10,
        target=0.60,
    ),
    MLPCase(
        classifier=False,
        n_samples=10_000,
        n_features=20,
        hidden=(64, 64),
        epochs=10,
        target=0.60,
        dtype="float32",
    ),
    MLPCase(
        classifier=True,
        n_samples=10_000,
        n_features=20,
        hidden=(64, 64),
        epochs=10,
        target=0.60,
    ),
    MLPCase(
        classifier=False,
        n_samples=100_000,
        n_features=50,
        hidden=(128, 128),
        epochs=2,
        target=0.60,
        min_pairs=5,
    ),
)


@dataclass(frozen=True)
class Technique:
    """A technique of the kernel, switched by one of its private attributes
    (benchmark switches, set after construction)."""

    label: str
    option: str


TECHNIQUES = (
    Technique("prefetching", "_prefetch"),
    Technique("progressive loss", "_track_loss"),
)


@dataclass(frozen=True)
class AblationData:
    """A dense float64 data set of the ablation.

    scikit-learn's epoch is timed as the difference of fits of
    ``reference_epochs`` and twice as many epochs.
    """

    n_samples: int
    n_features: int
    reference_epochs: int

    @property
    def name(self):
        return f"{self.n_samples:,} x {self.n_features:,}"


ABLATION_DATA = (
    AblationData(n_samples=2_000, n_features=20, reference_epochs=100),
    AblationData(n_samples=100_000, n_features=50, reference_epochs=5),
)


def quick_case(case):
    """A tiny version of ``case`` for a smoke run (same targets, 1 pair)."""
    return Case(
        classifier=case.classifier,
        n_samples=min(case.n_samples, 1_000),
        n_features=min(case.n_features, 50),
        epochs=min(case.epochs, 5),
        target=case.target,
        density=None if case.density is None else 0.05,
        per_sample=case.per_sample,
        min_pairs=1,
        eta0=case.eta0,
    )


def quick_mlp_case(case):
    """A tiny version of an MLP case for a smoke run (same targets, 1 pair)."""
    return MLPCase(
        classifier=case.classifier,
        n_samples=min(case.n_samples, 1_000),
        n_features=case.n_features,
        hidden=tuple(min(h, 16) for h in case.hidden),
        epochs=min(case.epochs, 2),
        target=case.target,
        dtype=case.dtype,
        min_pairs=1,
    )


def quick_data(data):
    """A tiny version of an ablation data set for a smoke run."""
    return AblationData(
        n_samples=min(data.n_samples, 1_000),
        n_features=data.n_features,
        reference_epochs=1,
    )


def make_data(n_samples, n_features, density=None, classifier=False):
    """Synthetic data: standard normal (or sparse uniform) features, linear target."""
    rng = np.random.RandomState(0)
    shape = (n_samples, n_features)
    if density is None:
        X = rng.standard_normal(shape)
    else:
        X = sp.random(
            *shape,
            density=density,
            format="csr",
            dtype=np.float64,
            random_state=0,
        )
    if classifier:
        y = np.argmax(X @ rng.standard_normal((n_features, 5)), axis=1)
    else:
        y = X @ rng.standard_normal(n_features)
        y += 0.1 * rng.standard_normal(n_samples)
    return X, y


def make_estimators(case):
    """Factories of ours and the reference, configured for the same epochs."""
    if case.classifier:
        ours, theirs = CosineSGDClassifier, SGDClassifier
    else:
        ours, theirs = CosineSGDRegressor, SGDRegressor

    def make_ours(**options):
        return ours(eta0=case.eta0, max_iter=case.epochs, random_state=0, **options)

    def make_theirs():
        return theirs(
            learning_rate="constant",
            eta0=case.eta0,
            max_iter=case.epochs,
            tol=None,
            random_state=0,
        )

    if case.per_sample:
        return partial(make_ours, anneal_per="sample"), make_ours
    return make_ours, make_theirs


def make_mlp_estimators(case):
    """Factories of ours and scikit-learn's MLP, configured for the same work:
    every epoch runs (``tol=None``; ``tol=0`` and more epochs of patience than
    ``max_iter`` on scikit-learn's side), same network, solver and batches."""
    if case.classifier:
        ours, theirs = CosineMLPClassifier, MLPClassifier
    else:
        ours, theirs = CosineMLPRegressor, MLPRegressor
    common = {
        "hidden_layer_sizes": case.hidden,
        "solver": "adam",
        "batch_size": MLP_BATCH_SIZE,
        "max_iter": case.epochs,
        "random_state": 0,
    }

    def make_ours():
        return ours(tol=None, **common)

    def make_theirs():
        return theirs(
            learning_rate="constant",
            tol=0.0,
            n_iter_no_change=case.epochs + 1,
            **common,
        )

    return make_ours, make_theirs


def data_size(X):
    """Bytes of ``X``: its array, or the three arrays of a CSR matrix."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def arrays(X):
    """The arrays of ``X`` the kernel trains on: itself, or the values of a
    CSR matrix (its index arrays are private copies: see
    :data:`STRUCTURE_COPIES`)."""
    if sp.issparse(X):
        return (X.data,)
    return (X,)


def memory_allowance(X):
    """Bytes a fit may hold beyond the reference's peak (see
    :data:`MEMORY_TOLERANCE`)."""
    allowance = MEMORY_TOLERANCE * data_size(X) + FIXED_ALLOWANCE
    if sp.issparse(X):
        allowance += STRUCTURE_COPIES * (X.indices.nbytes + X.indptr.nbytes)
    return allowance


def settle():
    """Collect the garbage, then freeze the survivors (modules, data) out of
    later collections: the collection before each timed fit then scans only
    what the last fits left, not the 100,000 objects of the imported libraries,
    which take about 0.1 s per collection."""
    gc.collect()
    gc.freeze()


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


def trains_on_x(make, X, y, owner, name, position):
    """Whether a fit hands its training loop the caller's ``X`` itself.

    An untimed fit runs with a spy in place of ``owner.name`` (the kernel
    class that ``skcosine._training`` builds, or the network's ``epoch``
    method) that records its argument at ``position``; ``None`` if the spy
    was never called (it no longer fits the package).
    """
    seen = []
    original = getattr(owner, name)

    def spy(*args, **kwargs):
        seen.append(args[position])
        return original(*args, **kwargs)

    setattr(owner, name, spy)
    try:
        make().fit(X, y)
    finally:
        setattr(owner, name, original)
    if not seen:
        return None
    return all(
        np.may_share_memory(mine, theirs)
        for data in seen
        for mine, theirs in zip(arrays(data), arrays(X))
    )


def kernel_trains_on_x(make, X, y):
    """Whether an SGD fit hands skcosine's kernel the caller's ``X`` itself."""
    return trains_on_x(make, X, y, _training, "Kernel", 0)


def network_trains_on_x(make, X, y):
    """Whether an MLP fit's epochs (``Network.epoch(self, optimizer, state,
    X, ...)``) run on the caller's ``X`` itself."""
    return trains_on_x(make, X, y, _network.Network, "epoch", 3)


def alternate(timers, pairs):
    """Call ``pairs`` rounds of the timers in turn; one list of seconds each."""
    times = [[] for _ in timers]
    for _ in range(pairs):
        for timer, record in zip(timers, times):
            record.append(timer())
    return times


def number_of_pairs(budget, warmup_seconds, min_pairs, quick):
    """Pairs that fit in ``budget`` seconds, at least ``min_pairs``."""
    if quick:
        return 1
    affordable = int(budget / max(warmup_seconds, 1e-9))
    return max(min_pairs, min(MAX_PAIRS, affordable))


def quartiles(values):
    """First and third quartiles of ``values`` (both the value if only one)."""
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


def measure_case(case, quick):
    """Time and memory of ours and the reference on one case, as a result row."""
    X, y = make_data(case.n_samples, case.n_features, case.density, case.classifier)
    makers = make_estimators(case)
    row = measure(case, makers, X, y, quick, kernel_trains_on_x)
    row["memory_ok"] = row["peak_ours"] <= row["peak_theirs"] + row["allowance"]
    return row


def measure_mlp_case(case, quick):
    """Time and memory of an MLP case, BLAS pinned to one thread on both sides;
    the memory target is scikit-learn's peak (no allowance)."""
    X, y = make_data(case.n_samples, case.n_features, classifier=case.classifier)
    X = X.astype(case.dtype)
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # every epoch runs
        row = measure(case, make_mlp_estimators(case), X, y, quick, network_trains_on_x)
    row["allowance"] = 0.0
    row["memory_ok"] = row["peak_ours"] <= row["peak_theirs"]
    return row


def measure(case, makers, X, y, quick, no_copy_check):
    """Alternating timed fits of the two ``makers``, then their peak memory
    and the copy check of ours, as a result row (memory verdict left out)."""
    timers = [partial(fit_time, make, X, y) for make in makers]
    start = time.perf_counter()
    for timer in timers:  # warm-up
        timer()
    settle()
    warmup = time.perf_counter() - start
    pairs = number_of_pairs(TIME_BUDGET, warmup, case.min_pairs, quick)
    ours, theirs = alternate(timers, pairs)
    peak_ours, peak_theirs = (peak_memory(make, X, y) for make in makers)
    no_copy = no_copy_check(makers[0], X, y)
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
        "size": data_size(X) / MIB,
        "time_ok": ratio <= case.target,
        "allowance": memory_allowance(X) / MIB,
        "no_copy": no_copy,
    }


def make_kernel(X, y, **switches):
    """skcosine's kernel for one L2-penalized squared-loss model on ``X``, with
    ``switches`` (such as ``_prefetch=False``) set on it."""
    n_samples, n_features = X.shape
    kernel = _kernel.Kernel(
        X,
        y,
        np.ones(n_samples),
        np.arange(n_samples, dtype=np.int32),
        coef=np.zeros((n_features, 1)),
        intercept=np.zeros(1),
        wscale=np.ones(1),
        updates=np.ones(1),
        alpha=np.full(1, ALPHA),
        weight_pos=np.ones(1),
        weight_neg=np.ones(1),
        active=np.ones(1, dtype=np.uint8),
        losses=np.zeros(1),
        loss="squared_error",
        penalized=True,
    )
    for name, on in switches.items():
        setattr(kernel, name, on)
    return kernel


def epoch_timer(kernel, n_samples):
    """Seconds of ``epochs`` passes (shuffle and run) at the constant rate ETA0.

    The generator state is drawn once and advances pass after pass, so two
    kernels built alike visit the rows in the same orders.
    """
    state = _kernel.seed_state(0)
    rates = np.zeros((1, _kernel.RATE_COLUMNS))
    rates[0, _kernel.RATE_BASE] = ETA0
    step = 1.0 / n_samples

    def run(epochs):
        start = time.perf_counter()
        for _ in range(epochs):
            kernel.shuffle(state)
            kernel.run(rates, 0.0, step)
        return time.perf_counter() - start

    return run


def measure_technique(technique, data, X, y, quick):
    """ns per sample of the kernel without and with ``technique``, alternating."""
    runs = [
        epoch_timer(make_kernel(X, y, **{technique.option: on}), data.n_samples)
        for on in (False, True)
    ]
    for run in runs:  # warm-up: one epoch each
        run(1)
    warmup = sum(run(1) for run in runs)
    epochs = 1 if quick else max(1, round(2 * BLOCK_SECONDS / warmup))
    timers = [partial(run, epochs) for run in runs]
    pairs = number_of_pairs(ABLATION_BUDGET, warmup * epochs, 5, quick)
    without, with_ = (
        statistics.median(times) / (epochs * data.n_samples) * 1e9
        for times in alternate(timers, pairs)
    )
    return {
        "technique": technique,
        "data": data,
        "pairs": pairs,
        "epochs": epochs,
        "without": without,
        "with": with_,
    }


def measure_reference(data, X, y, quick):
    """ns per sample of scikit-learn's epoch: fits of 2E minus fits of E epochs."""
    epochs = data.reference_epochs

    def make(max_iter):
        return SGDRegressor(
            learning_rate="constant",
            eta0=ETA0,
            alpha=ALPHA,
            max_iter=max_iter,
            tol=None,
            random_state=0,
        )

    timers = [partial(fit_time, partial(make, e), X, y) for e in (epochs, 2 * epochs)]
    warmup = sum(timer() for timer in timers)
    pairs = number_of_pairs(REFERENCE_BUDGET, warmup, 5, quick)
    short, long = (statistics.median(t) for t in alternate(timers, pairs))
    return {
        "data": data,
        "pairs": pairs,
        "ns": (long - short) / (epochs * data.n_samples) * 1e9,
    }


def measure_ablation(quick):
    """Rows of every technique on every data set, and scikit-learn's epochs."""
    rows, references = [], []
    for data in ABLATION_DATA:
        if quick:
            data = quick_data(data)
        X, y = make_data(data.n_samples, data.n_features)
        for technique in TECHNIQUES:
            print(f"ablation: {technique.label} at {data.name} ...", flush=True)
            rows.append(measure_technique(technique, data, X, y, quick))
        print(f"ablation: scikit-learn's epoch at {data.name} ...", flush=True)
        references.append(measure_reference(data, X, y, quick))
    return rows, references


def load_average():
    """The 1-minute load average, or "n/a" where the platform has none."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "n/a"


def environment():
    """Date, versions, machine and command, as (label, value) pairs."""
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
        "blas": blas,
        "load": f"{load_average()} at start",  # 1-minute load average
    }


def verdict(ok):
    return "PASS" if ok else "FAIL"


COPY_WORDS = {True: "no", False: "YES", None: "unknown"}

COLUMNS = (
    ("Case", lambda r: r["case"].name),
    ("Reference", lambda r: r["case"].reference),
    ("skcosine (s)", lambda r: f"{r['ours']:.4f}"),
    ("Reference (s)", lambda r: f"{r['theirs']:.4f}"),
    ("Ratio", lambda r: f"{r['ratio']:.3f}"),
    ("Target", lambda r: f"<= {r['case'].target:.2f} {verdict(r['time_ok'])}"),
    ("Overhead per epoch (µs)", lambda r: f"{r['overhead_us']:+.1f}"),
    ("Peak memory skcosine (MiB)", lambda r: f"{r['peak_ours']:.3f}"),
    ("Peak memory reference (MiB)", lambda r: f"{r['peak_theirs']:.3f}"),
    ("Size of X (MiB)", lambda r: f"{r['size']:.2f}"),
    ("Memory target", lambda r: verdict(r["memory_ok"])),
    ("X copied", lambda r: COPY_WORDS[r["no_copy"]]),
)


def change(row):
    """Relative change of ns per sample from without to with the technique."""
    return f"{row['with'] / row['without'] - 1:+.0%}"


ABLATION_COLUMNS = (
    ("Technique", lambda r: r["technique"].label),
    ("Data", lambda r: r["data"].name),
    ("Without (ns/sample)", lambda r: f"{r['without']:.1f}"),
    ("With (ns/sample)", lambda r: f"{r['with']:.1f}"),
    ("Change", change),
    ("Pairs x epochs per block", lambda r: f"{r['pairs']} x {r['epochs']}"),
)


def table(columns, rows):
    """Header and one line of cells per row."""
    return [[title for title, _ in columns]] + [
        [cell(row) for _, cell in columns] for row in rows
    ]


def technique_line(row):
    """Such as "prefetching: 103 -> 84 ns/sample at 100,000 x 50 (-18%)"."""
    return (
        f"{row['technique'].label}: {row['without']:.0f} -> {row['with']:.0f} "
        f"ns/sample at {row['data'].name} ({change(row)})"
    )


def reference_sentence(references):
    parts = ", ".join(
        f"{r['ns']:.0f} ns/sample at {r['data'].name}" for r in references
    )
    pairs = ", ".join(str(r["pairs"]) for r in references)
    return (
        "For reference, scikit-learn's epoch on the same data (SGDRegressor, "
        f"constant rate {ETA0}, alpha={ALPHA}; fits of 2E minus fits of E "
        f"epochs, medians of {pairs} alternating pairs): {parts}."
    )


def missed_targets(rows):
    """Descriptions of the missed time and memory targets and possible copies."""
    missed = []
    for row in rows:
        case = row["case"]
        if not row["time_ok"]:
            missed.append(f"{case.name}: ratio {row['ratio']:.3f} > {case.target:.2f}")
        if not row["memory_ok"]:
            missed.append(
                f"{case.name}: peak memory {row['peak_ours']:.3f} MiB > "
                f"{row['peak_theirs']:.3f} + {row['allowance']:.3f} MiB allowed"
            )
        if not row["no_copy"]:
            missed.append(
                f"{case.name}: the kernel trains on a copy of X"
                if row["no_copy"] is False
                else f"{case.name}: no kernel seen, copy of X not checked"
            )
    return missed


def summary(rows):
    missed = missed_targets(rows)
    return "all targets met" if not missed else "targets missed: " + "; ".join(missed)


def print_table(lines):
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())


def print_report(info, rows, ablation, references):
    print()
    for label, value in info.items():
        print(f"{label:>9}: {value}")
    print()
    print_table(table(COLUMNS, rows))
    print()
    for row in rows:
        low, high = row["pair_ratios"]
        print(
            f"{row['case'].name}: {row['pairs']} pair(s), "
            f"per-pair ratio quartiles {low:.3f} .. {high:.3f}"
        )
    print()
    print_table(table(ABLATION_COLUMNS, ablation))
    print()
    for row in ablation:
        print(technique_line(row))
    print(reference_sentence(references))
    print()
    print(summary(rows))


def rst_report(info, rows, ablation, references):
    """The results as reStructuredText: paragraphs and two list-tables."""
    pairs = ", ".join(str(row["pairs"]) for row in rows)
    lines = [
        f"Measured on {info['date']} with {info['versions']}, on a machine with "
        f"{info['cpu_count']} CPU cores ({info['blas']}; 1-minute load average "
        f"{info['load']}), by ``{info['command']}``. Times are medians of "
        f"alternating fits in one process (pairs per case: {pairs}); peak memory "
        "is traced by tracemalloc in separate fits.",
        "",
        *list_table(table(COLUMNS, rows)),
        "",
        "Ablation of the kernel (one L2-penalized squared-loss model on dense "
        "float64 data, medians of alternating blocks of epochs without and with "
        "each technique):",
        "",
        *list_table(table(ABLATION_COLUMNS, ablation)),
        "",
        reference_sentence(references),
        "",
    ]
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
    settle()
    for label in ("command", "blas"):
        print(f"{label}: {info[label]}")
    cases = [quick_case(case) for case in CASES] if args.quick else CASES
    rows = []
    for case in cases:
        print(f"measuring {case.name} ...", flush=True)
        rows.append(measure_case(case, args.quick))
    mlp_cases = [quick_mlp_case(c) for c in MLP_CASES] if args.quick else MLP_CASES
    for case in mlp_cases:
        print(f"measuring {case.name} ...", flush=True)
        rows.append(measure_mlp_case(case, args.quick))
    ablation, references = measure_ablation(args.quick)
    info["load"] += f", {load_average()} at end"
    print_report(info, rows, ablation, references)
    if args.output:
        write(args.output, rst_report(info, rows, ablation, references))
        print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
