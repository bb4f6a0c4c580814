"""CosineSGDRegressor: scikit-learn's SGDRegressor trained on a cosine schedule."""

from sklearn.linear_model import SGDRegressor

from . import _sklearn_compat as compat
from ._base import CosineSGDMixin
from ._data import regression_targets
from ._docstrings import fill_doc, shared_doc
from ._parameters import ENTRIES, ParameterNamesMixin
from ._settings import COSINE_CONSTRAINTS, DROPPED_PARAMETERS, cosine_constraints

__all__ = ["CosineSGDRegressor"]

PARAMETERS = {
    "loss": """loss : str, default='squared_error'
    The loss function, as in ``SGDRegressor``: 'squared_error', 'huber',
    'epsilon_insensitive' or 'squared_epsilon_insensitive'.""",
    **ENTRIES,
}
"""The parameters, in the order of the signature."""


@fill_doc(PARAMETERS)
class CosineSGDRegressor(
    ParameterNamesMixin, CosineSGDMixin, compat.CallbackSupportMixin, SGDRegressor
):
    r"""Linear regression by SGD with a cosine-annealed learning rate.

    A subclass of :class:`~sklearn.linear_model.SGDRegressor` whose learning
    rate follows a cosine schedule across epochs: epoch ``e`` (0-based) is one
    pass over the data at rate ``schedule_(e)``, from ``eta0`` down to
    ``lr_min`` (see Notes). Predictions, scoring and every other parameter work
    as in ``SGDRegressor``.

    Read more in the :ref:`User Guide <estimators>`.

    {parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Weights of the features.
    intercept_ : ndarray of shape (1,)
        The intercept.
    n_iter_ : int
        Passes run since the last ``fit`` started: its epochs, plus one per
        later ``partial_fit`` call.
    n_epochs_ : {n_epochs_}
    t_ : float
        Number of samples seen (weight updates), plus one, as in
        ``SGDRegressor``.
    schedule_ : {schedule_}
    learning_rates_ : {learning_rates_}
    loss_curve_ : {loss_curve_}
    validation_scores_ : ndarray of shape (``n_iter_``,)
        With ``early_stopping`` (which needs a float ``tol``), the validation
        R^2 score after every epoch.
    n_features_in_ : {n_features_in_}
    feature_names_in_ : {feature_names_in_}

    See Also
    --------
    CosineSGDClassifier : The classifier counterpart.
    CosineAnnealingLR : The single-cycle schedule.
    CosineAnnealingWarmRestarts : The schedule with warm restarts.
    sklearn.linear_model.SGDRegressor : The parent estimator.

    Notes
    -----
    With ``T_mult=None`` and no warmup, epoch :math:`e` runs at

    .. math::

        \eta_e = \eta_{min} + \frac{1}{2} (\eta_0 - \eta_{min})
                 \left(1 + \cos\left(\pi \frac{\min(e, T_{max})}{T_{max}}\right)
                 \right)

    with :math:`\eta_0` = ``eta0`` and :math:`\eta_{min}` = ``lr_min``; see
    :class:`CosineAnnealingLR` and :class:`CosineAnnealingWarmRestarts` for
    warmup and restarts. Within an epoch the rate is constant, unless
    ``anneal_per='sample'``.

    ``fit`` trains ``max_iter`` epochs from scratch (or from ``coef_init`` /
    the previous model with ``warm_start``). ``partial_fit`` trains one pass
    at the next position of the schedule (``n_epochs_``): ``learning_rates_``
    grows by one per call and the rate holds ``lr_min`` after ``T_max``. The
    schedule is fixed at the first call (``fit`` or ``partial_fit``): changing
    ``eta0``, ``lr_min``, ``T_max``, ``T_mult`` or ``warmup_epochs`` (or
    ``max_iter`` with ``T_max=None``) before a later ``partial_fit`` raises a
    ``ValueError``; the other parameters (``alpha``, ``loss``, ``penalty``,
    ...) take effect at the next call. The L1 truncated-gradient state of
    ``penalty='l1'`` / ``'elasticnet'`` carries over from call to call, so a
    stream of blocks is penalized as one long pass would be.

    Each epoch visits the samples in a fresh random order drawn from one
    generator seeded once per fit from ``random_state``; scikit-learn's
    ``partial_fit`` with an integer ``random_state`` would instead repeat the
    same permutation every epoch.

    Defaults: ``eta0='auto'`` keeps every per-sample step inside the stable
    range of the loss, whatever the scale of the data (a fixed rate such as
    scikit-learn's 0.01 diverges on unscaled features and on wide one-hot
    data). Stable is not enough, though: on unscaled features of very
    different scales, the step the largest rows allow is too small to move
    the coefficients of the small features, and ``fit`` warns; put a
    ``StandardScaler`` first. The cosine decay to ``lr_min=0`` removes the
    noise floor of a constant rate at the end of training; ``tol=None`` spends
    the whole budget, which ``max_iter='auto'`` sizes from the number of
    rows (see the user guide). A run that diverges anyway (a
    large explicit ``eta0``) raises a ``ValueError`` naming the epoch and its
    rate; see :ref:`the user guide <divergence>` for the rule.

    Sample weights, ``average``, ``warm_start``, ``coef_init`` /
    ``intercept_init``, ``early_stopping`` and ``tol`` / ``n_iter_no_change``
    behave as in ``SGDRegressor``. Stopping early ends the cycle before it
    reaches ``lr_min``. The training objective that ``tol`` monitors is, as
    in scikit-learn, the mean loss over the epoch's updates (each sample's
    loss just before its update, every row counted once: sample weights
    scale the updates, not this mean), plus the penalty at the end of the
    epoch.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcosine import CosineSGDRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), CosineSGDRegressor(random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.5
    True
    >>> sgd = model[-1]
    >>> sgd.n_iter_, round(sgd.schedule_.lr_initial, 4)
    (100, 0.0402)
    >>> bool(sgd.learning_rates_[-1] < 1e-5)
    True
    """

    _MIN_AUTO_EPOCHS = 20  # see _settings.auto_max_iter
    _parameter_constraints: dict = cosine_constraints(
        SGDRegressor._parameter_constraints,
        dropped=DROPPED_PARAMETERS,
        added=COSINE_CONSTRAINTS,
    )

    def __init__(
        self,
        loss="squared_error",
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

    @compat.partial_fit_context
    @shared_doc
    def partial_fit(self, X, y, sample_weight=None):
        """Train one pass at the next position of the schedule.

        Parameters
        ----------
        X : {X_train}
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : {sample_weight}

        Returns
        -------
        self : {fitted}
        """
        return self._cosine_fit(X, y, sample_weight=sample_weight, incremental=True)

    @shared_doc
    def predict(self, X):
        """Predict with the linear model.

        Parameters
        ----------
        X : {X}

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted targets.
        """
        return self._decision_function(X)

    def _decision_function(self, X):
        return self._linear_decision(X, "predict").ravel()

    def _n_models(self):
        return 1

    def _encode_targets(self, y, settings, classes, incremental):
        return regression_targets(y)

    def _publish_shapes(self, coef, intercept):
        return coef[0].copy(), intercept.astype(coef.dtype)
