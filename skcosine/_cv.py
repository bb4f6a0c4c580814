"""CosineSGDRegressorCV and CosineSGDClassifierCV: the grid search over the
schedule, one pass per fold.

scikit-learn's convention for estimators that search their own
hyper-parameters efficiently (``RidgeCV``, ``LassoCV``,
``LogisticRegressionCV``), for cosine SGD: the grid of ``eta0s`` x ``lr_mins``
x ``T_maxs`` x ``alphas`` is searched by cross-validation, every candidate of
a fold trained in the same pass over the fold's rows
(:mod:`skcosine._search`), then the best candidate is refitted on every row.
The answer is ``GridSearchCV``'s on the same grid and splits.
"""

import contextlib
import functools
import inspect
import numbers
import time
import traceback
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.metrics import check_scoring, get_scorer_names, r2_score
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.utils import metadata_routing
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from . import _sklearn_compat as compat
from ._base import alone, atomic
from ._data import (
    check_float32_range,
    checked_classes,
    label_targets,
    regression_targets,
)
from ._docstrings import DocLinkMixin, shared_doc, with_parameters
from ._schedules import check_rate_range
from ._search import fit_fold
from ._settings import Settings, auto_max_iter, warn
from ._validation import validate_prediction_data, validate_training_data

__all__ = [
    "DEFAULT_GRID",
    "SEARCH_ENTRIES",
    "CosineSGDSearchMixin",
    "delegate",
    "search_doc",
    "search_parameters",
]

SEARCHED = {"eta0s": "eta0", "lr_mins": "lr_min", "T_maxs": "T_max", "alphas": "alpha"}
"""The searched lists, and the parameter of the plain estimator each sets."""

DEFAULT_GRID = {
    "eta0s": ("auto",),
    "lr_mins": (0.0,),
    "T_maxs": (None,),
    "alphas": (1e-6, 1e-5, 1e-4, 1e-3),
}
"""The default grid (see the estimators' Notes for why)."""


def search_constraints(plain):
    """The parameter constraints of the CV estimator of ``plain``: its own,
    with the searched lists instead of the searched parameters."""
    kept = {
        name: rule
        for name, rule in plain._parameter_constraints.items()
        if name not in SEARCHED.values() and name != "n_jobs"
    }
    return {
        **kept,
        **{name: ["array-like"] for name in SEARCHED},
        "cv": ["cv_object"],
        "scoring": [
            compat.StrOptions(set(get_scorer_names())),
            callable,
            list,
            tuple,
            set,
            dict,
            None,
        ],
        "refit": ["boolean", str, callable],
        "error_score": [compat.StrOptions({"raise"}), numbers.Real],
        "return_train_score": ["boolean"],
        "n_jobs": [Integral, None],
    }


SEARCH_ENTRIES = {
    "eta0s": f"""eta0s : sequence of float or 'auto', default={DEFAULT_GRID["eta0s"]!r}
    Initial learning rates searched (see ``eta0``). 'auto' is computed on
    each fold's training rows, as a standalone fit on them would.""",
    "lr_mins": f"""lr_mins : sequence of float, default={DEFAULT_GRID["lr_mins"]!r}
    Final learning rates searched (see ``lr_min``); each must be at most
    every numeric value of ``eta0s``.""",
    "T_maxs": f"""T_maxs : sequence of int or None, default={DEFAULT_GRID["T_maxs"]!r}
    Cycle lengths searched (see ``T_max``); ``None`` fills the budget.""",
    "alphas": f"""alphas : sequence of float, default={DEFAULT_GRID["alphas"]!r}
    Penalty strengths searched (see ``alpha``).""",
    "cv": """cv : int, cross-validation generator or iterable, default=5
    The splits, as in ``GridSearchCV``: an int is the number of folds of a
    ``KFold`` (a ``StratifiedKFold`` for the classifier).""",
    "scoring": """scoring : str, callable, list, tuple, set, dict or None, \
default=None
    How a candidate is scored on a test fold, as in ``GridSearchCV``: a
    scikit-learn scorer name, a callable ``scorer(estimator, X, y)`` (which
    may return a dict of named scores), or several metrics at once, as a
    list, tuple or set of scorer names or a dict of names to scorers (then
    ``cv_results_`` has ``mean_test_<name>`` and so on for every name, and
    ``refit`` names the metric that chooses). ``None`` is the estimator's
    ``score`` (R^2 for the regressor, the accuracy for the classifier). A
    scorer that needs ``predict_proba`` (``'neg_log_loss'``) needs a
    classifier loss that gives probabilities: a ``ValueError`` at fit
    otherwise.""",
    "refit": """refit : bool, str or callable, default=True
    Refit the best candidate on every row (``best_estimator_``), whose
    fitted attributes and methods the estimator then offers. With several
    metrics, the name of the one that chooses the best candidate (or
    ``False``). A callable takes ``cv_results_`` and returns the index of
    the best candidate (``best_score_`` is then not set).""",
    "error_score": """error_score : 'raise' or float, default=np.nan
    The score of a candidate whose fit failed (diverged, or cannot be fitted
    on a fold) or whose scoring raised, with a ``FitFailedWarning`` (a
    ``UserWarning`` for scoring); ``'raise'`` raises the first failure
    instead (as ``GridSearchCV``, in the order of its fits: candidate by
    candidate, split by split). Every fit failing is a ``ValueError``
    whatever its value.""",
    "return_train_score": """return_train_score : bool, default=False
    Also score every candidate on its training rows: ``cv_results_`` then
    has ``split<k>_train_<name>``, ``mean_train_<name>`` and
    ``std_train_<name>``.""",
    "n_jobs": """n_jobs : int or None, default=None
    Folds trained in parallel threads (the kernel releases the GIL);
    ``None`` is 1 unless in a ``joblib.parallel_backend`` context. The
    result does not depend on it.""",
}
"""The entries of the CV estimators' own parameters."""


