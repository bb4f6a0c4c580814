"""Cosine-annealed learning-rate schedules and SGD estimators for scikit-learn."""

from ._classifier import CosineSGDClassifier
from ._classifier_cv import CosineSGDClassifierCV
from ._display import LearningRateScheduleDisplay
from ._regressor import CosineSGDRegressor
from ._regressor_cv import CosineSGDRegressorCV
from ._schedules import CosineAnnealingLR, CosineAnnealingWarmRestarts

__all__ = [
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CosineSGDClassifier",
    "CosineSGDClassifierCV",
    "CosineSGDRegressor",
    "CosineSGDRegressorCV",
    "LearningRateScheduleDisplay",
]

__version__ = "0.2.0"
