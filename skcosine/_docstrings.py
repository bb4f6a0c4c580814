"""Docstrings that share entries: one home for each description.

The estimators' ``Parameters`` sections are filled from dictionaries of
entries (:data:`skcosine._parameters.ENTRIES` and each estimator's own), and
their docstrings quote :data:`SHARED_ENTRIES` (a line ``name : {key}`` stands
for an entry), so a description is written (and corrected) once. Filling is
all these decorators do, as imbalanced-learn's ``Substitution``: the
constructors are written out, and under ``python -OO`` (no docstrings) the
decorators leave everything as it is.
"""

import re
import textwrap

__all__ = [
    "DOCS_URL",
    "SHARED_ENTRIES",
    "DocLinkMixin",
    "fill_doc",
    "shared_doc",
    "with_parameters",
]

SHARED_ENTRIES = {
    "X_train": """{array-like, sparse matrix} of shape (n_samples, n_features)
    Training data.""",
    "X": """{array-like, sparse matrix} of shape (n_samples, n_features)
    Samples.""",
    "sample_weight": """array-like of shape (n_samples,), default=None
    Non-negative weights of the samples.""",
    "fitted": """object
    The fitted estimator.""",
    "n_epochs_": """float
    Position in the schedule, in epochs: the epochs of ``fit``, plus
    ``1 / batches_per_epoch`` per ``partial_fit`` call. The next pass
    starts at ``schedule_(n_epochs_)``.""",
    "schedule_": """CosineAnnealingLR or CosineAnnealingWarmRestarts
    The schedule used, a pure function of the epoch.""",
    "learning_rates_": """ndarray of shape (``n_iter_``,)
    Learning rate at the start of every pass (constant over the pass with
    ``anneal_per='epoch'``).""",
    "loss_curve_": """ndarray of shape (``n_iter_``,)
    Training objective (mean loss, unweighted as in scikit-learn, plus
    penalty) of every epoch, recorded by every ``fit`` and ``partial_fit``
    without ``early_stopping`` (which records ``validation_scores_``
    instead); ``NaN`` for epochs that did not compute it.""",
    "n_features_in_": """int
    Number of features seen during ``fit``.""",
    "feature_names_in_": """ndarray of shape (``n_features_in_``,)
    Names of the features, when ``X`` has string column names.""",
}
"""The entries the docstrings share: a line ``name : {key}`` of a docstring
stands for the entry ``name : SHARED_ENTRIES[key]`` (see :func:`shared_doc`
and :func:`with_parameters`)."""

_FIELD = re.compile(r"^( *)\{(\w+)\}$", re.MULTILINE)
_SHARED_ENTRY = re.compile(r"^( *)(\w+) : \{(\w+)\}$", re.MULTILINE)


def _fill(text, entries):
    """``text`` with every line that is only ``{name}`` replaced by
    ``entries[name]``, indented as that line."""
    return _FIELD.sub(
        lambda match: textwrap.indent(entries[match.group(2)], match.group(1)), text
    )


def shared_doc(function):
    """Fill the shared entries of ``function``'s docstring: a line
    ``name : {key}`` becomes ``name :`` followed by ``SHARED_ENTRIES[key]``.

    Parameters
    ----------
    function : function
        A method whose docstring has lines ``name : {key}``.

    Returns
    -------
    function
        The same function, its docstring filled.

    Examples
    --------
    >>> @shared_doc
    ... def predict(X):
    ...     '''Predict.
    ...
    ...     Parameters
    ...     ----------
    ...     X : {X}
    ...     '''
    >>> print(predict.__doc__.splitlines()[4].strip())
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    """
    if function.__doc__ is not None:  # None under python -OO
        function.__doc__ = _fill_shared(function.__doc__)
    return function


def fill_doc(parameters, **sections):
    """A class decorator: the docstring's ``{parameters}`` line becomes the
    ``Parameters`` section of ``parameters`` (see :func:`with_parameters`).

    Parameters
    ----------
    parameters : dict
        ``{name: entry}`` in the order of the signature.
    **sections : str
        Other text the classes of a family share: a line ``{name}`` becomes
        ``sections[name]``.

    Returns
    -------
    callable
        The decorator, which returns the class itself.

    Examples
    --------
    >>> @fill_doc({"a": "a : int, default=1\\n    The a."})
    ... class Model:
    ...     '''A model.
    ...
    ...     {parameters}
    ...     '''
    >>> "a : int, default=1" in Model.__doc__
    True
    """

    def fill(cls):
        if cls.__doc__ is not None:  # None under python -OO
            cls.__doc__ = with_parameters(cls.__doc__, parameters, **sections)
        return cls

    return fill


def _fill_shared(text):
    """``text`` with every line ``name : {key}`` replaced by the entry
    ``name : SHARED_ENTRIES[key]``, indented as that line."""

    def entry(match):
        indent, name, key = match.groups()
        return textwrap.indent(f"{name} : {SHARED_ENTRIES[key]}", indent)

    return _SHARED_ENTRY.sub(entry, text)


DOCS_URL = "https://skcosine.readthedocs.io/en/latest/"
"""Where the documentation is published (also ``Documentation`` in the
project's metadata)."""


class DocLinkMixin:
    """Links the estimator's HTML representation (the "?" of a diagram in a
    notebook) to its API page, as scikit-learn's estimators link to theirs."""

    _doc_link_module = "skcosine"
    _doc_link_template = DOCS_URL + "generated/{estimator_module}.{estimator_name}.html"


def with_parameters(template, entries, **sections):
    """A class docstring from ``template``: its ``{parameters}`` line becomes
    the ``Parameters`` section of ``entries``, in order, and its shared entries
    are filled (as :func:`shared_doc` fills a method's).

    Parameters
    ----------
    template : str
        The docstring, indented by 4 spaces after its first line, with a
        ``{parameters}`` line.
    entries : dict
        ``{name: entry}`` in the order of the signature, each entry its
        numpydoc lines, dedented.
    **sections : str
        Text for the other ``{name}`` lines, dedented.

    Returns
    -------
    str
    """
    section = "\n".join(["Parameters", "----------", *entries.values()])
    return _fill_shared(_fill(template, {"parameters": section, **sections}))