def search_parameters(plain_parameters):
    """The parameters of a CV estimator: ``loss``, then :data:`SEARCH_ENTRIES`,
    then every other parameter of the plain estimator, whose entries
    (``plain_parameters``, in the order of its signature) are quoted, not
    repeated."""
    replaced = {"loss", "n_jobs", *SEARCHED.values()}
    shared = {
        name: text for name, text in plain_parameters.items() if name not in replaced
    }
    return {"loss": plain_parameters["loss"], **SEARCH_ENTRIES, **shared}


SEARCH_DOC = r"""Cosine SGD {task} with a built-in cross-validated grid search.

    Searches ``eta0s`` x ``lr_mins`` x ``T_maxs`` x ``alphas`` by
    cross-validation, as ``GridSearchCV({plain}(...), grid)`` does
    and with the same result, but trains every candidate of a fold together,
    in one pass over the fold's rows per epoch; then refits the best candidate
    on every row. Every other parameter is a parameter of
    :class:`{plain}`, shared by all candidates. ``cv``, ``scoring``,
    ``refit``, ``error_score``, ``return_train_score``, ``fit(X, y,
    sample_weight, groups)`` with metadata routing, and ``cv_results_`` and
    the ``best_*`` attributes follow ``GridSearchCV``.

    Where it differs from ``GridSearchCV``: ``fit`` takes no fit parameter but
    ``sample_weight`` (no ``coef_init`` or ``intercept_init``: they start one
    fit, not a search), and uses ``sample_weight`` itself, with or without
    metadata routing (no ``set_fit_request`` is needed); with ``scoring=None``
    and metadata routing the test scores are not weighted (pass a scorer that
    requests ``sample_weight``); a scorer that needs ``predict_proba`` with a
    loss that has none is a ``ValueError`` at fit, before training, not a
    search whose every score is ``error_score``; ``score`` and
    the prediction methods are the refitted model's (``score`` is its R^2 or
    accuracy whatever ``scoring``); and there is no ``pre_dispatch`` or
    ``verbose`` for the search (``verbose`` is the refit's).

    Read more in the :ref:`User Guide <cv_estimators>`.

    {parameters}

    Attributes
    ----------
    cv_results_ : dict of ndarray
        The search, as ``GridSearchCV`` reports it (same keys, order and
        types): ``params``, ``param_<name>`` (masked arrays, numeric for a
        grid of numbers), ``split<k>_test_<metric>``,
        ``mean_test_<metric>``, ``std_test_<metric>`` and
        ``rank_test_<metric>`` for every metric (``score`` for one),
        ``split<k>_train_<metric>``, ``mean_train_<metric>`` and
        ``std_train_<metric>`` with ``return_train_score``, and the fit and
        score times (the time of a fold's shared pass, divided among its
        candidates). A candidate whose fit failed (diverged) scores
        ``error_score``; a ``NaN`` ranks last.
    best_params_ : dict
        ``eta0``, ``lr_min``, ``T_max`` and ``alpha`` of the best candidate
        (not set for several metrics with ``refit=False``).
    eta0_ : float or 'auto'
        The chosen ``eta0`` (the rate 'auto' computes on every row is in
        ``schedule_``). Set with ``best_params_``.
    lr_min_ : float
        The chosen ``lr_min``. Set with ``best_params_``.
    T_max_ : int or None
        The chosen ``T_max``. Set with ``best_params_``.
    alpha_ : float
        The chosen ``alpha``. Set with ``best_params_``.
    best_score_ : float
        Its mean test score (of the ``refit`` metric; not set with a
        callable ``refit``, nor for several metrics with ``refit=False``).
    best_index_ : int
        Its index in ``cv_results_`` (set with ``best_params_``).
    multimetric_ : bool
        Whether several metrics were scored.
    n_splits_ : int
        Number of folds.
    scorer_ : callable or dict
        The scorer used; a dict of them for several metrics.
    best_estimator_ : {plain}
        The best candidate refitted on every row (when ``refit`` is not
        ``False``).
    refit_time_ : float
        Seconds the refit took.
    {fitted}
        Those of ``best_estimator_`` (see :class:`{plain}`), with
        ``loss_curve_`` or ``validation_scores_`` when it has them.
    n_features_in_ : {n_features_in_}
    feature_names_in_ : {feature_names_in_}

    See Also
    --------
    {plain} : The estimator searched over.
    {counterpart} : The {counterpart_kind} counterpart.
    sklearn.model_selection.GridSearchCV : The generic search it equals.

    Notes
    -----
    With an integer ``random_state`` the search equals ``GridSearchCV`` over
    the same grid and splits, candidate by candidate: each candidate of a fold
    visits the fold's rows in the order its standalone fit would, with the
    same arithmetic, the same ``eta0='auto'`` (computed on the fold's training
    rows), the same early-stopping split and stopping rule, and fails where
    the standalone fit raises. A ``RandomState`` instance is copied for every
    fold, as ``GridSearchCV``'s clones copy it; with ``random_state=None`` the
    candidates of a fold share one row order.

    ``verbose``, ``warm_start``, ``batches_per_epoch`` and the checkpoint
    parameters concern the refit only. ``sample_weight`` weights the fits
    and, when the scorer takes weights, the test scores, as ``GridSearchCV``
    does.

    The default grid keeps the stable ``eta0='auto'`` and the full cosine cycle
    down to 0 and searches ``alpha`` over 1e-6 ... 1e-3: on the data sets of
    skcosine's quality benchmark no wider grid (of ``alpha``, ``lr_min`` or
    ``T_max``) did better on test data, and a wider range of ``alpha`` did
    worse (see the benchmarks page). Widen it with ``eta0s``, ``lr_mins`` and
    ``T_maxs`` to search the schedule, for example at a small budget or with
    an explicit ``eta0``.

    Examples
    --------
{examples}
    """
