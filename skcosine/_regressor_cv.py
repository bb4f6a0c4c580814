"""CosineSGDRegressorCV: CosineSGDRegressor with a built-in grid search."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ._cv import (
    DEFAULT_GRID,
    CosineSGDSearchMixin,
    delegate,
    search_constraints,
    search_doc,
)
from ._parameters import ParameterNamesMixin
from ._regressor import PARAMETERS, CosineSGDRegressor

__all__ = ["CosineSGDRegressorCV"]


@search_doc(
    CosineSGDRegressor,
    PARAMETERS,
    "regression",
    "CosineSGDClassifierCV",
    fitted="coef_, intercept_, schedule_, learning_rates_, n_iter_, n_epochs_, t_",
)
class CosineSGDRegressorCV(
    ParameterNamesMixin, CosineSGDSearchMixin, RegressorMixin, BaseEstimator
):
    """
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineSGDRegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> search = CosineSGDRegressorCV(
    ...     eta0s=[0.01, 0.05], lr_mins=[0.0, 0.001], max_iter=50, random_state=0
    ... )
    >>> model = make_pipeline(StandardScaler(), search).fit(X, y)
    >>> len(search.cv_results_["params"]), sorted(search.best_params_)
    (16, ['T_max', 'alpha', 'eta0', 'lr_min'])
    >>> model.score(X, y) > 0.5
    True
    """

    _plain = CosineSGDRegressor
    _parameter_constraints: dict = search_constraints(CosineSGDRegressor)

    def __init__(
        self,
        loss="squared_error",
        *,
        eta0s=DEFAULT_GRID["eta0s"],
        lr_mins=DEFAULT_GRID["lr_mins"],
        T_maxs=DEFAULT_GRID["T_maxs"],
        alphas=DEFAULT_GRID["alphas"],
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=False,
        n_jobs=None,
        penalty="l2",
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter="auto",
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
        self.error_score = error_score
        self.return_train_score = return_train_score
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
        self.warm_start = warm_start
        self.average = average
        self.checkpoint_path = checkpoint_path
        self.checkpoint_every = checkpoint_every

    predict = delegate(CosineSGDRegressor.predict)
    score = delegate(CosineSGDRegressor.score)
