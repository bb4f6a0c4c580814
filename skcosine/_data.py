"""What one call trains on: the targets as the models see them, the data and
the constants of the models (:class:`Problem`), and the passes over the rows
that happen outside the kernel.

Targets
    The one home of target encoding. A regression is one model on the
    targets. A classification is one binary problem for two classes (class 1
    positive) or one per class against the others (one-versus-all, the others
    weighted 1, as in scikit-learn); the kernel gets the class index of every
    row and, per model, its positive class and its two class weights.

The problem
    The validated data and the constants of the models trained on it
    (per-model penalty, class weights, targets as each model's loss sees
    them). The trainer, the monitor and the divergence rule read it; it knows
    nothing of them.

Rows in blocks
    The passes over the data outside the kernel (measuring the step size,
    the reference and final losses) never hold more than a sliver of the
    data's size in temporaries: a block's float64 temporaries of
    ``values_per_row`` values per row stay within the larger of
    :data:`MIN_BYTES` and :data:`SHARE` of the size of ``X``, so peak memory
    stays close to scikit-learn's whatever the size of ``X``.

Losses
    The kernel evaluates the losses per sample; the numpy versions here serve
    the checks that look at whole models (the divergence rule at the end of a
    call) and the objective of the ``tol`` rule.

The data's scale
    :func:`data_scale` measures, in one pass over ``X``, what ``eta0='auto'``
    depends on (see :func:`skcosine._settings.auto_eta0`), and which rows it
    leaves out (:data:`EXTREME_SHARE`, :data:`EXTREME_FACTOR`).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ._kernel import zero_model_loss

__all__ = [
    "DataScale",
    "EXTREME_FACTOR",
    "EXTREME_SHARE",
    "FLOAT32_MAX",
    "MAX_DLOSS",
    "MAX_TARGET",
    "MIN_BYTES",
    "Problem",
    "SHARE",
    "SPARSE_INTERCEPT_DECAY",
    "TEMPORARIES",
    "Targets",
    "check_float32_range",
    "check_training_weights",
    "checked_classes",
    "class_weights",
    "classification_targets",
    "data_scale",
    "label_targets",
    "loss_values",
    "regression_targets",
    "row_blocks",
    "take_rows",
    "sorted_labels",
    "validation_split",
]


MIN_BYTES = 2**16
"""Temporaries a block may always hold: 64 KiB, so that small data are one
block (at 16 KiB, a 2,000 x 20 fit paid the per-block overhead four times in
each check), while a fit's peak memory stays within scikit-learn's plus 10% of
``X`` (at 1 MiB a block of a sparse ``X``, whose rows are copied when taken,
held most of ``X`` again)."""
SHARE = 0.02
"""Share of the size of ``X`` a block's temporaries may hold beyond that."""


