"""The one place where skcosine touches scikit-learn internals.

Everything private that skcosine uses from scikit-learn is imported here and
nowhere else:

* the parameter-validation machinery (``_fit_context``, ``Interval``,
  ``StrOptions``) that every scikit-learn-compatible estimator uses to declare
  ``_parameter_constraints``;
* the native SGD epoch (``_plain_sgd64`` / ``_plain_sgd32`` and the sequential
  datasets), which lets one epoch run without re-validating the data.

The native epoch is enabled only for scikit-learn versions it was tested on
(:data:`NATIVE_VERSIONS`).  On any other version, or when the environment
variable ``SKCOSINE_ENGINE=public`` is set, :data:`NATIVE` is ``False`` and the
estimators run every epoch through the public ``partial_fit`` of a private
scikit-learn estimator instead.  Both paths draw the same random numbers in the
same order, so they give bitwise identical coefficients; ``tests/test_engine.py``
checks it.
"""

import os
import re

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = [
    "CALLBACKS",
    "CallbackSupportMixin",
    "Interval",
    "MAX_INT",
    "NATIVE",
    "NATIVE_VERSIONS",
    "SKLEARN_VERSION",
    "StrOptions",
    "fit_context",
    "has_callbacks",
    "is_log_loss",
    "NativeEpochs",
    "native_init",
    "validate_params",
]

MAX_INT = np.iinfo(np.int32).max
"""Upper bound of the seeds scikit-learn draws for its SGD (a C ``int``)."""

NATIVE_VERSIONS = ((1, 8), (1, 10))
"""Half-open range of scikit-learn ``(major, minor)`` versions whose private SGD
internals were checked against the public path."""


def _parse_version(version):
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


SKLEARN_VERSION = _parse_version(sklearn.__version__)

fit_context = _fit_context

try:  # public since scikit-learn 1.9
    from sklearn.callback import CallbackSupportMixin

    CALLBACKS = True

    def has_callbacks(context):
        """Whether a callback context has callbacks to call (its own or a
        meta-estimator's)."""
        return bool(context._callbacks)

except ImportError:  # pragma: no cover - depends on the installed version

    class CallbackSupportMixin:
        """Stands in for ``sklearn.callback.CallbackSupportMixin`` before 1.9."""

    CALLBACKS = False

    def has_callbacks(context):
        return False


def validate_params(obj):
    """Check ``obj``'s parameters against its ``_parameter_constraints``.

    Raises scikit-learn's ``InvalidParameterError`` (a ``ValueError``) naming
    the parameter and the value.
    """
    obj._validate_params()


try:  # Guarded: these names are private and move between releases.
    from sklearn._loss._loss import CyHalfBinomialLoss
    from sklearn.linear_model._base import SPARSE_INTERCEPT_DECAY
    from sklearn.linear_model._sgd_fast import _plain_sgd32, _plain_sgd64
    from sklearn.utils._seq_dataset import (
        ArrayDataset32,
        ArrayDataset64,
        CSRDataset32,
        CSRDataset64,
    )

    _IMPORTED = True
except ImportError:  # pragma: no cover - depends on the installed version
    _IMPORTED = False

_LOW, _HIGH = NATIVE_VERSIONS
NATIVE = (
    _IMPORTED
    and _LOW <= SKLEARN_VERSION < _HIGH
    and os.environ.get("SKCOSINE_ENGINE", "native") != "public"
)
"""Whether the estimators run epochs natively (``True``) or through the public
``partial_fit`` of scikit-learn's SGD estimators (``False``)."""

_CONSTANT_LEARNING_RATE = 1  # scikit-learn's code for learning_rate="constant"


def native_init(worker, n_features, dtype, coef_init=None, intercept_init=None):
    """Give a fresh SGD worker the state its first ``partial_fit`` would create.

    Parameters
    ----------
    worker : SGDRegressor or SGDClassifier
        An unfitted worker (binary for a classifier).
    n_features : int
        Number of features.
    dtype : numpy dtype
        ``np.float64`` or ``np.float32``, the dtype of the training data.
    coef_init, intercept_init : ndarray or None
        Initial coefficients of this single problem; copied, never modified.
    """
    worker._allocate_parameter_mem(
        n_classes=1,
        n_features=n_features,
        input_dtype=dtype,
        coef_init=None if coef_init is None else np.array(coef_init, dtype=dtype),
        intercept_init=(
            None if intercept_init is None else np.array(intercept_init, dtype=dtype)
        ),
    )
    if worker.average > 0:
        worker._average_coef = np.zeros(n_features, dtype=dtype, order="C")
        worker._average_intercept = np.zeros(1, dtype=dtype, order="C")
    worker._loss_function_ = worker._get_loss_function(worker.loss)
    worker.t_ = 1.0
    worker.n_iter_ = 0


