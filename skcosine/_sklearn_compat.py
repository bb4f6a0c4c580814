"""The one place where skcosine touches scikit-learn internals.

Everything private that skcosine uses from scikit-learn is imported here and
nowhere else: the parameter-validation machinery (``_fit_context``,
``Interval``, ``StrOptions``) that every scikit-learn-compatible estimator uses
to declare ``_parameter_constraints``, the parameter names ``get_params``
reads (``_get_param_names``, read once per class), and the callback support of
scikit-learn 1.9. The training epoch is skcosine's own kernel
(:mod:`skcosine._kernel`): no SGD internals are used, so every scikit-learn
version runs the same code.
"""

import functools
import inspect
import math
import weakref
from numbers import Integral

from sklearn import get_config
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval as _Interval
from sklearn.utils._param_validation import (
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import _check_method_params, _is_fitted

__all__ = [
    "CALLBACKS",
    "CallbackSupportMixin",
    "Interval",
    "StrOptions",
    "fit_context",
    "fit_callback_context",
    "has_callbacks",
    "init_callback_context",
    "method_params",
    "multimetric_scorers",
    "own_constraints",
    "parameter_names",
    "partial_fit_context",
    "routing_enabled",
    "scorer_accepts_sample_weight",
    "scorer_response_methods",
    "validate_values",
]

fit_context = _fit_context


_PARAMETER_NAMES = weakref.WeakKeyDictionary()
"""``{class: parameter names}`` (weak: a class made and dropped at run time,
as tests do, is not kept alive)."""


def parameter_names(cls):
    """The parameter names of estimator class ``cls``, as scikit-learn's
    ``get_params`` reads them (``cls._get_param_names()``: the arguments of
    ``__init__``, sorted), computed once per class.

    scikit-learn rebuilds them with ``inspect.signature`` at every call, and
    ``get_params`` runs at every ``fit`` (the parameter validation) and every
    ``clone``: about 1.7 us per parameter, 40 us of the 0.65 ms of a one-epoch
    fit on 2,000 x 20 (``benchmarks/speed.py``). A subclass is a new key, so
    it gets its own names.
    """
    names = _PARAMETER_NAMES.get(cls)
    if names is None:
        names = _PARAMETER_NAMES[cls] = tuple(cls._get_param_names())
    return names


class Interval(_Interval):
    """scikit-learn's ``Interval``, with a real value compared as the float
    the estimators compute with: ``float(value)``.

    scikit-learn's own raises ``TypeError`` for a ``numbers.Real`` numpy cannot
    test for NaN (``Fraction(1, 10)``) and accepts an int beyond the float
    range (``10**400``), which then overflows in the first arithmetic. Here
    the first is 0.1, as a float of the same value would be, and the second is
    outside the interval: an ``InvalidParameterError`` naming the parameter.
    """

    def __contains__(self, val):
        if self.type is not Integral:
            try:
                val = float(val)
            except (OverflowError, TypeError, ValueError):
                return False
            if math.isnan(val):
                return False
        elif not isinstance(val, Integral):
            return super().__contains__(val)
        # scikit-learn's comparisons, without its np.isnan of a Python number
        # (about 1 us of every parameter validation, for each interval)
        left = -math.inf if self.left is None else self.left
        right = math.inf if self.right is None else self.right
        if val < left if self.closed in ("left", "both") else val <= left:
            return False
        if val > right if self.closed in ("right", "both") else val >= right:
            return False
        return True

    def __str__(self):
        text = super().__str__()
        if self.type is Integral or self.right is not None:
            return text
        if self.closed in ("right", "both"):  # infinity is in
            return text
        return text.replace("a float", "a finite float", 1)  # up to ~1.8e308


def own_constraints(constraints):
    """``constraints`` (``{name: [rule, ...]}``, scikit-learn's) with every
    ``Interval`` replaced by this module's :class:`Interval`."""

    def own(rule):
        if isinstance(rule, _Interval) and not isinstance(rule, Interval):
            return Interval(rule.type, rule.left, rule.right, closed=rule.closed)
        return rule

    return {name: [own(rule) for rule in rules] for name, rules in constraints.items()}


def partial_fit_context(partial_fit):
    """``fit_context`` for ``partial_fit``, validating the parameters at every
    call.

    scikit-learn's ``_fit_context`` validates ``partial_fit`` only until the
    estimator is fitted, so a ``set_params`` between two calls would reach the
    training unchecked (a ``KeyError`` deep inside, or values ``fit``
    refuses). This validates exactly the calls it skips, as it would (not
    under ``sklearn.config_context(skip_parameter_validation=True)``), and
    otherwise leaves the call to it.
    """
    in_context = _fit_context(prefer_skip_nested_validation=True)(partial_fit)

    @functools.wraps(partial_fit)
    def validated(estimator, *args, **kwargs):
        if not get_config()["skip_parameter_validation"] and _is_fitted(estimator):
            estimator._validate_params()
        return in_context(estimator, *args, **kwargs)

    return validated


try:  # public since scikit-learn 1.9
    from sklearn.callback import CallbackSupportMixin

    CALLBACKS = True

    def has_callbacks(context):
        """Whether a callback context has callbacks to call (its own or a
        meta-estimator's)."""
        return bool(context._callbacks)

    def init_callback_context(estimator, n_epochs):
        """Create the callback context of a fit of ``n_epochs`` epochs, if
        anything can use it: a callback set on the estimator, or the context
        of a meta-estimator to join.

        Without either, the context scikit-learn would make has no callback to
        call and no task tree to join, and only the estimator holds it until
        the end of the fit: making it (a uuid and a clock read) would cost the
        fit about 20 us and change nothing.
        """
        if getattr(estimator, "_skl_callbacks", None) or hasattr(
            estimator, "_parent_callback_ctx"
        ):
            estimator._init_callback_context(max_subtasks=n_epochs)

    def fit_callback_context(estimator):
        """The callback context of the current fit, or ``None``."""
        return getattr(estimator, "_callback_fit_ctx", None)

except ImportError:  # pragma: no cover - depends on the installed version

    class CallbackSupportMixin:
        """Stands in for ``sklearn.callback.CallbackSupportMixin`` before 1.9."""

    CALLBACKS = False

    def has_callbacks(context):
        return False

    def init_callback_context(estimator, n_epochs):
        pass

    def fit_callback_context(estimator):
        return None


def validate_values(constraints, values, caller):
    """Check ``values`` (``{name: value}``) against ``constraints``: the
    entries of a searched list, named as ``'alphas[2]'``.

    Raises scikit-learn's ``InvalidParameterError`` (a ``ValueError``) naming
    the entry and the value.
    """
    validate_parameter_constraints(constraints, values, caller_name=caller)


def scorer_accepts_sample_weight(scorer):
    """Whether ``scorer`` takes ``sample_weight``, decided as ``GridSearchCV``
    decides it (a scorer object tells; a callable's signature shows)."""
    accepts = getattr(scorer, "_accept_sample_weight", None)
    if accepts is not None:
        return bool(accepts())
    return "sample_weight" in inspect.signature(scorer).parameters


def routing_enabled():
    """Whether metadata routing is on (``sklearn.set_config(
    enable_metadata_routing=True)``)."""
    return _routing_enabled()


def method_params(X, params, indices):
    """The fit or score parameters ``params`` of the rows ``indices`` of
    ``X``: every array-like of one value per row indexed, the rest as given,
    as ``GridSearchCV`` splits them."""
    return _check_method_params(X, params=params, indices=indices)


def multimetric_scorers(scorer):
    """``{name: scorer}`` of a multi-metric scorer (what ``check_scoring``
    returns for a list, tuple, set or dict), as ``GridSearchCV`` publishes
    them in ``scorer_``."""
    return dict(scorer._scorers)


def scorer_response_methods(scorer):
    """The prediction methods a scorer may call on the estimator, any one of
    which it accepts (``('predict_proba',)`` for ``'neg_log_loss'``), or
    ``None`` when it does not say (a plain callable, the estimator's own
    ``score``)."""
    methods = getattr(scorer, "_response_method", None)
    if methods is None:
        return None
    return (methods,) if isinstance(methods, str) else tuple(methods)
