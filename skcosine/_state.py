"""The training state of a fitted model: plain arrays, checked before use.

Between calls an estimator keeps everything training needs to continue in
``_state``, a dict of numpy arrays and numbers (so pickles and skops files name
no private class). The arrays are those of the kernel
(:class:`skcosine._kernel.Kernel`), models in columns:

========================  ==================  =====================================
key                       shape, dtype        meaning
========================  ==================  =====================================
``coef``                  (d, K), X's dtype   weights, divided by ``wscale``
``wscale``                (K,), float64       pending L2 scale of the weights
``intercept``             (K,), float64       intercepts
``updates``               (K,), float64       updates made so far, plus one
``average_coef``          (d, K), X's dtype   averaged weights (with ``average``)
``average_intercept``     (K,), float64       averaged intercepts
``average_a``             (K,), float64       averaging scalars (Bottou's trick)
``average_b``             (K,), float64
``l1_q``                  (d, K), X's dtype   L1 penalty applied to each weight
``l1_u``                  (K,), float64       L1 penalty accumulated per weight
                                              (``+inf`` once it overflowed)
``rng``                   (4,), uint64        generator of the row order
``reference_loss``        (K,), float64       what the divergence rule compares
``epochs``                float               position in the schedule, in epochs
``lr_initial``            float               the rate the schedule starts from
========================  ==================  =====================================

Nothing compiled ever reads a state that :func:`check_state` has not accepted,
so a tampered file cannot crash the process.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ._kernel import seed_state
from ._schedules import MAX_COUNT

__all__ = [
    "MAX_SEED",
    "averaging_started",
    "check_state",
    "copy_state",
    "model_arrays",
    "new_state",
    "penalty_norms",
    "prepare",
    "seed_of",
]

MAX_SEED = 2**63 - 1

_MODEL_MATRICES = ("coef", "average_coef", "l1_q")
_MODEL_VECTORS = (
    "wscale",
    "intercept",
    "updates",
    "average_intercept",
    "average_a",
    "average_b",
    "l1_u",
    "reference_loss",
)
_SCALARS = {"rng", "epochs", "lr_initial"}
"""The keys every state has besides the model arrays (``lr_initial`` may be
``None``)."""
_OPTIONAL = {
    "average_coef",
    "average_intercept",
    "average_a",
    "average_b",
    "l1_q",
    "l1_u",
}


def seed_of(random_state):
    """The seed of the row order: ``random_state`` itself when it is an int,
    else drawn from it (once per fit).

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.

    Returns
    -------
    int
        A seed in ``[0, 2**63)``.
    """
    if isinstance(random_state, Integral):
        return int(random_state) % (MAX_SEED + 1)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def new_state(n_features, n_models, dtype, *, seed, coef=None, intercept=None):
    """A state for ``n_models`` models on ``n_features`` features.

    Parameters
    ----------
    n_features, n_models : int
        Sizes.
    dtype : numpy dtype
        float32 or float64, the dtype of the data.
    seed : int
        Seed of the generator of the row order.
    coef : ndarray of shape (n_models, n_features) or None
        Initial weights (copied); zeros when ``None``.
    intercept : ndarray of shape (n_models,) or None
        Initial intercepts; zeros when ``None``.
    """
    weights = np.zeros((n_features, n_models), dtype=dtype)
    if coef is not None:
        weights[...] = np.asarray(coef).T
    intercepts = np.zeros(n_models)
    if intercept is not None:
        intercepts[...] = intercept
    return {
        "coef": weights,
        "wscale": np.ones(n_models),
        "intercept": intercepts,
        "updates": np.ones(n_models),
        "rng": seed_state(seed),
        "reference_loss": np.full(n_models, np.nan),
        "epochs": 0.0,
        "lr_initial": None,
    }


def prepare(state, *, average, truncates):
    """Add (or drop) the averaging and L1 arrays the settings need.

    Averaging switched on later starts from the current weights; the L1 state
    starts at zero.
    """
    n_features, n_models = state["coef"].shape
    if average and "average_coef" not in state:
        coef = state["coef"]
        state["average_coef"] = (coef * state["wscale"]).astype(coef.dtype)
        state["average_intercept"] = state["intercept"].copy()
        state["average_a"] = np.zeros(n_models)
        state["average_b"] = np.ones(n_models)
    if truncates and "l1_q" not in state:
        state["l1_q"] = np.zeros((n_features, n_models), dtype=state["coef"].dtype)
        state["l1_u"] = np.zeros(n_models)
    return state


def copy_state(state):
    """A deep copy of a state (arrays copied), for atomic updates."""
    return {
        key: value.copy() if isinstance(value, np.ndarray) else value
        for key, value in state.items()
    }


def model_arrays(state, averaged):
    """Coefficients ``(K, d)`` and intercepts ``(K,)`` of the state's models.

    Parameters
    ----------
    state : dict
        A checked state. The kernel keeps the scale of the weights and the
        averaging scalars pending from pass to pass (as scikit-learn does
        within one ``fit``), so that ``fit`` equals a sequence of
        ``partial_fit`` calls bit for bit; they are applied here.
    averaged : bool
        Whether to return the averaged models.
    """
    coef = state["coef"]
    with np.errstate(over="ignore", invalid="ignore"):
        if averaged:  # folded as scikit-learn's WeightVector.reset_wscale
            weights = state["average_coef"] + state["average_a"] * coef
            weights = weights * (1.0 / state["average_b"])
            return weights.astype(coef.dtype).T, state["average_intercept"].copy()
        return (coef * state["wscale"]).astype(coef.dtype).T, state["intercept"].copy()


def averaging_started(average, n_seen):
    """Whether averaged SGD publishes the average after ``n_seen`` samples:
    once ``average`` of them were seen, as in scikit-learn (``average=0``
    never averages).

    Parameters
    ----------
    average : int
        The ``average`` setting.
    n_seen : int or ndarray
        Samples seen (weight updates made).
    """
    return np.logical_and(bool(average), average <= n_seen)


def penalty_norms(state):
    """Squared L2 norms and L1 norms ``(K,)`` of the weights."""
    weights = state["coef"].astype(np.float64) * state["wscale"]
    return np.einsum("jk,jk->k", weights, weights), np.abs(weights).sum(axis=0)


def check_state(state, n_features, n_models, dtype):
    """Raise ``ValueError`` unless ``state`` is a valid training state.

    A model loaded from a file may carry anything in ``_state``; this checks
    every key's type, dtype, shape and range against the fitted attributes
    before any compiled code reads it.
    """
    if not isinstance(state, dict):
        raise _invalid("the training state is not a dict")
    required = (set(_MODEL_MATRICES + _MODEL_VECTORS) - _OPTIONAL) | _SCALARS
    missing = required - set(state)
    if missing:
        raise _invalid(f"the training state lacks {sorted(missing)}")
    for key in _MODEL_MATRICES:
        if key in state:
            _check_array(state, key, dtype, (n_features, n_models))
    for key in _MODEL_VECTORS:
        if key in state:
            _check_array(state, key, np.float64, (n_models,), finite=False)
    _check_array(state, "rng", np.uint64, (4,))
    if not np.any(state["rng"]):
        raise _invalid("the generator state is all zero")
    if ("average_coef" in state) != ("average_b" in state) or ("l1_q" in state) != (
        "l1_u" in state
    ):
        raise _invalid("the averaging or L1 arrays are incomplete")
    _check_ranges(state)
    _check_number(state, "epochs", low=0.0)
    if state.get("lr_initial") is not None:
        _check_number(state, "lr_initial", low=0.0, strict=True)
    if "max_iter" in state:
        budget = state["max_iter"]
        integer = isinstance(budget, Integral) and not isinstance(budget, bool)
        if not integer or not 1 <= budget <= MAX_COUNT:
            raise _invalid("'max_iter' must be a positive integer")


def _check_ranges(state):
    checks = [
        ("wscale", (state["wscale"] > 0) & (state["wscale"] <= 1)),
        ("updates", state["updates"] >= 1),
        ("intercept", np.isfinite(state["intercept"])),
    ]
    if "average_b" in state:
        checks.append(("average_b", state["average_b"] >= 1))
        checks.append(("average_a", np.isfinite(state["average_a"])))
        checks.append(("average_intercept", np.isfinite(state["average_intercept"])))
    if "l1_u" in state:  # +inf is valid: the penalty overflowed (see _truncate)
        checks.append(("l1_u", state["l1_u"] >= 0))
    for key, ok in checks:
        if not np.all(ok):
            raise _invalid(f"'{key}' holds values out of range")


def _check_array(state, key, dtype, shape, finite=True):
    value = state[key]
    if (
        type(value) is not np.ndarray
        or value.dtype != dtype
        or value.shape != shape
        or not value.flags.c_contiguous
    ):
        raise _invalid(
            f"'{key}' must be a C-contiguous {np.dtype(dtype).name} array of shape "
            f"{shape}"
        )
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise _invalid(f"'{key}' holds non-finite values")


def _check_number(state, key, low, strict=False):
    value = state.get(key)
    if (
        not isinstance(value, (int, float, np.floating))
        or isinstance(value, bool)
        or not np.isfinite(value)
        or value < low
        or (strict and value == low)
    ):
        raise _invalid(f"'{key}' must be a finite number above {low}")


def _invalid(what):
    return ValueError(
        f"The fitted model's training state (_state) is invalid ({what}); it was "
        "not made by skcosine, or it was modified. Fit the model again."
    )
