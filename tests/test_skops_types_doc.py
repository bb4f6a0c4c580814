"""The scaling page's table of the types a skops file asks to trust is what
skops reports for those models (a user trusts that list, and is told any
other type is not skcosine's)."""

import re
import warnings

import pytest

from skcosine import (
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDClassifierCV,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
)

from .test_docs import ROOT

sio = pytest.importorskip("skops.io")


def documented_types():
    """``{saved model: [types]}``, the rows of the page's table."""
    text = (ROOT / "docs" / "scaling.rst").read_text()
    table = text.split(".. list-table:: The types a skops file")[1]
    table = table.split("\n\n")[1]  # the rows, after the options
    rows = re.split(r"^   \* - ", table, flags=re.MULTILINE)[2:]  # no header
    documented = {}
    for row in rows:
        model, types = row.split("\n     - ", 1)
        documented[model.strip()] = re.findall(r"``([^`]+)``", types)
    return documented


def models(diabetes, iris):
    Xr, yr = diabetes
    Xc, yc = iris
    small = dict(max_iter=3, random_state=0)
    search = dict(alphas=[1e-4], cv=3, **small)
    return {
        "``CosineSGDRegressor``": lambda: CosineSGDRegressor(**small).fit(Xr, yr),
        "``CosineSGDClassifier``": lambda: CosineSGDClassifier(**small).fit(Xc, yc),
        "``CosineSGDRegressor`` trained with ``T_mult``": lambda: CosineSGDRegressor(
            T_max=1, T_mult=1, **small
        ).fit(Xr, yr),
        "``CosineSGDRegressor`` after ``sparsify()``": lambda: (
            CosineSGDRegressor(**small).fit(Xr, yr).sparsify()
        ),
        "``CosineSGDRegressorCV`` (default ``scoring``)": lambda: CosineSGDRegressorCV(
            **search
        ).fit(Xr, yr),
        "``CosineSGDClassifierCV`` (default ``scoring``)": lambda: (
            CosineSGDClassifierCV(**search).fit(Xc, yc)
        ),
        '``CosineSGDClassifierCV(loss="log_loss", scoring="neg_log_loss")``': lambda: (
            CosineSGDClassifierCV(
                loss="log_loss", scoring="neg_log_loss", **search
            ).fit(Xc, yc)
        ),
        "``CosineMLPRegressor``": lambda: CosineMLPRegressor(
            hidden_layer_sizes=(4,), **small
        ).fit(Xr, yr),
        "``CosineMLPClassifier`` trained with ``T_mult``": lambda: (
            CosineMLPClassifier(hidden_layer_sizes=(4,), T_max=1, T_mult=1, **small)
        ).fit(Xc, yc),
    }


def test_the_page_lists_every_model_the_test_saves(diabetes, iris):
    assert sorted(documented_types()) == sorted(models(diabetes, iris))


def test_the_page_lists_exactly_the_types_skops_asks_to_trust(diabetes, iris, tmp_path):
    documented = documented_types()
    for name, fit in models(diabetes, iris).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short budgets
            model = fit()
        path = tmp_path / "model.skops"
        sio.dump(model, path)
        assert sio.get_untrusted_types(file=path) == documented[name], name
