"""CosineSGDClassifierCV: CosineSGDClassifier with a built-in grid search."""

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ._classifier import CosineSGDClassifier
from ._cv import CosineSGDSearchMixin, delegate, search_docstring

__all__ = ["CosineSGDClassifierCV"]


def _has_probabilities(estimator):
    """Whether the loss gives probabilities (as ``SGDClassifier`` decides)."""
    if estimator.loss not in ("log_loss", "modified_huber"):
        raise AttributeError(
            f"probability estimates are not available for loss={estimator.loss!r}"
        )
    return True


class CosineSGDClassifierCV(
    CosineSGDSearchMixin, ClassifierMixin, BaseEstimator, plain=CosineSGDClassifier
):
    decision_function = delegate(CosineSGDClassifier.decision_function)
    predict_proba = available_if(_has_probabilities)(
        delegate(CosineSGDClassifier.predict_proba)
    )
    predict_log_proba = available_if(_has_probabilities)(
        delegate(CosineSGDClassifier.predict_log_proba)
    )


CosineSGDClassifierCV.__doc__ = search_docstring(
    CosineSGDClassifierCV,
    "classification",
    "CosineSGDRegressorCV",
    fitted=(
        "classes_, coef_, intercept_, schedule_, learning_rates_, n_iter_, "
        "n_epochs_, t_"
    ),
    examples="""
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import StratifiedKFold
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineSGDClassifierCV
    >>> folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    >>> X, y = load_iris(return_X_y=True)
    >>> search = CosineSGDClassifierCV(
    ...     loss="log_loss", lr_mins=[0.0, 0.001], T_maxs=[20, None], cv=folds
    ... )
    >>> model = make_pipeline(StandardScaler(), search).fit(X, y)
    >>> len(search.cv_results_["params"]), search.n_splits_, search.classes_.tolist()
    (16, 3, [0, 1, 2])
    >>> model.predict_proba(X[:2]).shape
    (2, 3)
    >>> model.score(X, y) > 0.9
    True
""",
)