"""The docstring of both CV estimators; see :func:`search_doc`."""


def search_doc(plain, plain_parameters, task, counterpart, fitted):
    """A class decorator that writes a CV estimator's docstring from
    :data:`SEARCH_DOC`; the class's own docstring is its ``Examples`` body
    (indented by 4 spaces). Under ``python -OO`` it does nothing.

    Parameters
    ----------
    plain : type
        The estimator searched over.
    plain_parameters : dict
        Its parameter entries, in the order of its signature.
    task : str
        'regression' or 'classification'.
    counterpart : str
        The name of the other CV estimator.
    fitted : str
        The names of the fitted attributes taken from the refitted model.

    Returns
    -------
    callable
        The decorator, which returns the class itself.
    """

    def write(cls):
        if cls.__doc__ is None:  # python -OO
            return cls
        text = SEARCH_DOC
        for field, value in {
            "{task}": task,
            "{plain}": plain.__name__,
            "{counterpart}": counterpart,
            "{counterpart_kind}": "classifier" if task == "regression" else "regressor",
            "{fitted}": fitted,
            "{examples}": cls.__doc__.rstrip(),
        }.items():
            text = text.replace(field, value)
        cls.__doc__ = with_parameters(text, search_parameters(plain_parameters))
        return cls

    return write