class NativeEpochs:
    """Runs epochs of one worker natively, on data validated once.

    One epoch at learning rate ``lr`` is what ``worker.partial_fit`` does
    after validating its input with ``eta0=lr``: it draws the same random
    numbers from ``worker.random_state`` (a ``RandomState``) in the same order
    and updates the same state, so both give identical results. Everything
    that does not change between epochs is prepared here once.

    Parameters
    ----------
    worker : SGDRegressor or SGDClassifier
        A worker prepared by :func:`native_init` or by the public path.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated training data (C-ordered, float32 or float64). Each call takes
        the targets, encoded for the loss (``{-1, 1}`` or ``{0, 1}`` for a binary
        classification problem), with the dtype of ``X``.
    sample_weight : ndarray of shape (n_samples,)
        Sample weights with the dtype of ``X``.
    validation_mask : ndarray of bool of shape (n_samples,)
        Rows held out for early stopping (skipped by the epochs).
    weights : tuple of float or None
        ``(weight_pos, weight_neg)`` class weights of a classification problem;
        ``None`` for regression.
    """

    def __init__(self, worker, X, sample_weight, validation_mask, weights=None):
        self.worker = worker
        self.n_samples = X.shape[0]
        self.regression = weights is None
        float32 = X.dtype == np.float32
        if sp.issparse(X):
            dataset = CSRDataset32 if float32 else CSRDataset64
            self.data = (X.data, X.indptr, X.indices)
            self.intercept_decay = SPARSE_INTERCEPT_DECAY
        else:
            dataset = ArrayDataset32 if float32 else ArrayDataset64
            self.data = (X,)
            self.intercept_decay = 1.0
        self.sample_weight = sample_weight
        self.dataset = dataset
        self.plain_sgd = _plain_sgd32 if float32 else _plain_sgd64
        self.validation_mask = validation_mask
        self.weight_pos, self.weight_neg = (1.0, 1.0) if weights is None else weights
        self.loss = worker._loss_function_
        self.penalty_type = worker._get_penalty_type(worker.penalty)
        self.l1_ratio = worker._get_l1_ratio()
        self.alpha = worker.alpha
        self.fit_intercept = int(worker.fit_intercept)
        self.shuffle = int(worker.shuffle)
        self.average = worker.average
        # The coefficient arrays are updated in place, epoch after epoch.
        averaged = worker.average > 0
        self.coef = (worker._standard_coef if averaged else worker.coef_).ravel()
        self.average_coef = worker._average_coef.ravel() if averaged else None
        self.randint = worker.random_state.randint

    def __call__(self, lr, y):
        """Run one epoch at learning rate ``lr`` on the targets ``y``."""
        worker, randint = self.worker, self.randint
        data = (*self.data, y, self.sample_weight)
        # make_dataset() draws the dataset's seed, which only drives random
        # sampling; _fit_regressor draws the shuffling seed before it and
        # fit_binary after it.
        if self.regression:
            seed = randint(0, MAX_INT)
            dataset = self.dataset(*data, seed=randint(1, MAX_INT))
        else:
            dataset = self.dataset(*data, seed=randint(1, MAX_INT))
            seed = randint(MAX_INT)
        if self.average:
            intercept = worker._standard_intercept[0]
            average_intercept = worker._average_intercept[0]
        else:
            intercept, average_intercept = worker.intercept_[0], 0.0
        _, intercept, average_coef, average_intercept, _ = self.plain_sgd(
            self.coef,
            intercept,
            self.average_coef,
            average_intercept,
            self.loss,
            self.penalty_type,
            self.alpha,
            self.l1_ratio,
            dataset,
            self.validation_mask,
            True,  # "early stopping" with a constant score: see _no_score
            _no_score,
            1,
            1,
            -np.inf,
            self.fit_intercept,
            0,
            self.shuffle,
            seed,
            self.weight_pos,
            self.weight_neg,
            _CONSTANT_LEARNING_RATE,
            lr,
            0.5,
            0,
            worker.t_,
            self.intercept_decay,
            self.average,
        )
        worker.t_ += self.n_samples
        worker.n_iter_ = 1
        if self.average:
            _store_average(worker, intercept, average_coef, average_intercept)
        else:
            worker.intercept_ = np.atleast_1d(intercept)


def _no_score(coef, intercept):
    """Validation callback that never improves nor worsens.

    The Cython epoch evaluates the loss of every sample only to feed its own
    stopping rule, unless ``early_stopping`` is on; skcosine runs its stopping
    rule between epochs, so it turns that flag on with this callback, which
    cannot stop the epoch (the tolerance is ``-inf``) and skips the per-sample
    loss evaluation. The weights are updated exactly as without it.
    """
    return 0.0


def _store_average(worker, intercept, average_coef, average_intercept):
    """Publish an averaged epoch the way scikit-learn's regressor does.

    The averaged model becomes ``coef_`` once ``average`` updates were made.
    """
    worker._standard_intercept = np.atleast_1d(intercept)
    worker._average_intercept = np.atleast_1d(average_intercept)
    if worker.average <= worker.t_ - 1:
        worker.coef_ = average_coef.reshape(worker.coef_.shape)
        worker.intercept_ = worker._average_intercept
    else:
        worker.coef_ = worker._standard_coef.reshape(worker.coef_.shape)
        worker.intercept_ = worker._standard_intercept


def is_log_loss(worker):
    """Whether a classification worker encodes its targets as ``{0, 1}``."""
    return isinstance(worker._get_loss_function(worker.loss), CyHalfBinomialLoss)
