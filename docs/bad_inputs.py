"""Write the table of bad inputs and the exact messages users see.

Usage: ``python docs/bad_inputs.py`` rewrites ``docs/bad_inputs_table.rst``;
``tests/test_bad_inputs_doc.py`` fails when the committed table is stale.
"""

import pathlib
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, load_iris

from skcosine import CosineAnnealingLR, CosineSGDClassifier, CosineSGDRegressor

TABLE = pathlib.Path(__file__).with_name("bad_inputs_table.rst")


def _data():
    X, y = load_diabetes(return_X_y=True)
    raw_X, raw_y = load_diabetes(return_X_y=True, scaled=False)
    iris_X, iris_y = load_iris(return_X_y=True)
    return X, y, raw_X, raw_y, iris_X, iris_y


def cases():
    """(what the user did, a function doing it) for every documented case."""
    X, y, raw_X, raw_y, iris_X, iris_y = _data()
    nan_X = X.copy()
    nan_X[0, 0] = np.nan
    inf_y = y.copy()
    inf_y[0] = np.inf
    reg = CosineSGDRegressor
    return [
        ("``T_max=0``", lambda: reg(T_max=0).fit(X, y)),
        ("``T_max=2.5``", lambda: reg(T_max=2.5).fit(X, y)),
        ("``lr_min=-0.1``", lambda: reg(lr_min=-0.1).fit(X, y)),
        ("``lr_min=nan``", lambda: reg(lr_min=np.nan).fit(X, y)),
        ("``lr_min=0.5, eta0=0.1``", lambda: reg(lr_min=0.5, eta0=0.1).fit(X, y)),
        ("``lr_min=5.0`` with ``eta0='auto'``", lambda: reg(lr_min=5.0).fit(X, y)),
        ("``eta0=0``", lambda: reg(eta0=0).fit(X, y)),
        ("``T_mult=0``", lambda: reg(T_mult=0).fit(X, y)),
        ("``warmup_epochs=-1``", lambda: reg(warmup_epochs=-1).fit(X, y)),
        (
            "``warmup_epochs=10, max_iter=10`` (``T_max=None``)",
            lambda: reg(warmup_epochs=10, max_iter=10).fit(X, y),
        ),
        (
            "``penalty='elasticnet', l1_ratio=None``",
            lambda: reg(penalty="elasticnet", l1_ratio=None).fit(X, y),
        ),
        ("``max_iter=0``", lambda: reg(max_iter=0).fit(X, y)),
        ("NaN in ``X``", lambda: reg().fit(nan_X, y)),
        ("infinity in ``y``", lambda: reg().fit(X, inf_y)),
        ("no samples", lambda: reg().fit(X[:0], y[:0])),
        ("``X`` and ``y`` of different lengths", lambda: reg().fit(X, y[:-1])),
        ("strings in ``X``", lambda: reg().fit([["a", "b"]] * 3, [1.0, 2.0, 3.0])),
        ("objects in ``X``", lambda: reg().fit([[object()]] * 3, [1.0, 2.0, 3.0])),
        (
            "negative ``sample_weight``",
            lambda: reg().fit(X, y, sample_weight=-np.ones(len(y))),
        ),
        (
            "all-zero ``sample_weight``",
            lambda: reg().fit(X, y, sample_weight=np.zeros(len(y))),
        ),
        (
            "``coef_init`` of the wrong shape",
            lambda: reg().fit(X, y, coef_init=np.ones(3)),
        ),
        (
            "``eta0=1.0`` on unscaled data (divergence)",
            lambda: reg(eta0=1.0, random_state=0).fit(raw_X, raw_y),
        ),
        ("``predict`` before ``fit``", lambda: reg().predict(X)),
        (
            "``predict`` with 3 features after fitting 10",
            lambda: reg(max_iter=2).fit(X, y).predict(X[:, :3]),
        ),
        ("a single class", lambda: CosineSGDClassifier().fit(iris_X, 0 * iris_y)),
        (
            "continuous targets for the classifier",
            lambda: CosineSGDClassifier().fit(X, y + 0.5),
        ),
        (
            "negative ``class_weight``",
            lambda: CosineSGDClassifier(class_weight={0: -1, 1: 1, 2: 1}).fit(
                iris_X, iris_y
            ),
        ),
        (
            "first ``partial_fit`` without ``classes``",
            lambda: CosineSGDClassifier().partial_fit(iris_X, iris_y),
        ),
        (
            "``partial_fit`` with ``class_weight='balanced'``",
            lambda: CosineSGDClassifier(class_weight="balanced").partial_fit(
                iris_X, iris_y, classes=[0, 1, 2]
            ),
        ),
        (
            "``partial_fit`` with ``early_stopping=True``",
            lambda: reg(early_stopping=True).partial_fit(X, y),
        ),
        (
            "a schedule called at a NaN epoch",
            lambda: CosineAnnealingLR(lr_initial=0.1, T_max=5)(np.nan),
        ),
    ]


def message(action):
    """``(exception type name, message)`` raised by ``action``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - recorded, not handled
            return type(exc).__name__, " ".join(str(exc).split())
    return "(none)", "no error"


def table():
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 25 15 60", ""]
    lines += ["   * - Input", "     - Exception", "     - Message"]
    for what, action in cases():
        kind, text = message(action)
        text = text.replace("`", "'").replace("*", r"\*").replace("|", r"\|")
        lines += [f"   * - {what}", f"     - ``{kind}``", f"     - {text}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TABLE.write_text(table(), encoding="utf-8")
    print(f"wrote {TABLE}")