class CosineSGDSearchMixin(DocLinkMixin):
    """``fit``, the search results and the refitted model, for both CV
    estimators.

    A subclass sets ``_plain``, the estimator it searches over, and its
    ``_parameter_constraints`` (:func:`search_constraints` of it), and takes
    ``loss``, the searched lists, ``cv``, ``scoring``, ``refit``,
    ``error_score``, ``return_train_score``, ``n_jobs`` and every other
    parameter of ``_plain`` in its ``__init__``.
    """

    _plain = None  # the estimator searched over, set by each CV estimator

    # ``groups`` is for the splitter (routed to it), not a request of fit's own
    __metadata_request__fit = {"groups": metadata_routing.UNUSED}

    @compat.fit_context(prefer_skip_nested_validation=True)
    @shared_doc
    def fit(self, X, y, sample_weight=None, groups=None, **params):
        """Search the grid by cross-validation, then refit the best candidate.

        Parameters
        ----------
        X : {X_train}
        y : array-like of shape (n_samples,)
            Targets (class labels for the classifier).
        sample_weight : {sample_weight}
            They weight the fits and, when the scorer takes weights, the test
            scores (as ``GridSearchCV`` passes them).
        groups : array-like of shape (n_samples,), default=None
            Group labels of the samples, for a group splitter such as
            ``GroupKFold`` (``cv``), as ``GridSearchCV.fit`` takes them. With
            metadata routing enabled, they reach the splitter when it
            requests them.
        **params : dict
            Only with metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``): metadata
            routed to the splitter and the scorer as they request it. The
            fits take no parameter but ``sample_weight``.

        Returns
        -------
        self : {fitted}
        """
        with alone(self):
            return self._fit_alone(X, y, sample_weight, groups, params)

    def _fit_alone(self, X, y, sample_weight, groups, params):
        scorers, refit_metric = self._scorers()
        grid = self._grid()
        shared = self._shared_params()
        self._check_response_methods(scorers, shared)
        settings = _candidate_settings(shared, grid)
        split_params, score_params = self._route(scorers, sample_weight, groups, params)
        with atomic(self):
            _forget_search(self)
            X_valid, y_valid, weights = validate_training_data(
                self, "fit", X, y, sample_weight, reset=True, dtype=None
            )
            if is_classifier(self):
                classes = checked_classes(y_valid)
                targets = label_targets(y_valid, classes, shared["class_weight"])
            else:
                targets = regression_targets(y_valid)
            check_float32_range(targets, weights, X_valid.dtype)
            cv = check_cv(self.cv, y_valid, classifier=is_classifier(self))
            n_samples = X_valid.shape[0]
            splits = [
                _split_rows(train, test, n_samples)
                for train, test in cv.split(X_valid, y_valid, **split_params)
            ]
            if not splits:
                raise ValueError(
                    "No fits were performed. Was the CV iterator empty? (cv gave "
                    "no split.)"
                )
            search = _Search(
                X_valid, y_valid, weights, score_params, settings, grid, shared, scorers
            )
            folds = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(self._fold)(search, train, test) for train, test in splits
            )
            self._record_search(grid, folds, scorers, refit_metric)
            del search, X_valid  # the refit validates X again: not two copies
            if self.refit:
                self._refit(X, y, sample_weight, shared)
        return self

    # --- scorers and metadata -----------------------------------------------------

    def _multimetric_scoring(self):
        """Whether ``scoring`` names several metrics (a callable may still
        return several: that shows once it has scored)."""
        return isinstance(self.scoring, (list, tuple, set, dict))

    def _scorers(self):
        """The scorer (several for a multi-metric ``scoring``) and the metric
        that chooses the best candidate, checked as ``GridSearchCV`` checks
        them (the same errors)."""
        plain = self._plain(**self._shared_params())
        if not self._multimetric_scoring():
            # a callable as given; a name or None as check_scoring makes it
            if callable(self.scoring):
                return self.scoring, "score"
            return check_scoring(plain, scoring=self.scoring), "score"
        scorers = check_scoring(
            plain, scoring=self.scoring, raise_exc=self.error_score == "raise"
        )
        self._check_refit_for_multimetric(compat.multimetric_scorers(scorers))
        return scorers, self.refit

    def _check_refit_for_multimetric(self, names):
        """``GridSearchCV``'s rule: with several metrics, ``refit`` is one of
        their names, a callable or ``False``."""
        by_name = isinstance(self.refit, str) and self.refit in names
        if self.refit is not False and not by_name and not callable(self.refit):
            raise ValueError(
                "For multi-metric scoring, the parameter refit must be set to a "
                "scorer key or a callable to refit an estimator with the best "
                "parameter setting on the whole data and make the best_* "
                "attributes available for that metric. If this is not needed, "
                f"refit should be set to False explicitly. {self.refit!r} was "
                "passed."
            )

    def _check_response_methods(self, scorers, shared):
        """A ``ValueError`` before training when a scorer needs a method the
        candidates lack (``predict_proba`` for ``'neg_log_loss'`` with the
        hinge loss): ``GridSearchCV`` would score every candidate
        ``error_score``."""
        if self._multimetric_scoring():
            named = compat.multimetric_scorers(scorers)
        else:
            named = {
                self.scoring if isinstance(self.scoring, str) else scorers: scorers
            }
        plain = self._plain(**shared)
        for name, scorer in named.items():
            methods = compat.scorer_response_methods(scorer)
            if methods is None or any(hasattr(plain, m) for m in methods):
                continue
            needs = " or ".join(methods)
            if is_classifier(plain) and "predict_proba" in methods:
                advice = (
                    f"which loss={self.loss!r} does not give: use "
                    "loss='log_loss' or loss='modified_huber'"
                )
            else:
                advice = f"which {self._plain.__name__} does not have"
            raise ValueError(f"The scorer {name!r} of scoring needs {needs}, {advice}.")

    def _route(self, scorers, sample_weight, groups, params):
        """The parameters of the splitter's ``split`` and of the scorer, as
        ``GridSearchCV`` routes them: with metadata routing, as the splitter
        and the scorer request them; without, ``groups`` to the splitter and
        ``sample_weight`` to the scorer when it takes it."""
        if compat.routing_enabled():
            given = {
                name: value
                for name, value in (
                    ("sample_weight", sample_weight),
                    ("groups", groups),
                )
                if value is not None
            }
            routed = metadata_routing.process_routing(self, "fit", **given, **params)
            return routed.splitter.split, routed.scorer.score
        if params:
            raise TypeError(
                f"{type(self).__name__}.fit() got an unexpected keyword argument "
                f"{next(iter(params))!r}: it takes sample_weight and groups, and "
                "other metadata only with metadata routing enabled "
                "(sklearn.set_config(enable_metadata_routing=True)), for the "
                "splitter and the scorer."
            )
        score_params = {}
        if sample_weight is not None and self._scorers_take_weights(scorers):
            score_params["sample_weight"] = sample_weight
        return {"groups": groups}, score_params

    def _scorers_take_weights(self, scorers):
        """Whether the test scores are weighted: when a scorer takes sample
        weights, as ``GridSearchCV`` decides (and warns for each that does
        not)."""
        if not self._multimetric_scoring():
            return _weights_scores(scorers, self)
        accepted = False
        for name, scorer in compat.multimetric_scorers(scorers).items():
            if compat.scorer_accepts_sample_weight(scorer):
                accepted = True
            else:
                warn(
                    f"The scoring {name}={scorer} does not support sample_weight, "
                    "which may lead to statistically incorrect results when "
                    f"fitting {self} with sample_weight.",
                    UserWarning,
                )
        return accepted

    def get_metadata_routing(self):
        """Get the metadata routing of this estimator: its own requests, the
        splitter's (``groups`` for a group splitter) and the scorer's, as
        ``GridSearchCV`` routes them.

        Returns
        -------
        routing : MetadataRouter
            The routing (see scikit-learn's :ref:`User Guide
            <sklearn:metadata_routing>`).
        """
        plain = self._plain(**self._shared_params())
        if self.scoring is None and compat.routing_enabled():
            # the plain estimator's score, which no user can reach to set a
            # request: its test scores are not weighted (and ask for nothing)
            plain.set_score_request(sample_weight=False)
        scorer = check_scoring(plain, self.scoring)
        return (
            metadata_routing.MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=self.cv,
                method_mapping=metadata_routing.MethodMapping().add(
                    caller="fit", callee="split"
                ),
            )
            .add(
                scorer=scorer,
                method_mapping=metadata_routing.MethodMapping().add(
                    caller="fit", callee="score"
                ),
            )
        )

    # --- the grid ---------------------------------------------------------------

    def _grid(self):
        """The candidates, in ``ParameterGrid`` order (``GridSearchCV``'s for
        the same grid); a ``ValueError`` naming the list and the value for a
        bad one."""
        lists = {}
        constraints = self._plain._parameter_constraints
        for list_name, name in SEARCHED.items():
            values = list(getattr(self, list_name))
            if not values:
                raise ValueError(
                    f"{list_name} must not be empty: give at least one {name}."
                )
            for i, value in enumerate(values):
                compat.validate_values(
                    {f"{list_name}[{i}]": constraints[name]},
                    {f"{list_name}[{i}]": value},
                    type(self).__name__,
                )
            lists[name] = values
        for i, lr_min in enumerate(lists["lr_min"]):
            for j, eta0 in enumerate(lists["eta0"]):
                if eta0 != "auto":  # 'auto' lowers lr_min to the rate it computes
                    check_rate_range(lr_min, eta0, f"lr_mins[{i}]", f"eta0s[{j}]")
        return list(ParameterGrid(lists))

    def _shared_params(self):
        """The parameters of the plain estimator every candidate shares."""
        names = inspect.signature(self._plain).parameters
        own = set(SEARCHED.values()) | {"n_jobs"}
        return {name: getattr(self, name) for name in names if name not in own}

    # --- one fold -----------------------------------------------------------------

    def _fold(self, search, train, test):
        """Fit every candidate on ``train`` and score it on ``test`` (and on
        ``train`` with ``return_train_score``): a :class:`_Fold`."""
        X, y, settings = search.X, search.y, search.settings
        n_candidates = len(settings)
        classes = None
        try:
            if is_classifier(self):
                classes = checked_classes(y[train])
                class_weight = search.shared["class_weight"]
                targets = label_targets(y[train], classes, class_weight)
            else:
                targets = regression_targets(y[train])
        except ValueError as error:
            return _Fold.failed([str(error)] * n_candidates)
        # max_iter='auto' as the standalone fit on the fold's rows resolves it
        n_classes = None if classes is None else len(classes)
        epochs = auto_max_iter(len(train), self._plain._auto_epochs_floor(n_classes))
        settings = [_with_max_iter(s, epochs) for s in settings]
        fit = fit_fold(
            X,
            targets,
            search.sample_weight,
            train,
            settings,
            stratify=classes is not None,
        )
        start = time.perf_counter()
        test_scores = self._scores(search, fit, test, classes)
        elapsed = time.perf_counter() - start
        train_scores = None
        if self.return_train_score:
            train_scores = self._scores(search, fit, train, classes)
        return _Fold(
            fit_errors=fit.failures,
            test=test_scores,
            train=train_scores,
            fit_time=fit.fit_time,
            score_time=elapsed,
        )

    def _scores(self, search, fit, rows, classes):
        """The scores on ``rows`` of every candidate that did not fail (a
        number, or a dict of them for several metrics): a :class:`_Scores`."""
        X, y = search.X[rows], search.y[rows]
        params = compat.method_params(search.X, search.score_params, rows)
        fitted = [reason is None for reason in fit.failures]
        scores = _Scores(len(fitted))
        if self.scoring is None:
            # the estimator's score fails for the fold's data (no rows, test
            # weights all 0), whatever the candidate: all fail, as in
            # GridSearchCV (error_score, with a warning)
            try:
                own = _own_scores(fit, X, y, params.get("sample_weight"), classes)
            except Exception as error:  # noqa: BLE001 - as GridSearchCV's _score
                for c in np.flatnonzero(fitted):
                    scores.fail(c, error, traceback.format_exc())
                return scores
            for c in np.flatnonzero(fitted):
                scores.values[c] = float(own[c])
            return scores
        for c, candidate in enumerate(search.grid):
            if not fitted[c]:
                continue
            model = self._plain(**search.shared, **candidate)
            model.coef_, model.intercept_ = model._publish_shapes(
                fit.coef[c], fit.intercept[c]
            )
            model.n_features_in_ = self.n_features_in_
            if classes is not None:
                model.classes_ = classes
            try:
                score = search.scorer(model, X, y, **params)
            except Exception as error:  # noqa: BLE001 - as GridSearchCV's _score
                scores.fail(c, error, traceback.format_exc())
                continue
            if isinstance(score, dict):
                # several metrics: a failed one is its traceback (raise_exc=False)
                score = dict(score)
                for name, value in score.items():
                    if isinstance(value, str):
                        scores.fail(c, None, value)
                        score[name] = None
                    else:
                        score[name] = _number(value, name)
            else:
                score = _number(score, search.scorer)
            scores.values[c] = score
        return scores

    # --- results ------------------------------------------------------------------

    def _record_search(self, grid, folds, scorers, refit_metric):
        """``cv_results_`` and the best candidate, as ``GridSearchCV`` names
        and chooses them."""
        n_candidates, n_splits = len(grid), len(folds)
        error_score = self.error_score
        if error_score == "raise":
            _raise_first_failure(folds, n_candidates)
        _warn_failures(folds, n_candidates, error_score)
        test, several = _filled([fold.test for fold in folds], error_score)
        train = None
        if self.return_train_score:
            train, _ = _filled([fold.train for fold in folds], error_score)
        # the fold's one pass is shared: each candidate is charged its share
        fit_times = np.array(
            [[fold.fit_time / n_candidates] * n_candidates for fold in folds]
        )
        score_times = np.array(
            [[fold.score_time / n_candidates] * n_candidates for fold in folds]
        )
        results = {}
        _store(results, "fit_time", fit_times.T)
        _store(results, "score_time", score_times.T)
        for name, column in _parameter_columns(grid):
            results[name] = column
        results["params"] = grid
        _warn_score_failures(folds, error_score)
        for name, array in test.items():
            _store(results, f"test_{name}", array, splits=True, rank=True)
            if train is not None:
                _store(results, f"train_{name}", train[name], splits=True)
        self.multimetric_ = several or self._multimetric_scoring()
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(test)
            refit_metric = self.refit
        self.cv_results_ = results
        self.n_splits_ = n_splits
        if self._multimetric_scoring():
            self.scorer_ = compat.multimetric_scorers(scorers)
        else:
            self.scorer_ = scorers
        if self.refit or not self.multimetric_:
            best = self._best_index(refit_metric, results)
            self.best_index_ = best
            if not callable(self.refit):
                self.best_score_ = float(results[f"mean_test_{refit_metric}"][best])
            self.best_params_ = grid[best]
            for name in SEARCHED.values():
                setattr(self, f"{name}_", self.best_params_[name])

    def _best_index(self, refit_metric, results):
        """The index of the best candidate, as ``GridSearchCV`` chooses it:
        by the rank of ``refit_metric``, or what a callable ``refit`` returns
        (with its errors for a bad index)."""
        if callable(self.refit):
            best = self.refit(results)
            if not isinstance(best, numbers.Integral):
                raise TypeError("best_index_ returned is not an integer")
            if best < 0 or best >= len(results["params"]):
                raise IndexError("best_index_ index out of range")
            return int(best)
        return int(results[f"rank_test_{refit_metric}"].argmin())

    def _refit(self, X, y, sample_weight, shared):
        """Fit the best candidate on every row; publish its fitted attributes."""
        start = time.perf_counter()
        # cloned, as GridSearchCV's refit is: a RandomState is copied, not drawn from
        best = clone(self._plain(**shared, **self.best_params_))
        best.fit(X, y, sample_weight=sample_weight)
        self.refit_time_ = time.perf_counter() - start
        self.best_estimator_ = best
        for name, value in vars(best).items():
            if name.endswith("_") and not name.startswith("_"):
                setattr(self, name, value)

    # --- the refitted model -------------------------------------------------------

    def _best(self, X, method):
        """The refitted estimator, after checking ``X`` against this one."""
        check_is_fitted(self)
        if not hasattr(self, "best_estimator_"):
            raise NotFittedError(
                f"{type(self).__name__} was fitted with refit=False: it has no "
                f"model to {method} with. Fit a {self._plain.__name__} with "
                "best_params_, or set refit=True."
            )
        validate_prediction_data(self, method, X)
        return self.best_estimator_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