def row_blocks(X, values_per_row, rows=None):
    """Slices (or index arrays, for a subset of rows) covering the rows of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix
        The data; its size sets the budget.
    values_per_row : int
        Float64 values a block holds per row in its largest temporary.
    rows : ndarray of int or None
        The rows to cover (in order); all rows when ``None``.

    Yields
    ------
    block : slice or ndarray of int
        A contiguous slice when the rows are, else their indices.
    """
    n_rows = X.shape[0] if rows is None else len(rows)
    nbytes = _nbytes(X)
    budget = max(MIN_BYTES, SHARE * nbytes)
    size = max(1, int(budget // (8 * max(1, values_per_row))))
    for start in range(0, n_rows, size):
        stop = min(start + size, n_rows)
        if rows is None:
            yield slice(start, stop)
            continue
        block = rows[start:stop]
        if block[-1] - block[0] + 1 == len(block):  # contiguous: a view of X
            yield slice(int(block[0]), int(block[-1]) + 1)
        else:
            yield block


def take_rows(X, block):
    """The rows ``block`` (of :func:`row_blocks`) of ``X``: ``X`` itself when
    the block is every row (taking rows of a sparse matrix copies them)."""
    if isinstance(block, slice) and block == slice(0, X.shape[0]):
        return X
    return X[block]


def _nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return np.asarray(X).nbytes


TEMPORARIES = 4
"""Arrays of the shape of its input that :func:`loss_values` (with the
decisions and weights around it) may hold at once: the factor of a block's
memory (see :mod:`skcosine._data`)."""


def _hinge(threshold):
    return lambda y, p, eps: np.maximum(0.0, threshold - y * p)


def _modified_huber(y, p, eps):
    z = y * p
    return np.where(z >= 1.0, 0.0, np.where(z >= -1.0, (1.0 - z) ** 2, -4.0 * z))


def _huber(y, p, eps):
    r = np.abs(y - p)
    return np.where(r <= eps, 0.5 * r**2, eps * (r - 0.5 * eps))


_LOSSES = {
    "squared_error": lambda y, p, eps: 0.5 * (y - p) ** 2,
    "huber": _huber,
    "epsilon_insensitive": lambda y, p, eps: np.maximum(0.0, np.abs(y - p) - eps),
    "squared_epsilon_insensitive": lambda y, p, eps: (
        np.maximum(0.0, np.abs(y - p) - eps) ** 2
    ),
    "hinge": _hinge(1.0),
    "perceptron": _hinge(0.0),
    "squared_hinge": lambda y, p, eps: np.maximum(0.0, 1.0 - y * p) ** 2,
    "log_loss": lambda y, p, eps: np.logaddexp(0.0, p) - y * p,
    "modified_huber": _modified_huber,
}


def loss_values(loss, epsilon, y, p):
    """The loss of every decision ``p`` against its target ``y``.

    Parameters
    ----------
    loss : str
        Name of the loss (any loss of ``SGDRegressor`` or ``SGDClassifier``).
    epsilon : float
        ``epsilon`` of the epsilon-insensitive and Huber losses.
    y : ndarray
        Targets as the loss sees them (``{-1, 1}``, or ``{0, 1}`` for
        ``log_loss``, for a classification problem).
    p : ndarray
        Decision values, broadcastable with ``y``.
    """
    return _LOSSES[loss](y, p, epsilon)


FLOAT32_MAX = float(np.finfo(np.float32).max)
"""The largest float32 (about 3.4e38): with float32 ``X`` the model trains
in float32, and larger targets or weights become infinite there."""

MAX_TARGET = 1e150
"""Largest absolute regression target accepted: squares of larger values
overflow."""


class Targets:
    """The targets of one call as the models see them.

    Attributes
    ----------
    values : ndarray of shape (n_samples,)
        Regression targets (float64), or the class index of every row (int32).
    positive : ndarray of shape (n_models,), int32, or None
        The class each model treats as positive (classification).
    weight_pos, weight_neg : ndarray of shape (n_models,)
        Class weights of each model.
    names : list of str
        How verbose output names the models.
    max_abs : float
        The largest absolute target of a regression, measured once when the
        targets are encoded; 1 for a classification (or no target).
    """

    def __init__(self, values, positive, weight_pos, weight_neg, names, max_abs=1.0):
        self.values, self.positive = values, positive
        self.weight_pos, self.weight_neg = weight_pos, weight_neg
        self.names = names
        self.max_abs = max_abs

    @property
    def n_models(self):
        return len(self.weight_pos)

    @property
    def regression(self):
        return self.positive is None

    def expand(self, rows, n_samples):
        """These targets, of the rows ``rows`` of a data set of ``n_samples``
        rows, as targets of every row (0 elsewhere, never trained on)."""
        values = np.zeros(n_samples, dtype=self.values.dtype)
        values[rows] = self.values
        return Targets(
            values,
            positive=self.positive,
            weight_pos=self.weight_pos,
            weight_neg=self.weight_neg,
            names=self.names,
            max_abs=self.max_abs,  # the other rows' zeros change nothing
        )

    def row_weights(self, sample_weight):
        """The largest weight ``c_i * w_i`` of every row over the models."""
        if self.regression:
            return sample_weight
        n_classes = max(int(self.positive.max()) + 1, 2)
        per_class = np.ones(n_classes)
        if len(self.positive) == 1:  # binary: class 1 positive, class 0 negative
            per_class[:] = (self.weight_neg[0], self.weight_pos[0])
        else:
            per_class[self.positive] = np.maximum(self.weight_pos, self.weight_neg)
        return np.take(per_class, self.values) * sample_weight


def regression_targets(y):
    """The targets of a regression; refuses values whose squares overflow."""
    values = np.asarray(y, dtype=np.float64)
    # the largest |y|, without an array of the |y| (y is finite: validated)
    largest = max(float(values.max()), -float(values.min())) if values.size else 1.0
    if largest > MAX_TARGET:
        raise ValueError(
            f"y has values up to {largest:.3g}, so large that "
            "squared errors overflow float64: scale y (for example with "
            "sklearn.compose.TransformedTargetRegressor)."
        )
    one = np.ones(1)  # a single model, no class weights
    return Targets(
        values,
        positive=None,
        weight_pos=one,
        weight_neg=one,
        names=[""],
        max_abs=largest,
    )


def class_weights(class_weight, classes, y):
    """The weight of every class, checked.

    Parameters
    ----------
    class_weight : dict, 'balanced' or None
        The estimator's ``class_weight``.
    classes : ndarray
        The sorted classes.
    y : ndarray
        The labels of the training rows.
    """
    weights = compute_class_weight(class_weight, classes=classes, y=y)
    if not np.all(np.isfinite(weights) & (weights >= 0)):
        raise ValueError(
            "class_weight must give every class a finite, non-negative "
            f"weight; got {class_weight!r}."
        )
    if not np.any(weights > 0):
        raise ValueError(
            f"class_weight={class_weight!r} gives every class the weight 0: "
            "there is nothing to learn from."
        )
    return weights


def classification_targets(labels, classes, class_weight):
    """The binary problems of a classification.

    Parameters
    ----------
    labels : ndarray of int32
        The class index of every row.
    classes : ndarray
        The classes.
    class_weight : ndarray of shape (n_classes,)
        The weight of each class.
    """
    if len(classes) == 2:
        return Targets(  # one model: the second class against the first
            labels,
            positive=np.array([1], dtype=np.int32),
            weight_pos=np.array([class_weight[1]], dtype=np.float64),
            weight_neg=np.array([class_weight[0]], dtype=np.float64),
            names=[""],
        )
    return Targets(  # one-versus-all: model m treats class m as positive
        labels,
        positive=np.arange(len(classes), dtype=np.int32),
        weight_pos=np.asarray(class_weight, dtype=np.float64),
        weight_neg=np.ones(len(classes)),
        names=[f"class {label}" for label in classes],
    )


def label_targets(y, classes, class_weight):
    """The targets of the labels ``y`` (all in ``classes``).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.
    classes : ndarray
        The sorted classes.
    class_weight : dict, 'balanced' or None
        The estimator's ``class_weight`` ('balanced' is computed from ``y``).
    """
    labels = np.searchsorted(classes, y).astype(np.int32)
    weights = class_weights(class_weight, classes, y)
    return classification_targets(labels, classes, weights)


def checked_classes(labels, name="y"):
    """The sorted distinct labels, which must be at least two classes; a
    ``ValueError`` naming ``name`` (``y`` or ``classes``) for values that
    cannot be classes."""
    classes = sorted_labels(labels, name)
    try:
        check_classification_targets(classes)
    except TypeError as error:  # scikit-learn's for bytes
        raise ValueError(_label_problem(classes, name)) from error
    if classes.shape[0] < 2:
        raise ValueError(
            "The number of classes has to be greater than one; got "
            f"{classes.shape[0]} class."
        )
    return classes


def sorted_labels(labels, name):
    """``numpy.unique(labels)``, with a ``ValueError`` naming ``name`` and the
    kinds of value where labels cannot be ordered (``None``, bytes mixed with
    strings, numbers mixed with strings), which NumPy reports as a bare
    ``TypeError``."""
    try:
        return np.unique(labels)
    except TypeError as error:
        raise ValueError(_label_problem(labels, name)) from error


def _label_problem(labels, name):
    """Why ``labels`` cannot be classes, naming ``name`` and the values."""
    examples = {}  # the first value of each kind
    for value in np.asarray(labels, dtype=object).ravel():
        examples.setdefault(type(value).__name__, value)
    if "NoneType" in examples:
        return (
            f"{name} holds None, which is not a class label (a missing label?): "
            "give every sample a label, or drop the unlabelled samples."
        )
    if "bytes" in examples or "bytes_" in examples:
        example = examples.get("bytes", examples.get("bytes_"))
        return (
            f"{name} holds bytes ({example!r}), which are not supported as class "
            "labels: decode them to str (or use integers)."
        )
    kinds = ", ".join(f"{kind} ({value!r})" for kind, value in examples.items())
    return (
        f"{name} mixes kinds of labels that cannot be ordered into classes: "
        f"{kinds}. Make every label a number, or every label a string."
    )


def check_training_weights(targets, sample_weight, dtype):
    """Refuse weights that leave nothing to learn, and targets or weights that
    the dtype of ``X`` cannot hold (:func:`check_float32_range`)."""
    check_float32_range(targets, sample_weight, dtype)
    # every weight is finite and >= 0 (validated): some is > 0 when the
    # largest is (without an array of comparisons)
    if not np.max(targets.row_weights(sample_weight), initial=0.0) > 0:
        raise ValueError(
            "class_weight and sample_weight give every sample the weight 0: "
            "there is nothing to learn from."
        )


def check_float32_range(targets, sample_weight, dtype):
    """Refuse targets and weights that float32 cannot hold when ``X`` is
    float32 (``dtype``): the model trains in float32, where they would be
    infinite and the fit would "diverge" for no fault of the features.

    Parameters
    ----------
    targets : Targets
        The encoded targets (regression values or class weights).
    sample_weight : ndarray of shape (n_samples,)
        Validated sample weights.
    dtype : dtype
        The dtype of ``X``.
    """
    if dtype != np.float32 or not len(sample_weight):
        return
    if targets.regression:
        parts = [("y", targets.values)]
    else:
        parts = [("class_weight", np.r_[targets.weight_pos, targets.weight_neg])]
    parts.append(("sample_weight", sample_weight))
    parts.append(
        ("class_weight times sample_weight", targets.row_weights(sample_weight))
    )
    for name, values in parts:
        largest = float(np.max(np.abs(values)))
        if largest > FLOAT32_MAX:
            raise ValueError(float32_range_message(name, largest))


def float32_range_message(name, largest):
    """Why ``name``, with values up to ``largest``, cannot go with float32
    ``X``, and what to do."""
    scale = "the weights" if " times " in name else name
    return (
        f"{name} has values up to {largest:.3g}, beyond float32's range "
        f"({FLOAT32_MAX:.3g}), while X is float32 (or partial_fit continues a "
        "float32 model): the model trains in float32, where they are infinite. "
        f"Cast X to float64 (X.astype(numpy.float64)) or scale {scale}."
    )


EXTREME_SHARE = 0.01
"""At most this share of the rows (of positive weight), rounded down, can be
left out of ``eta0='auto'``: none below 100 rows."""
EXTREME_FACTOR = 16.0
"""A row is left out of ``eta0='auto'`` when its squared norm ``n_i`` (see
:class:`DataScale`) is more than this factor times the ``reference``: the
norm of the row that has :data:`EXTREME_SHARE` of the rows above it (the 99th
percentile). 16 is a norm 4 times that row's. On the eight data sets of the
quality benchmark the largest norm is at most 10.7 times the reference, but on
diamonds, whose largest rows (64 times) are physically impossible diamonds
(58.9 mm wide): the clean data keep the step of the largest row."""


class DataScale:
    """What the step size depends on, measured in one pass over ``X``.

    The step of row ``i`` is ``s_i = c_i w_i n_i``, with its norm ``n_i =
    ||x_i||^2 + intercept_decay * fit_intercept``.

    Attributes
    ----------
    max_step : float
        The largest ``s_i`` of the rows ``eta0='auto'`` keeps (every row but
        ``extreme_rows``); ``inf`` when a squared row norm overflows float64.
    column_sums : ndarray of shape (n_features,)
        ``sum_i c_i w_i x_ij^2``: how strongly the data move coefficient ``j``
        per unit of learning rate and epoch.
    intercept_sum : float
        The same for the intercept (``intercept_decay * sum_i c_i w_i``), 0
        without an intercept.
    extreme_rows : ndarray of int
        The rows of ``X`` left out, by decreasing norm: at most
        :data:`EXTREME_SHARE` of the rows of positive weight, each with a norm
        ``n_i`` above :data:`EXTREME_FACTOR` times ``reference``. The norm
        decides, not the weights: weights are the objective the user chose
        (a capped row's step also caps its effective weight), norms far above
        the others are data that no step suits.
    extreme_steps, extreme_norms : ndarray of float
        Their ``s_i`` and ``n_i``.
    reference : float or None
        The norm of the row with :data:`EXTREME_SHARE` of the rows of positive
        weight above it (``None`` with fewer than 100 such rows).
    """

    def __init__(
        self,
        max_step,
        column_sums,
        intercept_sum,
        extreme_rows=None,
        extreme_steps=None,
        extreme_norms=None,
        reference=None,
    ):
        self.max_step = max_step
        self.column_sums = column_sums
        self.intercept_sum = intercept_sum
        if extreme_rows is None:
            extreme_rows, extreme_steps = np.zeros(0, np.intp), np.zeros(0)
            extreme_norms = extreme_steps
        self.extreme_rows = extreme_rows
        self.extreme_steps = extreme_steps
        self.extreme_norms = extreme_norms
        self.reference = reference


def data_scale(X, row_weights, fit_intercept, intercept_decay, rows=None):
    """Measure :class:`DataScale` of the training rows.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        The data (float32 or float64; summed in float64).
    row_weights : ndarray of shape (n_samples,)
        ``c_i * w_i`` of every row (the largest over the models).
    fit_intercept : bool
        Whether the intercept is trained.
    intercept_decay : float
        Factor of the intercept updates (0.01 for CSR input).
    rows : ndarray of int or None
        The training rows; all rows when ``None``. Only small blocks of rows
        are ever copied (see :mod:`skcosine._data`).
    """
    column_sums = np.zeros(X.shape[1])
    intercept = intercept_decay if fit_intercept else 0.0
    norms = np.zeros(X.shape[0] if rows is None else len(rows))
    done = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for block in row_blocks(X, X.shape[1], rows):
            weights = np.asarray(row_weights[block], dtype=np.float64)
            squares = _squares(take_rows(X, block))
            row_norms = np.asarray(squares.sum(axis=1)).ravel()
            norms[done : done + len(row_norms)] = row_norms + intercept
            done += len(row_norms)
            column_sums += np.asarray(squares.T @ weights).ravel()
        kept = slice(None) if rows is None else rows
        weights = np.asarray(row_weights[kept], dtype=np.float64)
        steps = weights * norms
    intercept_sum = intercept * float(np.sum(row_weights[kept], dtype=np.float64))
    if not len(steps):
        return DataScale(0.0, column_sums, intercept_sum)
    if not np.all(np.isfinite(steps)):
        return DataScale(np.inf, column_sums, intercept_sum)
    extreme, reference = _extreme(norms, weights > 0)
    if not len(extreme):
        return DataScale(float(np.max(steps)), column_sums, intercept_sum)
    return DataScale(
        float(np.max(np.delete(steps, extreme))),
        column_sums,
        intercept_sum,
        extreme_rows=extreme if rows is None else np.asarray(rows)[extreme],
        extreme_steps=steps[extreme],
        extreme_norms=norms[extreme],
        reference=reference,
    )


def _extreme(norms, trained):
    """Positions of the rows :class:`DataScale` leaves out, by decreasing norm
    (``||x_i||^2 + intercept_decay * fit_intercept``), among the ``trained``
    rows (of positive weight), and the reference norm (``None`` when no row
    can be left out)."""
    candidates = norms[trained]
    n_left_out = int(EXTREME_SHARE * len(candidates))
    if n_left_out < 1:
        return np.zeros(0, dtype=np.intp), None
    position = len(candidates) - 1 - n_left_out  # n_left_out norms at least as large
    reference = float(np.partition(candidates, position)[position])
    if reference <= 0:
        return np.zeros(0, dtype=np.intp), None
    extreme = np.flatnonzero(trained & (norms > EXTREME_FACTOR * reference))
    return extreme[np.argsort(-norms[extreme], kind="stable")], reference


def _squares(block):
    """Element-wise squares of a block of rows, in float64."""
    if sp.issparse(block):
        squared = block.astype(np.float64)
        squared.data **= 2
        return squared
    return np.square(block, dtype=np.float64)


SPARSE_INTERCEPT_DECAY = 0.01
"""scikit-learn's factor of the intercept updates on sparse data
(``SPARSE_INTERCEPT_DECAY`` of sklearn/linear_model/_base.py, a private name:
copied, not imported)."""

MAX_DLOSS = 1e12
"""scikit-learn's clip of the loss gradient ``|dloss|`` of one update
(``MAX_DLOSS`` of sklearn/linear_model/_sgd_fast.pyx.tp)."""


@dataclass(frozen=True)
class Problem:
    """The data of one call, and the constants of the models trained on it.

    Attributes
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated data.
    targets : ndarray of shape (n_samples,)
        Regression targets (dtype of ``X``), or the class index of every row
        (int32) when ``positive`` is set.
    sample_weight : ndarray of shape (n_samples,)
        Validated sample weights, dtype of ``X``.
    rows : ndarray of int32 or None
        The training rows (all rows but the held-out ones); ``None`` for all.
    sample_rows : ndarray of int or None
        Every row of the data set the models are fitted on, held-out rows
        included (a fold of a cross-validation); ``None`` for all rows of
        ``X``. The reference and final losses are means over these rows.
    alpha, weight_pos, weight_neg : ndarray of shape (n_models,)
        Penalty strength and class weights of each model.
    positive : ndarray of shape (n_models,), int32, or None
        The class each model treats as positive (classification only).
    negative : float
        Target of a model's other classes: -1, or 0 for the log loss.
    max_dloss : float
        Bound on ``|dloss|``.
    intercept_decay : float
        Factor of the intercept updates.
    row_cap : ndarray of shape (n_samples,) or None
        The largest rate of every row's update, for the models of ``capped``
        (see :func:`skcosine._settings.row_caps`); ``None`` for no cap.
    capped : ndarray of shape (n_models,), uint8, or None
        The models ``row_cap`` applies to (those of ``eta0='auto'``); ``None``
        for all.
    """

    X: object
    targets: np.ndarray
    sample_weight: np.ndarray
    rows: np.ndarray
    alpha: np.ndarray
    weight_pos: np.ndarray
    weight_neg: np.ndarray
    positive: object = None
    negative: float = -1.0
    max_dloss: float = MAX_DLOSS
    intercept_decay: float = 1.0
    sample_rows: object = None
    row_cap: object = None
    capped: object = None

    @classmethod
    def build(
        cls, settings, X, targets, sample_weight, rows, *, sample_rows=None, alphas=None
    ):
        """The problem of ``settings`` on validated data.

        Parameters
        ----------
        settings : Settings
            The loss and ``alpha``.
        X : ndarray or CSR matrix of shape (n_samples, n_features)
            Validated data.
        targets : Targets
            The encoded targets of every row of ``X``.
        sample_weight : ndarray of shape (n_samples,)
            Validated sample weights.
        rows, sample_rows : ndarray of int or None
            See the attributes.
        alphas : sequence of float or None
            One ``alpha`` per candidate of a grid, each candidate getting the
            ``targets.n_models`` models of the targets; ``None`` for the one
            ``settings.alpha``.
        """
        values = targets.values
        if targets.regression:  # regression targets in the dtype of X
            values = values.astype(X.dtype, copy=False)
        alphas = [settings.alpha] if alphas is None else alphas
        n_candidates, per_candidate = len(alphas), targets.n_models
        positive = targets.positive
        return cls(
            X=X,
            targets=values,
            sample_weight=sample_weight,
            rows=None if rows is None else np.asarray(rows, dtype=np.int32),
            sample_rows=sample_rows,
            alpha=np.repeat(np.asarray(alphas, dtype=np.float64), per_candidate),
            # the weights of every candidate, in new arrays (np.tile's, with
            # less overhead)
            weight_pos=np.concatenate([targets.weight_pos] * n_candidates),
            weight_neg=np.concatenate([targets.weight_neg] * n_candidates),
            positive=(
                None
                if targets.regression
                else np.concatenate([positive] * n_candidates)
            ),
            negative=0.0 if settings.loss == "log_loss" else -1.0,
            # large targets scale scikit-learn's clip up
            max_dloss=MAX_DLOSS * max(1.0, targets.max_abs),
            intercept_decay=SPARSE_INTERCEPT_DECAY if sp.issparse(X) else 1.0,
        )

    @property
    def n_models(self):
        return len(self.alpha)

    def data_scale(self, row_weights, fit_intercept):
        """:func:`skcosine._settings.data_scale` of the training rows.

        Parameters
        ----------
        row_weights : ndarray of shape (n_samples,)
            ``c_i * w_i`` of every row of ``X``.
        fit_intercept : bool
            Whether the intercept is trained.
        """
        return data_scale(
            self.X, row_weights, fit_intercept, self.intercept_decay, rows=self.rows
        )

    @property
    def regression(self):
        """Whether the models are regressions (no positive class)."""
        return self.positive is None

    def model_targets(self, rows):
        """Targets of ``rows`` as each model's loss sees them, broadcastable
        to ``(n, K)``."""
        if self.regression:
            return self.targets[rows, None]
        mine = self.targets[rows, None] == self.positive[None, :]
        return np.where(mine, 1.0, self.negative)

    def model_weights(self, rows):
        """Sample times class weight of ``rows`` for each model, broadcastable
        to ``(n, K)``."""
        if self.regression:  # no class weights
            return self.sample_weight[rows, None]
        positive = self.model_targets(rows) > 0
        class_weight = np.where(positive, self.weight_pos, self.weight_neg)
        return class_weight * self.sample_weight[rows, None]

    def zero_losses(self, loss, epsilon):
        """Mean loss of the all-zero model over the sample rows, per model."""
        if not self.regression:  # every target is 1 or `negative`
            return np.full(self.n_models, loss_values(loss, epsilon, y=1.0, p=0.0))
        rows = self.sample_rows
        mean = zero_model_loss(
            loss,
            epsilon,
            self.targets,
            self.sample_weight,
            None if rows is None else np.asarray(rows, dtype=np.int32),
        )
        return np.full(self.n_models, mean)


def validation_split(settings, labels, sample_weight, stratify):
    """Rows held out for early stopping, drawn as scikit-learn draws them.

    Parameters
    ----------
    settings : Settings
        ``early_stopping``, ``validation_fraction`` and ``random_state``; the
        split draws from a ``RandomState`` before the seed of the row order,
        as scikit-learn's does.
    labels : ndarray of shape (n_samples,)
        Targets (stratified by, for a classifier).
    sample_weight : ndarray of shape (n_samples,)
        Sample weights.
    stratify : bool
        Whether to keep the class proportions (classifiers).

    Returns
    -------
    mask : ndarray of bool of shape (n_samples,)
        ``True`` on the held-out rows (none without early stopping).
    """
    n_samples = len(labels)
    mask = np.zeros(n_samples, dtype=bool)
    if not settings.early_stopping:
        return mask
    splitter = StratifiedShuffleSplit if stratify else ShuffleSplit
    cv = splitter(
        test_size=settings.validation_fraction, random_state=settings.random_state
    )
    idx_train, idx_val = next(cv.split(np.zeros((n_samples, 1)), labels))
    if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
        raise ValueError(
            f"Splitting {n_samples} samples with validation_fraction="
            f"{settings.validation_fraction!r} left an empty training or "
            "validation set; change validation_fraction, add samples or set "
            "early_stopping=False."
        )
    if not np.any(sample_weight[idx_val] > 0):
        raise ValueError(
            "The sample weights of the validation set are all zero; use another "
            "random_state or set early_stopping=False."
        )
    mask[idx_val] = True
    return mask
