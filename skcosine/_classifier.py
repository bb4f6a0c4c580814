"""CosineSGDClassifier: scikit-learn's SGDClassifier trained on a cosine schedule."""

import numpy as np
from sklearn.linear_model import SGDClassifier

from . import _sklearn_compat as compat
from ._base import CosineSGDMixin
from ._data import checked_classes, label_targets, sorted_labels
from ._docstrings import fill_doc, shared_doc
from ._parameters import ENTRIES, ParameterNamesMixin
from ._settings import COSINE_CONSTRAINTS, DROPPED_PARAMETERS, cosine_constraints

__all__ = ["CosineSGDClassifier"]

PARAMETERS = {
    "loss": """loss : str, default='hinge'
    The loss function, as in ``SGDClassifier``: 'hinge', 'log_loss',
    'modified_huber', 'squared_hinge', 'perceptron', 'squared_error',
    'huber', 'epsilon_insensitive' or 'squared_epsilon_insensitive'.""",
    **ENTRIES,
    "n_jobs": """n_jobs : int or None, default=None
    Kept for compatibility with ``SGDClassifier``, unused: all
    one-versus-all problems train together in one pass over the data (each
    row read once for all classes), so there is nothing to split over
    threads within a fit.""",
    "class_weight": """class_weight : dict, 'balanced' or None, default=None
    Weights of the classes, as in ``SGDClassifier``. 'balanced' is
    computed from ``y`` in ``fit`` and refused by ``partial_fit``.""",
}
"""The parameters, in the order of the signature."""


@fill_doc(PARAMETERS)
class CosineSGDClassifier(
    ParameterNamesMixin, CosineSGDMixin, compat.CallbackSupportMixin, SGDClassifier
):
    r"""Linear classification by SGD with a cosine-annealed learning rate.

    A subclass of :class:`~sklearn.linear_model.SGDClassifier` whose learning
    rate follows a cosine schedule across epochs: epoch ``e`` (0-based) is one
    pass over the data at rate ``schedule_(e)``, from ``eta0`` down to
    ``lr_min``. Multiclass problems are solved one-versus-all, each binary
    problem on the same schedule; predictions, probabilities (``log_loss``,
    ``modified_huber``) and scoring work as in ``SGDClassifier``.

    Read more in the :ref:`User Guide <estimators>`.

    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights of the features.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    n_iter_ : int
        Passes run since the last ``fit`` started: its epochs (the most any
        one-versus-all problem ran), plus one per later ``partial_fit`` call.
    n_epochs_ : {n_epochs_}
    t_ : float
        Number of samples seen (weight updates), plus one.
    schedule_ : {schedule_}
    learning_rates_ : {learning_rates_}
    loss_curve_ : {loss_curve_}
    validation_scores_ : ndarray of shape (``n_iter_``,)
        With ``early_stopping`` (which needs a float ``tol``), the validation
        accuracy (mean over the one-versus-all problems) after every epoch.
    n_features_in_ : {n_features_in_}
    feature_names_in_ : {feature_names_in_}

    See Also
    --------
    CosineSGDRegressor : The regressor counterpart.
    CosineAnnealingLR : The single-cycle schedule.
    sklearn.linear_model.SGDClassifier : The parent estimator.

    Notes
    -----
    The schedule, the epochs, the fresh shuffle of every epoch and the rules
    of ``partial_fit`` are those of :class:`CosineSGDRegressor`; see its Notes.
    The one-versus-all problems train together, in one pass over the rows in
    one random order per epoch. Sample weights multiply the class weights.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineSGDClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(
    ...     StandardScaler(), CosineSGDClassifier(loss="log_loss", random_state=0)
    ... )
    >>> model.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    >>> model.predict_proba(X_test[:3]).shape
    (3, 2)
    """

    _MIN_AUTO_EPOCHS = 10  # see _settings.auto_max_iter
    _MIN_AUTO_EPOCHS_MULTICLASS = 20  # one-versus-all: see _auto_epochs_floor
    _parameter_constraints: dict = cosine_constraints(
        SGDClassifier._parameter_constraints,
        dropped=DROPPED_PARAMETERS,
        added=COSINE_CONSTRAINTS,
    )

    def __init__(
        self,
        loss="hinge",
        *,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter="auto",
        tol=None,
        shuffle=True,
        verbose=0,
        epsilon=0.1,
        random_state=None,
        eta0="auto",
        lr_min=0.0,
        T_max=None,
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
        n_jobs=None,
        class_weight=None,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.random_state = random_state
        self.eta0 = eta0
        self.lr_min = lr_min
        self.T_max = T_max
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
        self.n_jobs = n_jobs
        self.class_weight = class_weight

    @shared_doc
    def decision_function(self, X):
        """Confidence scores: signed distances to the hyperplanes.

        Parameters
        ----------
        X : {X}

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            Scores (of the positive class for two classes).
        """
        scores = self._linear_decision(X, "decision_function")
        return scores.ravel() if scores.shape[1] == 1 else scores

    @compat.partial_fit_context
    @shared_doc
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one pass at the next position of the schedule.

        Parameters
        ----------
        X : {X_train}
        y : array-like of shape (n_samples,)
            Class labels, all in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, optional (and then
            equal to ``classes_``) after.
        sample_weight : {sample_weight}

        Returns
        -------
        self : {fitted}
        """
        return self._cosine_fit(
            X, y, sample_weight=sample_weight, classes=classes, incremental=True
        )

    @classmethod
    def _auto_epochs_floor(cls, n_classes):
        """10 epochs for two classes, 20 for more: one-versus-all predicts the
        largest of the models' decisions, which must be comparable across the
        models, not only of the right sign (on diamonds' 5 cuts, 20 epochs
        instead of 10 gain 0.5 accuracy points, about what separated the
        defaults from SGDClassifier's)."""
        if n_classes is not None and n_classes > 2:
            return cls._MIN_AUTO_EPOCHS_MULTICLASS
        return cls._MIN_AUTO_EPOCHS

    def _n_models(self):
        classes = getattr(self, "classes_", ())
        return 1 if len(classes) == 2 else len(classes)

    def _encode_targets(self, y, settings, classes, incremental):
        if not incremental:
            self.classes_ = checked_classes(y)
        elif not hasattr(self, "_state"):
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            self.classes_ = checked_classes(classes, "classes")
        elif classes is not None and not np.array_equal(
            sorted_labels(classes, "classes"), self.classes_
        ):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call to "
                f"partial_fit: {self.classes_!r}."
            )
        unknown = np.setdiff1d(sorted_labels(y, "y"), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown!r} that are not in classes "
                f"{self.classes_!r}."
            )
        return label_targets(y, self.classes_, settings.class_weight)

    def _publish_shapes(self, coef, intercept):
        return coef, intercept.astype(coef.dtype)