@dataclass(frozen=True)
class _Search:
    """What every fold of one search shares."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray
    score_params: dict  # of every row: indexed by each fold's rows to score
    settings: list
    grid: list
    shared: dict  # the plain estimator's shared parameters
    scorer: object


class _Scores:
    """The scores of every candidate on one fold's test (or train) rows.

    ``values[c]`` is the score of candidate ``c`` (a dict of them for several
    metrics, ``None`` for a metric that failed), ``None`` if its fit failed or
    its scoring raised; ``failures`` lists ``(candidate, exception,
    traceback)`` of every scoring that failed (the exception ``None`` when a
    multi-metric scorer caught it).
    """

    def __init__(self, n_candidates):
        self.values = [None] * n_candidates
        self.failures = []

    def fail(self, candidate, error, details):
        self.failures.append((candidate, error, details))


@dataclass
class _Fold:
    """One fold of a search: why each candidate's fit failed (``None`` if
    it did not), its scores, and the fold's times."""

    fit_errors: list
    test: _Scores
    train: object  # _Scores with return_train_score, else None
    fit_time: float
    score_time: float

    @classmethod
    def failed(cls, reasons):
        """The fold where no candidate can be fitted, for ``reasons``."""
        n = len(reasons)
        return cls(list(reasons), _Scores(n), _Scores(n), 0.0, 0.0)


