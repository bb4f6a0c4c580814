"""Cosine-annealed learning-rate schedules and SGD estimators for scikit-learn."""

from ._classifier import CosineSGDClassifier
from ._classifier_cv import CosineSGDClassifierCV
from ._display import LearningRateScheduleDisplay
from ._mlp import CosineMLPClassifier, CosineMLPRegressor
from ._regressor import CosineSGDRegressor
from ._regressor_cv import CosineSGDRegressorCV
from ._schedules import CosineAnnealingLR, CosineAnnealingWarmRestarts

__all__ = [
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CosineMLPClassifier",
    "CosineMLPRegressor",
    "CosineSGDClassifier",
    "CosineSGDClassifierCV",
    "CosineSGDRegressor",
    "CosineSGDRegressorCV",
    "LearningRateScheduleDisplay",
]

for _public in (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
    LearningRateScheduleDisplay,
):
    # pickles and skops files name the public path (skcosine.CosineSGDRegressor),
    # so that saved models trust public types only and the modules can move
    _public.__module__ = __name__
del _public

__version__ = "0.3.0"
