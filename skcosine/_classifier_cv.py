"""CosineSGDClassifierCV: CosineSGDClassifier with a built-in grid search."""

import inspect

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ._classifier import CosineSGDClassifier
from ._cv import DEFAULT_GRID, SEARCH_ENTRIES, CosineSGDSearchMixin, search_constraints
from ._docstrings import with_parameters

__all__ = ["CosineSGDClassifierCV"]


def _has_probabilities(estimator):
    """Whether the loss gives probabilities (as ``SGDClassifier`` decides)."""
    if estimator.loss not in ("log_loss", "modified_huber"):
        raise AttributeError(
            f"probability estimates are not available for loss={estimator.loss!r}"
        )
    return True


class CosineSGDClassifierCV(CosineSGDSearchMixin, ClassifierMixin, BaseEstimator):
    _plain = CosineSGDClassifier
    _parameter_constraints: dict = search_constraints(CosineSGDClassifier)

    def __init__(
        self,
        loss="hinge",
        *,
        eta0s=DEFAULT_GRID["eta0s"],
        lr_mins=DEFAULT_GRID["lr_mins"],
        T_maxs=DEFAULT_GRID["T_maxs"],
        alphas=DEFAULT_GRID["alphas"],
        cv=5,
        scoring=None,
        refit=True,
        n_jobs=None,
        penalty="l2",
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=100,
        tol=None,
        shuffle=True,
        verbose=0,
        epsilon=0.1,
        random_state=None,
        T_mult=None,
        warmup_epochs=0,
        anneal_per="epoch",
        batches_per_epoch=1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        average=False,
        checkpoint_path=None,
        checkpoint_every=10,
    ):
        self.loss = loss
        self.eta0s = eta0s
        self.lr_mins = lr_mins
        self.T_maxs = T_maxs
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.n_jobs = n_jobs
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.random_state = random_state
        self.T_mult = T_mult
        self.warmup_epochs = warmup_epochs
        self.anneal_per = anneal_per
        self.batches_per_epoch = batches_per_epoch
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average
        self.checkpoint_path = checkpoint_path
        self.checkpoint_every = checkpoint_every

    def decision_function(self, X):
        """Confidence scores of the refitted best candidate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            Scores (of the positive class for two classes).
        """
        return self._best(X, "decision_function").decision_function(X)

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Class probabilities of the refitted best candidate.

        Only for ``loss='log_loss'`` or ``'modified_huber'``, as in
        ``SGDClassifier``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        return self._best(X, "predict_proba").predict_proba(X)

    @available_if(_has_probabilities)
    def predict_log_proba(self, X):
        """Logarithms of the class probabilities of the refitted best candidate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        return self._best(X, "predict_log_proba").predict_log_proba(X)


CosineSGDClassifierCV.__doc__ = with_parameters(
    r"""Cosine SGD classification with a built-in cross-validated grid search.

    Searches ``eta0s`` x ``lr_mins`` x ``T_maxs`` x ``alphas`` by
    cross-validation, as ``GridSearchCV(CosineSGDClassifier(...), grid)`` does
    and with the same result, but trains every candidate of a fold together,
    in one pass over the fold's rows per epoch; then refits the best candidate
    on every row. Every other parameter is a parameter of
    :class:`CosineSGDClassifier`, shared by all candidates.

    Read more in the :ref:`User Guide <cv_estimators>`.

    Parameters
    ----------
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
    best_estimator_ : CosineSGDClassifier
        The best candidate refitted on every row (with ``refit=True``).
    refit_time_ : float
        Seconds the refit took.
    classes_, coef_, intercept_, schedule_, learning_rates_, n_iter_, n_epochs_, t_
        Those of ``best_estimator_`` (see :class:`CosineSGDClassifier`), with
        ``loss_curve_`` or ``validation_scores_`` when it has them.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    CosineSGDClassifier : The estimator searched over.
    CosineSGDRegressorCV : The regressor counterpart.
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
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineSGDClassifierCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = CosineSGDClassifierCV(
    ...     loss="log_loss", lr_mins=[0.0, 0.001], T_maxs=[20, None], random_state=0
    ... )
    >>> model = make_pipeline(StandardScaler(), search).fit(X, y)
    >>> len(search.cv_results_["params"]), search.classes_.tolist()
    (16, [0, 1, 2])
    >>> model.predict_proba(X[:2]).shape
    (2, 3)
    >>> model.score(X, y) > 0.9
    True
    """,
    list(inspect.signature(CosineSGDClassifierCV).parameters),
    SEARCH_ENTRIES,
    CosineSGDClassifier,
)