def _forget_search(estimator):
    """Remove the fitted attributes of a previous fit, so that none survives
    that this fit does not set (``best_*`` after a multi-metric search with
    ``refit=False``, the model after ``refit=False``)."""
    for name in [n for n in vars(estimator) if n.endswith("_") and n[:1] != "_"]:
        delattr(estimator, name)


def _parameter_columns(grid):
    """The ``param_<name>`` columns of ``cv_results_``: masked arrays of the
    type ``GridSearchCV`` gives them (numeric for numbers, object for
    strings, ``None`` or a mix)."""
    for name in grid[0]:
        values = [candidate[name] for candidate in grid]
        try:
            array = np.array(values)
        except ValueError:
            dtype = np.dtype(object)
        else:
            keep = array.dtype.kind != "U" and array.ndim == 1
            dtype = array.dtype if keep else np.dtype(object)
        column = np.ma.MaskedArray(np.empty(len(values), dtype=dtype), mask=True)
        for i, value in enumerate(values):
            column[i] = value  # unmasks it
        yield f"param_{name}", column


def _filled(per_fold, error_score):
    """The scores of every metric as an ``(n_candidates, n_splits)`` array,
    ``error_score`` for a failed fit or scoring, by metric name (``'score'``
    for one metric); and whether there are several metrics (a dict of scores,
    decided by the first score, as ``GridSearchCV`` does)."""
    n_candidates, n_splits = len(per_fold[0].values), len(per_fold)
    first = next(
        (
            scores.values[c]
            for c in range(n_candidates)
            for scores in per_fold
            if scores.values[c] is not None
        ),
        None,
    )
    names = list(first) if isinstance(first, dict) else ["score"]
    arrays = {name: np.empty((n_candidates, n_splits)) for name in names}
    for k, scores in enumerate(per_fold):
        for c, value in enumerate(scores.values):
            for name in names:
                if isinstance(value, dict):
                    value_of = value.get(name)
                else:
                    value_of = value
                arrays[name][c, k] = error_score if value_of is None else value_of
    return arrays, isinstance(first, dict)


