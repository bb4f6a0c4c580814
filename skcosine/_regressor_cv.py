"""CosineSGDRegressorCV: CosineSGDRegressor with a built-in grid search."""

from sklearn.base import BaseEstimator, RegressorMixin

from ._cv import CosineSGDSearchMixin, search_docstring
from ._regressor import CosineSGDRegressor

__all__ = ["CosineSGDRegressorCV"]


class CosineSGDRegressorCV(
    CosineSGDSearchMixin, RegressorMixin, BaseEstimator, plain=CosineSGDRegressor
):
    pass


CosineSGDRegressorCV.__doc__ = search_docstring(
    CosineSGDRegressorCV,
    "regression",
    "CosineSGDClassifierCV",
    fitted="coef_, intercept_, schedule_, learning_rates_, n_iter_, n_epochs_, t_",
    examples="""
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
""",
)
