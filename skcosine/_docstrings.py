"""Docstrings that share parameter entries: one home for each description.

The cross-validated estimators take every parameter of the plain estimator
they search over; their docstrings quote the plain estimator's entries rather
than repeat them, so a description is written (and corrected) once.
"""

import inspect
import re

__all__ = ["DOCS_URL", "DocLinkMixin", "parameter_entries", "with_parameters"]

DOCS_URL = "https://skcosine.readthedocs.io/en/latest/"
"""Where the documentation is published (also ``Documentation`` in the
project's metadata)."""


class DocLinkMixin:
    """Links the estimator's HTML representation (the "?" of a diagram in a
    notebook) to its API page, as scikit-learn's estimators link to theirs."""

    _doc_link_module = "skcosine"
    _doc_link_template = DOCS_URL + "generated/{estimator_module}.{estimator_name}.html"


_ENTRY = re.compile(r"^(\w+) :")


def parameter_entries(cls):
    """The entries of the ``Parameters`` section of ``cls``'s docstring.

    Parameters
    ----------
    cls : type
        A class with a numpydoc docstring.

    Returns
    -------
    dict
        ``{name: entry}``, each entry its lines (name line and description),
        dedented.
    """
    lines = inspect.getdoc(cls).splitlines()
    start = lines.index("Parameters") + 2
    entries, name = {}, None
    for line, underline in zip(lines[start:], lines[start + 1 :] + [""]):
        if underline.startswith("---"):  # the next section begins
            break
        match = _ENTRY.match(line)
        if match:
            name = match.group(1)
            entries[name] = []
        if name is not None and line.strip():
            entries[name].append(line)
    return {name: "\n".join(text) for name, text in entries.items()}


def with_parameters(template, names, *sources):
    """A class docstring from ``template``, whose ``{parameters}`` becomes the
    entries of ``names``, in order, each from the first source that has it.

    Parameters
    ----------
    template : str
        The docstring, indented by 4 spaces after its first line, with a
        ``{parameters}`` field.
    names : list of str
        The parameters, in the order of the signature.
    *sources : dict or type
        Entries (``{name: entry}``, dedented), or a class whose docstring's
        entries are quoted.

    Returns
    -------
    str
    """
    tables = [s if isinstance(s, dict) else parameter_entries(s) for s in sources]
    entries = [next(t[name] for t in tables if name in t) for name in names]
    text = "\n".join(entries)
    indented = "\n".join("    " + line if line else line for line in text.splitlines())
    return template.replace("{parameters}", indented.lstrip())