def _store(results, key, array, splits=False, rank=False):
    """``GridSearchCV``'s columns of ``key`` from ``array`` ``(n_candidates,
    n_splits)``: ``split<k>_<key>``, ``mean_<key>``, ``std_<key>`` and
    ``rank_<key>``, computed as it computes them."""
    array = np.asarray(array, dtype=np.float64)
    if splits:
        for k in range(array.shape[1]):
            results[f"split{k}_{key}"] = array[:, k]
    means = np.average(array, axis=1)
    results[f"mean_{key}"] = means
    if key.startswith(("train_", "test_")) and np.any(~np.isfinite(means)):
        warn(
            f"One or more of the {key.split('_')[0]} scores are non-finite: {means}",
            UserWarning,
        )
    results[f"std_{key}"] = np.sqrt(
        np.average((array - means[:, np.newaxis]) ** 2, axis=1)
    )
    if rank:
        results[f"rank_{key}"] = _rank(means)


def _candidate_settings(shared, grid):
    """The settings of every candidate, or why it cannot be fitted (its
    standalone fit would raise before training, and ``GridSearchCV`` would
    score it ``NaN``); the first error when no candidate can be."""
    settings, errors = [], []
    for candidate in grid:
        try:
            settings.append(
                Settings.from_params({**shared, **candidate}, incremental=False)
            )
        except ValueError as error:
            settings.append(str(error))
            errors.append(error)
    if len(errors) == len(grid):
        raise errors[0]
    return settings


def _with_max_iter(settings, epochs):
    """``settings`` with ``max_iter='auto'`` resolved to ``epochs``, or why
    that fails (a string, as :func:`_candidate_settings` gives)."""
    if isinstance(settings, str):
        return settings
    try:
        return settings.with_max_iter(epochs, incremental=False)
    except ValueError as error:
        return str(error)


def _own_scores(fit, X_test, y_test, weights, classes):
    """The plain estimator's own ``score`` of every candidate at once: R^2 of
    ``predict`` for a regression, the accuracy of ``predict`` for a
    classification (the positive side for two classes, else the highest
    decision), with the decisions computed as ``predict`` computes them."""
    n_candidates, per_candidate, _ = fit.coef.shape
    decision = np.empty((len(y_test), n_candidates, per_candidate), fit.coef.dtype)
    with np.errstate(all="ignore"):  # failed candidates may not be finite
        for c in range(n_candidates):
            product = safe_sparse_dot(X_test, fit.coef[c].T, dense_output=True)
            intercept = fit.intercept[c].astype(fit.coef.dtype)
            decision[:, c] = np.asarray(product) + intercept
    finite = np.all(np.isfinite(decision), axis=(0, 2))
    decision[:, ~finite] = 0.0
    if classes is None:
        truth = np.repeat(
            np.asarray(y_test, dtype=np.float64)[:, None], n_candidates, 1
        )
        scores = r2_score(
            truth, decision[:, :, 0], sample_weight=weights, multioutput="raw_values"
        )
    else:
        if per_candidate == 1:
            index = (decision[:, :, 0] > 0).astype(np.intp)
        else:
            index = decision.argmax(axis=2)
        correct = classes[index] == np.asarray(y_test)[:, None]
        scores = np.average(correct, axis=0, weights=weights)
    return np.where(finite, scores, np.nan)


