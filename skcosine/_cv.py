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
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.metrics import check_scoring, get_scorer_names, r2_score
from sklearn.model_selection import ParameterGrid, check_cv
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
        "scoring": [compat.StrOptions(set(get_scorer_names())), callable, None],
        "refit": ["boolean"],
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
    "scoring": """scoring : str, callable or None, default=None
    How a candidate is scored on a test fold: a scikit-learn scorer name
    or a callable ``scorer(estimator, X, y)``; ``None`` is the estimator's
    ``score`` (R^2 for the regressor, the accuracy for the classifier).""",
    "refit": """refit : bool, default=True
    Refit the best candidate on every row (``best_estimator_``), whose
    fitted attributes and methods the estimator then offers.""",
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
    :class:`{plain}`, shared by all candidates.

    Read more in the :ref:`User Guide <cv_estimators>`.

    {parameters}

    Attributes
    ----------
    cv_results_ : dict of ndarray
        The search, as ``GridSearchCV`` reports it: ``params``,
        ``param_<name>``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, and the fit and score times
        (the time of a fold's shared pass, divided among its candidates). A
        candidate whose fit failed (diverged) scores ``NaN`` and ranks last.
    best_params_ : dict
        ``eta0``, ``lr_min``, ``T_max`` and ``alpha`` of the best candidate.
    best_score_ : float
        Its mean test score.
    best_index_ : int
        Its index in ``cv_results_``.
    n_splits_ : int
        Number of folds.
    scorer_ : callable
        The scorer used.
    best_estimator_ : {plain}
        The best candidate refitted on every row (with ``refit=True``).
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
    ``loss``, the searched lists, ``cv``, ``scoring``, ``refit``, ``n_jobs``
    and every other parameter of ``_plain`` in its ``__init__``.
    """

    _plain = None  # the estimator searched over, set by each CV estimator

    @compat.fit_context(prefer_skip_nested_validation=True)
    @shared_doc
    def fit(self, X, y, sample_weight=None):
        """Search the grid by cross-validation, then refit the best candidate.

        Parameters
        ----------
        X : {X_train}
        y : array-like of shape (n_samples,)
            Targets (class labels for the classifier).
        sample_weight : {sample_weight}
            They weight the fits and, when the scorer takes weights, the test
            scores (as ``GridSearchCV`` passes them).

        Returns
        -------
        self : {fitted}
        """
        with alone(self):
            return self._fit_alone(X, y, sample_weight)

    def _fit_alone(self, X, y, sample_weight):
        grid = self._grid()
        shared = self._shared_params()
        settings = _candidate_settings(shared, grid)
        with atomic(self):
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
                for train, test in cv.split(X_valid, y_valid)
            ]
            if not splits:
                raise ValueError(
                    "No fits were performed. Was the CV iterator empty? (cv gave "
                    "no split.)"
                )
            scorer = check_scoring(self._plain(**shared), scoring=self.scoring)
            weighted = sample_weight is not None and _weights_scores(scorer, self)
            search = _Search(
                X_valid, y_valid, weights, weighted, settings, grid, shared, scorer
            )
            folds = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(self._fold)(search, train, test) for train, test in splits
            )
            self._record_search(grid, folds, scorer)
            del search, X_valid  # the refit validates X again: not two copies
            if self.refit:
                self._refit(X, y, sample_weight, shared)
        return self

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
        """Fit every candidate on ``train`` and score it on ``test``:
        ``(scores, fit_time, score_time, failures, score_failures)``, the last
        the traceback of every candidate whose scoring raised."""
        X, y, settings = search.X, search.y, search.settings
        classes = None
        try:
            if is_classifier(self):
                classes = checked_classes(y[train])
                class_weight = search.shared["class_weight"]
                targets = label_targets(y[train], classes, class_weight)
            else:
                targets = regression_targets(y[train])
        except ValueError as error:
            n = len(settings)
            return np.full(n, np.nan), 0.0, 0.0, [str(error)] * n, []
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
        weights = search.sample_weight[test] if search.weighted else None
        fitted = [reason is None for reason in fit.failures]
        if self.scoring is None:
            # the estimator's score fails for the fold's data (no rows, test
            # weights all 0), whatever the candidate: all fail, as in
            # GridSearchCV (error_score=nan, with a warning)
            try:
                scores = _own_scores(fit, X[test], y[test], weights, classes)
                score_failures = []
            except Exception:  # noqa: BLE001 - as GridSearchCV's _score
                scores = np.full(len(fitted), np.nan)
                score_failures = [traceback.format_exc()] * sum(fitted)
        else:
            scores, score_failures = self._scores(
                search, fit, X[test], y[test], weights, classes
            )
        scores[np.logical_not(fitted)] = np.nan
        elapsed = time.perf_counter() - start
        return scores, fit.fit_time, elapsed, fit.failures, score_failures

    def _scores(self, search, fit, X_test, y_test, weights, classes):
        """The scorer's score of every candidate that did not fail, and the
        traceback of each whose scoring raised (its score is then NaN, as
        ``GridSearchCV``'s default ``error_score=np.nan`` makes it)."""
        kwargs = {} if weights is None else {"sample_weight": weights}
        scores = np.full(len(search.grid), np.nan)
        failures = []
        for c, candidate in enumerate(search.grid):
            if fit.failures[c] is None:
                model = self._plain(**search.shared, **candidate)
                model.coef_, model.intercept_ = model._publish_shapes(
                    fit.coef[c], fit.intercept[c]
                )
                model.n_features_in_ = self.n_features_in_
                if classes is not None:
                    model.classes_ = classes
                try:
                    score = search.scorer(model, X_test, y_test, **kwargs)
                except Exception:  # noqa: BLE001 - as GridSearchCV's _score
                    failures.append(traceback.format_exc())
                    continue
                scores[c] = _number(score, search.scorer)
        return scores, failures

    # --- results ------------------------------------------------------------------

    def _record_search(self, grid, folds, scorer):
        """``cv_results_`` and the best candidate, as ``GridSearchCV`` names
        them."""
        n_candidates, n_splits = len(grid), len(folds)
        scores = np.array([fold[0] for fold in folds])  # (n_splits, n_candidates)
        _warn_failures(folds, n_candidates)
        # the fold's one pass is shared: each candidate is charged its share
        fit_times = np.array(
            [[fold[1] / n_candidates] * n_candidates for fold in folds]
        )
        score_times = np.array(
            [[fold[2] / n_candidates] * n_candidates for fold in folds]
        )
        results = {
            "mean_fit_time": fit_times.mean(axis=0),
            "std_fit_time": fit_times.std(axis=0),
            "mean_score_time": score_times.mean(axis=0),
            "std_score_time": score_times.std(axis=0),
        }
        for name in grid[0]:
            values = np.empty(n_candidates, dtype=object)
            values[:] = [candidate[name] for candidate in grid]
            results[f"param_{name}"] = np.ma.MaskedArray(values, mask=False)
        results["params"] = grid
        for k in range(n_splits):
            results[f"split{k}_test_score"] = scores[k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            results["mean_test_score"] = np.mean(scores, axis=0)
            results["std_test_score"] = np.std(scores, axis=0)
        _warn_score_failures(folds)
        if not np.all(np.isfinite(results["mean_test_score"])):
            warn(
                "One or more of the test scores are non-finite: "
                f"{results['mean_test_score']}",
                UserWarning,
            )
        results["rank_test_score"] = _rank(results["mean_test_score"])
        self.cv_results_ = results
        self.n_splits_ = n_splits
        self.scorer_ = scorer
        self.best_index_ = int(results["rank_test_score"].argmin())
        self.best_params_ = grid[self.best_index_]
        self.best_score_ = float(results["mean_test_score"][self.best_index_])

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
    weighted: bool  # whether the test scores are weighted
    settings: list
    grid: list
    shared: dict  # the plain estimator's shared parameters
    scorer: object


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


def _warn_failures(folds, n_candidates):
    """``GridSearchCV``'s warning for failed fits (their score is NaN), or its
    error when every fit failed."""
    reasons = [reason for fold in folds for reason in fold[3] if reason is not None]
    if not reasons:
        return
    total = n_candidates * len(folds)
    if len(reasons) == total:
        raise ValueError(
            f"All the {total} fits failed. The first failure: {reasons[0]}."
        )
    warn(
        f"{len(reasons)} fits failed out of a total of {total}; their score is "
        f"NaN. The first failure: {reasons[0]}.",
        FitFailedWarning,
    )


def _warn_score_failures(folds):
    """``GridSearchCV``'s warning for a score that failed (set to NaN, its
    default ``error_score``): one per split, naming how many candidates."""
    for k, fold in enumerate(folds):
        failures = fold[4]
        if failures:
            warn(
                f"Scoring failed. The score on this train-test partition (split {k}) "
                f"for {len(failures)} of {len(fold[0])} candidates will be set to "
                f"nan. Details: \n{failures[0]}",
                UserWarning,
            )
