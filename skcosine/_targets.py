"""Targets as the models see them: the one home of target encoding.

A regression is one model on the targets. A classification is one binary
problem for two classes (class 1 positive) or one per class against the others
(one-versus-all, the others weighted 1, as in scikit-learn); the kernel gets
the class index of every row and, per model, its positive class and its two
class weights.
"""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

__all__ = [
    "FLOAT32_MAX",
    "MAX_TARGET",
    "Targets",
    "check_float32_range",
    "checked_classes",
    "class_weights",
    "classification_targets",
    "label_targets",
    "regression_targets",
    "sorted_labels",
]

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
    """

    def __init__(self, values, positive, weight_pos, weight_neg, names):
        self.values, self.positive = values, positive
        self.weight_pos, self.weight_neg = weight_pos, weight_neg
        self.names = names

    @property
    def n_models(self):
        return len(self.weight_pos)

    @property
    def regression(self):
        return self.positive is None

    def max_abs(self):
        """The largest absolute target (1 for a classification)."""
        if self.regression and len(self.values):
            return float(np.max(np.abs(self.values)))
        return 1.0

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
    if values.size and np.max(np.abs(values)) > MAX_TARGET:
        raise ValueError(
            f"y has values up to {np.max(np.abs(values)):.3g}, so large that "
            "squared errors overflow float64: scale y (for example with "
            "sklearn.compose.TransformedTargetRegressor)."
        )
    one = np.ones(1)  # a single model, no class weights
    return Targets(values, positive=None, weight_pos=one, weight_neg=one, names=[""])


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