def _number(score, scorer):
    """A scorer's score as a float; a ``ValueError`` for anything but a
    number, as ``GridSearchCV`` raises it."""
    if hasattr(score, "item"):
        with contextlib.suppress(ValueError):
            score = score.item()
    if not isinstance(score, numbers.Number):
        raise ValueError(
            f"scoring must return a number, got {score!r} ({type(score)}) instead. "
            f"(scorer={scorer})"
        )
    return score


def _split_rows(train, test, n_samples):
    """A split's train and test rows as arrays of row numbers, read as
    ``GridSearchCV`` indexes the data with them: integer indices (negative
    ones counting from the end) or boolean masks of every row."""
    rows = np.arange(n_samples)
    parts = []
    for name, part in (("train", train), ("test", test)):
        part = np.asarray(part)
        if part.size == 0:
            part = part.astype(np.intp)  # [] is a float array
        if part.ndim != 1:
            raise ValueError(
                f"cv gave a {name} part of shape {part.shape}: a split is a pair "
                "of 1-d arrays of row indices or boolean masks."
            )
        try:
            parts.append(rows[part])
        except (IndexError, TypeError, ValueError) as error:
            raise ValueError(
                f"cv gave a {name} part that does not index the {n_samples} "
                f"samples: {error}."
            ) from error
    return tuple(parts)


def _weights_scores(scorer, estimator):
    """Whether the test scores are weighted: when the scorer takes sample
    weights, as ``GridSearchCV`` does (and warns otherwise)."""
    if compat.scorer_accepts_sample_weight(scorer):
        return True
    warn(
        f"The scoring {scorer} does not support sample_weight, which may lead "
        f"to statistically incorrect results when fitting {estimator} with "
        "sample_weight.",
        UserWarning,
    )
    return False


def delegate(method):
    """A method of a CV estimator that checks ``X`` against the estimator,
    then calls ``method`` on the refitted best candidate; documented as
    ``method`` is.

    Parameters
    ----------
    method : function
        A method of the plain estimator, taking ``X`` first.

    Returns
    -------
    function
    """
    name = method.__name__

    @functools.wraps(method)
    def call(self, X, *args, **kwargs):
        return getattr(self._best(X, name), name)(X, *args, **kwargs)

    if method.__doc__ is not None:  # None under python -OO
        summary, _, rest = method.__doc__.partition("\n")
        call.__doc__ = (
            f"{summary}\n\n        Answered by ``best_estimator_``, the best "
            f"candidate refitted on every row.\n{rest}"
        )
    return call


def _rank(means):
    """Ranks of the mean scores, best first, failed (NaN) candidates last,
    ties sharing the lowest rank (``GridSearchCV``'s rule)."""
    if np.all(np.isnan(means)):
        return np.ones(len(means), dtype=np.int32)
    filled = np.nan_to_num(means, nan=np.nanmin(means) - 1)
    return rankdata(-filled, method="min").astype(np.int32)


def _raise_first_failure(folds, n_candidates):
    """With ``error_score='raise'``: raise the first failure in
    ``GridSearchCV``'s order of fits (candidate by candidate, split by split;
    within a fit, the fit, then its test and train scoring). A failed fit is
    the ``ValueError`` its standalone fit raises; a failed scoring, the
    scorer's exception."""
    for c in range(n_candidates):
        for fold in folds:
            if fold.fit_errors[c] is not None:
                raise ValueError(fold.fit_errors[c])
            for scores in (fold.test, fold.train):
                for candidate, error, details in getattr(scores, "failures", ()):
                    if candidate == c:
                        if error is None:  # caught by a multi-metric scorer
                            raise ValueError(details)
                        raise error


def _warn_failures(folds, n_candidates, error_score):
    """``GridSearchCV``'s warning for failed fits (they score
    ``error_score``), or its error when every fit failed."""
    reasons = [reason for fold in folds for reason in fold.fit_errors if reason]
    if not reasons:
        return
    total = n_candidates * len(folds)
    if len(reasons) == total:
        raise ValueError(
            f"All the {total} fits failed. The first failure: {reasons[0]}"
        )
    warn(
        f"{len(reasons)} fits failed out of a total of {total}; their score is "
        f"{error_score}. The first failure: {reasons[0]}",
        FitFailedWarning,
    )


def _warn_score_failures(folds, error_score):
    """``GridSearchCV``'s warning for a scoring that failed (its score set to
    ``error_score``): one per split and side, naming how many candidates."""
    for k, fold in enumerate(folds):
        for side, scores in (("test", fold.test), ("train", fold.train)):
            failures = getattr(scores, "failures", ())
            if not failures:
                continue
            n_failed = len({candidate for candidate, _, _ in failures})
            warn(
                f"Scoring failed. The score on this train-test partition (split {k}"
                f", {side} rows) for {n_failed} of {len(scores.values)} candidates "
                f"will be set to {error_score}. Details: \n{failures[0][2]}",
                UserWarning,
            )
