"""Write the table of bad inputs and the exact messages users see.

Usage: ``python docs/bad_inputs.py`` rewrites ``docs/bad_inputs_table.rst``;
``tests/test_bad_inputs_doc.py`` fails when the committed table is stale.

The cases that need files (checkpoints) write them in a temporary directory of
their own, deleted when the case ends; nothing else is written but the table.
"""

import json
import os
import pathlib
import pickle
import re
import tempfile
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler

from skcosine import (
    CosineAnnealingLR,
    CosineMLPClassifier,
    CosineMLPRegressor,
    CosineSGDClassifier,
    CosineSGDRegressor,
    CosineSGDRegressorCV,
    _checkpoint,
)

TABLE = pathlib.Path(__file__).with_name("bad_inputs_table.rst")
TEMPORARY = "skcosine-bad-inputs-"
"""Prefix of the temporary directories of the checkpoint cases; messages show
such a directory as ``<tmp>``, so that the table does not change from run to
run."""
TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?!\w)")
"""A word's trailing underscore (``coef_``), which reStructuredText would
read as a reference to a target named ``coef``."""
LONG_NUMBER = re.compile(r"\d{40,}")
"""Numbers this long are shortened in the table (``T_max=10**400``)."""
STRING_SET = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')+\}")
"""A set of strings in a message (scikit-learn's ``a str among {'sgd',
'adam'}``): Python orders it by hash, which changes from process to process,
so the table shows it sorted."""


def _data():
    X, y = load_diabetes(return_X_y=True)
    raw_X, raw_y = load_diabetes(return_X_y=True, scaled=False)
    iris_X, iris_y = load_iris(return_X_y=True)
    return X, y, raw_X, raw_y, iris_X, iris_y


def _in_temporary_directory(action):
    """Run ``action(directory)`` in a new temporary directory, then delete it
    with every file written there."""
    with tempfile.TemporaryDirectory(prefix=TEMPORARY) as directory:
        return action(pathlib.Path(directory))


def _planted_checkpoint(X, y):
    """A fit whose ``checkpoint_path`` holds a file that is not a checkpoint
    (here a pickle, as an attacker could plant)."""

    def action(directory):
        path = directory / "fit.ckpt"
        path.write_bytes(pickle.dumps({"not": "a checkpoint"}))
        return CosineSGDRegressor(max_iter=5, checkpoint_path=path).fit(X, y)

    return _in_temporary_directory(action)


def _checkpoint_in_missing_directory(X, y):
    def action(directory):
        path = directory / "missing" / "fit.ckpt"
        return CosineSGDRegressor(max_iter=5, checkpoint_path=path).fit(X, y)

    return _in_temporary_directory(action)


def _checkpoint_at(setup, X, y, name="fit.ckpt"):
    """A fit whose checkpoint files were prepared by ``setup(directory,
    path)``, which may return another ``checkpoint_path``."""

    def action(directory):
        path = directory / name
        other = setup(directory, path)
        path = other if isinstance(other, str) else path
        return CosineSGDRegressor(max_iter=5, checkpoint_path=path).fit(X, y)

    return _in_temporary_directory(action)


def _link(directory, path, suffix=""):
    os.symlink(directory / "elsewhere", f"{path}{suffix}")


def _edited_checkpoint(X, y):
    """A real checkpoint (of a fit interrupted after 2 epochs) whose epoch
    count was edited, then rewritten as a valid archive."""
    params = dict(max_iter=5, checkpoint_every=1, random_state=0)
    original = _checkpoint.CheckpointHook.after_pass

    def after_pass(hook, report):
        original(hook, report)
        if report.epoch >= 1:
            raise KeyboardInterrupt
        return False

    def action(directory):
        path = directory / "fit.ckpt"
        _checkpoint.CheckpointHook.after_pass = after_pass
        try:
            CosineSGDRegressor(checkpoint_path=path, **params).fit(X, y)
        except KeyboardInterrupt:
            pass
        finally:
            _checkpoint.CheckpointHook.after_pass = original
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(arrays.pop("header").tobytes())
        header["epochs"] = 4
        text = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        with open(path, "wb") as stream:
            np.savez(stream, header=text, **arrays)
        return CosineSGDRegressor(checkpoint_path=path, **params).fit(X, y)

    return _in_temporary_directory(action)


def _malformed_csr(X, y):
    """A CSR matrix with a column index ``>= n_features``."""
    matrix = sp.csr_matrix(X)
    matrix.indices[0] = X.shape[1]
    return CosineSGDRegressor(max_iter=2).fit(matrix, y)


def _malformed_coo(X, y):
    """A COO matrix with a column index ``>= n_features``."""
    matrix = sp.coo_matrix(X)
    matrix.col[0] = X.shape[1] + 5
    return CosineSGDRegressor(max_iter=2).fit(matrix, y)


def _malformed_lil(X, y):
    """A LIL matrix whose first row list holds a column ``>= n_features``."""
    matrix = sp.lil_matrix(X)
    matrix.rows[0][0] = X.shape[1] + 5
    return CosineSGDRegressor(max_iter=2).fit(matrix, y)


def _malformed_dok(X, y):
    """A DOK matrix with a key whose row is ``>= n_samples`` (written around
    scipy's checked ``__setitem__``)."""
    matrix = sp.dok_matrix(X)
    dict.__setitem__(getattr(matrix, "_dict", matrix), (X.shape[0] + 5, 0), 1.0)
    return CosineSGDRegressor(max_iter=2).fit(matrix, y)


def _malformed_dia(X, y):
    """A DIA matrix with a diagonal offset beyond the matrix."""
    matrix = sp.dia_matrix(X)
    matrix.offsets = np.array([2**32 + 1, *matrix.offsets[1:]], np.int64)
    return CosineSGDRegressor(max_iter=2).fit(matrix, y)


def _float_indices(X, y):
    """A CSR matrix whose column indices are floats."""
    matrix = sp.csr_matrix(X)
    matrix.indices = matrix.indices.astype(np.float64)
    return CosineSGDRegressor(max_iter=2).fit(matrix, y)


def _loaded(model):
    """``model`` as a file brings it back."""
    return pickle.loads(pickle.dumps(model))


def _tampered_sparse_coef(X, y):
    """A sparsified model whose ``coef_`` holds a column index ``>=
    n_features``, as in a tampered file, then ``predict``."""
    model = CosineSGDRegressor(max_iter=2).fit(X, y).sparsify()
    model.coef_.indices[0] = X.shape[1] + 5
    return _loaded(model).predict(X)


def _tampered_coef(X, y):
    model = CosineSGDRegressor(max_iter=2).fit(X, y)
    model.coef_ = np.full_like(model.coef_, np.nan)
    return _loaded(model).predict(X)


def _tampered_classes(X, y):
    model = CosineSGDClassifier(max_iter=2).fit(X, y)
    model.classes_ = model.classes_[:2]
    return _loaded(model).predict(X)


def _state_without(X, y, key):
    model = CosineSGDRegressor(max_iter=2).fit(X, y)
    del model._state[key]
    return _loaded(model).partial_fit(X, y)


def _schedule_changed(X, y):
    model = CosineSGDRegressor(eta0=0.01).partial_fit(X, y)
    return model.set_params(lr_min=0.001).partial_fit(X, y)


def _bad_parameter_between_calls(X, y):
    model = CosineSGDRegressor(eta0=0.01).partial_fit(X, y)
    return model.set_params(batches_per_epoch=0).partial_fit(X, y)


def _tampered_state(X, y):
    """A fitted model whose training state was replaced, as in a tampered
    file, then trained further."""
    model = CosineSGDRegressor(max_iter=2).fit(X, y)
    model._state["coef"] = np.zeros((3, 1))
    return model.partial_fit(X, y)


def _labels(codes, values):
    """The labels ``values[code]`` of every integer code, as an object array."""
    labels = np.empty(len(codes), dtype=object)
    labels[:] = [values[int(code)] for code in codes]
    return labels


def cases():
    """(what the user did, a function doing it) for every documented case."""
    X, y, raw_X, raw_y, iris_X, iris_y = _data()
    nan_X = X.copy()
    nan_X[0, 0] = np.nan
    inf_y = y.copy()
    inf_y[0] = np.inf
    dates = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[D]")
    dates = dates.reshape(-1, 1)
    reg = CosineSGDRegressor
    return [
        ("``T_max=0``", lambda: reg(T_max=0).fit(X, y)),
        ("``T_max=2.5``", lambda: reg(T_max=2.5).fit(X, y)),
        ("``lr_min=-0.1``", lambda: reg(lr_min=-0.1).fit(X, y)),
        ("``lr_min=nan``", lambda: reg(lr_min=np.nan).fit(X, y)),
        ("``lr_min=0.5, eta0=0.1``", lambda: reg(lr_min=0.5, eta0=0.1).fit(X, y)),
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
        ("``T_max=10**400``", lambda: reg(T_max=10**400).fit(X, y)),
        ("``max_iter=2**63 - 1``", lambda: reg(max_iter=2**63 - 1).fit(X, y)),
        (
            "``early_stopping=True`` with ``tol=None``",
            lambda: reg(early_stopping=True).fit(X, y),
        ),
        ("NaN in ``X``", lambda: reg().fit(nan_X, y)),
        ("infinity in ``y``", lambda: reg().fit(X, inf_y)),
        (
            "features of ``1e154`` (squared row norms overflow)",
            lambda: reg().fit(np.full((10, 3), 1e154), np.ones(10)),
        ),
        ("targets of ``1e200``", lambda: reg().fit(X, np.full(len(y), 1e200))),
        ("no samples", lambda: reg().fit(X[:0], y[:0])),
        ("``X`` and ``y`` of different lengths", lambda: reg().fit(X, y[:-1])),
        ("strings in ``X``", lambda: reg().fit([["a", "b"]] * 3, [1.0, 2.0, 3.0])),
        ("objects in ``X``", lambda: reg().fit([[object()]] * 3, [1.0, 2.0, 3.0])),
        ("dates (``datetime64``) in ``X``", lambda: reg().fit(dates, [1.0, 2.0, 3.0])),
        (
            "a CSR matrix with a column index ``>= n_features``",
            lambda: _malformed_csr(X, y),
        ),
        (
            "a COO matrix with a column index ``>= n_features``",
            lambda: _malformed_coo(X, y),
        ),
        (
            "a LIL matrix with a column index ``>= n_features``",
            lambda: _malformed_lil(X, y),
        ),
        (
            "a DOK matrix with a row index ``>= n_samples``",
            lambda: _malformed_dok(X, y),
        ),
        (
            "a DIA matrix with a diagonal offset beyond the matrix",
            lambda: _malformed_dia(X, y),
        ),
        ("a CSR matrix with float indices", lambda: _float_indices(X, y)),
        (
            "a 1-d sparse array",
            lambda: reg().fit(sp.coo_array(X[:, 0]), y),
        ),
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
            "``class_weight`` of 0 for every class",
            lambda: CosineSGDClassifier(class_weight={0: 0, 1: 0, 2: 0}).fit(
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
            "``lr_min`` changed between ``partial_fit`` calls",
            lambda: _schedule_changed(X, y),
        ),
        (
            "``batches_per_epoch=0`` set between ``partial_fit`` calls",
            lambda: _bad_parameter_between_calls(X, y),
        ),
        (
            "``partial_fit`` on a tampered fitted state (``_state['coef']`` of "
            "the wrong shape)",
            lambda: _tampered_state(X, y),
        ),
        (
            "``predict`` of a loaded model whose sparsified ``coef_`` has a "
            "column index ``>= n_features``",
            lambda: _tampered_sparse_coef(X, y),
        ),
        (
            "``predict`` of a loaded model with NaN in ``coef_``",
            lambda: _tampered_coef(X, y),
        ),
        (
            "``predict`` of a loaded classifier whose ``classes_`` lost a class",
            lambda: _tampered_classes(iris_X, iris_y),
        ),
        (
            "``partial_fit`` of a loaded model whose ``_state`` lacks ``'lr_initial'``",
            lambda: _state_without(X, y, "lr_initial"),
        ),
        (
            "a file that is not a checkpoint at ``checkpoint_path``",
            lambda: _planted_checkpoint(X, y),
        ),
        (
            "``checkpoint_path`` in a directory that does not exist",
            lambda: _checkpoint_in_missing_directory(X, y),
        ),
        ("``alpha=10**400`` (no float holds it)", lambda: reg(alpha=10**400).fit(X, y)),
        (
            "``alphas=[10**400]`` (CV estimator)",
            lambda: CosineSGDRegressorCV(alphas=[10**400]).fit(X, y),
        ),
        (
            "labels mixing numbers and strings (``[1, 'a', ...]``)",
            lambda: CosineSGDClassifier().fit(iris_X, _labels(iris_y, [1, "a", 2])),
        ),
        (
            "``None`` among the labels",
            lambda: CosineSGDClassifier().fit(iris_X, _labels(iris_y, [1, None, 2])),
        ),
        (
            "bytes labels",
            lambda: CosineSGDClassifier().fit(
                iris_X, _labels(iris_y, [b"a", b"b", b"c"])
            ),
        ),
        (
            "float32 ``X`` with targets of ``1e39``",
            lambda: reg().fit(X.astype(np.float32), np.full(len(y), 1e39)),
        ),
        (
            "float32 ``X`` with a ``sample_weight`` of ``1e39``",
            lambda: reg().fit(
                X.astype(np.float32), y, sample_weight=np.full(len(y), 1e39)
            ),
        ),
        (
            "CV estimator with ``cv=[]`` (no split)",
            lambda: CosineSGDRegressorCV(cv=[]).fit(X, y),
        ),
        (
            "CV estimator with a split of float indices",
            lambda: CosineSGDRegressorCV(cv=[(np.arange(10.0), np.arange(10, 20))]).fit(
                X, y
            ),
        ),
        (
            "a symbolic link at ``checkpoint_path`` (or ``<path>.values``, "
            "``<path>.lock``)",
            lambda: _checkpoint_at(_link, X, y),
        ),
        (
            "a FIFO at ``checkpoint_path``",
            lambda: _checkpoint_at(lambda d, p: os.mkfifo(p), X, y),
        ),
        (
            "a device as ``checkpoint_path`` (``/dev/zero``)",
            lambda: _checkpoint_at(lambda d, p: "/dev/zero", X, y),
        ),
        (
            "a directory at ``<checkpoint_path>.values``",
            lambda: _checkpoint_at(lambda d, p: os.mkdir(f"{p}.values"), X, y),
        ),
        (
            "a file skcosine did not write at ``<checkpoint_path>.values``",
            lambda: _checkpoint_at(
                lambda d, p: pathlib.Path(f"{p}.values").write_bytes(b"data"), X, y
            ),
        ),
        (
            "``checkpoint_path=''``",
            lambda: CosineSGDRegressor(max_iter=5, checkpoint_path="").fit(X, y),
        ),
        (
            "a checkpoint of this fit edited (its epoch count changed)",
            lambda: _edited_checkpoint(X, y),
        ),
        (
            "a schedule called at a NaN epoch",
            lambda: CosineAnnealingLR(lr_initial=0.1, T_max=5)(np.nan),
        ),
        (
            "a schedule called at an infinite epoch",
            lambda: CosineAnnealingLR(lr_initial=0.1, T_max=5)(np.inf),
        ),
        (
            "a schedule called at the string epoch '3'",
            lambda: CosineAnnealingLR(lr_initial=0.1, T_max=5)("3"),
        ),
    ]


def _mlp_schedule_changed(X, y):
    model = CosineMLPRegressor(hidden_layer_sizes=(8,)).partial_fit(X, y)
    return model.set_params(lr_min=1e-4).partial_fit(X, y)


def _tampered_mlp(X, y, tamper, method="predict"):
    """A fitted network changed by ``tamper(model)``, as in a tampered file,
    saved and loaded, then ``method``."""
    model = CosineMLPRegressor(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    model.fit(X, y)
    tamper(model)
    model = _loaded(model)
    return model.predict(X) if method == "predict" else model.partial_fit(X, y)


def _mlp_malformed_csr(X, y):
    """``predict`` of a fitted network on a CSR matrix with a column index
    ``>= n_features`` (scikit-learn's product would read out of bounds)."""
    model = CosineMLPRegressor(hidden_layer_sizes=(8,), max_iter=2).fit(X, y)
    matrix = sp.csr_matrix(X)
    matrix.indices[0] = X.shape[1] + 10**6
    return model.predict(matrix)


def mlp_cases():
    """(what the user did, a function doing it) for the MLP estimators."""
    X, raw_y, _, _, iris_X, iris_y = _data()
    y = (raw_y - raw_y.mean()) / raw_y.std()
    nan_X, inf_X = X.copy(), X.copy()
    nan_X[0, 0], inf_X[0, 0] = np.nan, np.inf
    mlp = CosineMLPRegressor

    def wrong_shape(model):
        model.coefs_[0] = model.coefs_[0][:, :3]

    def nan_coefs(model):
        model.coefs_[1] = model.coefs_[1] * np.nan

    return [
        ("``hidden_layer_sizes=(0,)``", lambda: mlp(hidden_layer_sizes=(0,)).fit(X, y)),
        (
            "``hidden_layer_sizes=(64, -1)``",
            lambda: mlp(hidden_layer_sizes=(64, -1)).fit(X, y),
        ),
        ("``solver='lbfgs'``", lambda: mlp(solver="lbfgs").fit(X, y)),
        (
            "``set_params(learning_rate='adaptive')`` (scikit-learn's parameter)",
            lambda: mlp().set_params(learning_rate="adaptive"),
        ),
        (
            "``set_params(power_t=0.5)`` (scikit-learn's parameter)",
            lambda: mlp().set_params(power_t=0.5),
        ),
        (
            "``set_params(max_fun=15000)`` (scikit-learn's 'lbfgs' parameter)",
            lambda: mlp().set_params(max_fun=15000),
        ),
        (
            "``lr_min=0.1, learning_rate_init=0.01``",
            lambda: mlp(lr_min=0.1, learning_rate_init=0.01).fit(X, y),
        ),
        (
            "``partial_fit`` with ``early_stopping=True``",
            lambda: mlp(early_stopping=True, tol=1e-4).partial_fit(X, y),
        ),
        (
            "``early_stopping=True`` with ``tol=None``",
            lambda: mlp(early_stopping=True).fit(X, y),
        ),
        (
            "``warmup_epochs=10, max_iter=10`` (``T_max=None``)",
            lambda: mlp(warmup_epochs=10, max_iter=10).fit(X, y),
        ),
        (
            "``warmup_epochs=100`` at the first ``partial_fit`` (``max_iter='auto'``)",
            lambda: mlp(warmup_epochs=100).partial_fit(X, y),
        ),
        (
            "``lr_min`` changed between ``partial_fit`` calls",
            lambda: _mlp_schedule_changed(X, y),
        ),
        (
            "first ``partial_fit`` of the classifier without ``classes``",
            lambda: CosineMLPClassifier().partial_fit(iris_X, iris_y),
        ),
        (
            "``predict`` of a loaded network whose ``coefs_[0]`` lost columns",
            lambda: _tampered_mlp(X, y, wrong_shape),
        ),
        (
            "``partial_fit`` of a loaded network with NaN in ``coefs_[1]``",
            lambda: _tampered_mlp(X, y, nan_coefs, "partial_fit"),
        ),
        (
            "``partial_fit`` of a loaded network whose ``n_epochs_`` is NaN",
            lambda: _tampered_mlp(
                X, y, lambda m: setattr(m, "n_epochs_", np.nan), "partial_fit"
            ),
        ),
        ("NaN in ``X``", lambda: mlp().fit(nan_X, y)),
        (
            "infinity in ``X`` at ``predict``",
            lambda: mlp(max_iter=2).fit(X, y).predict(inf_X),
        ),
        (
            "``predict`` on a CSR matrix with a column index ``>= n_features``",
            lambda: _mlp_malformed_csr(X, y),
        ),
        (
            "``learning_rate_init=1000, solver='sgd'`` (divergence)",
            lambda: mlp(
                hidden_layer_sizes=(8,),
                solver="sgd",
                learning_rate_init=1000.0,
                max_iter=5,
                random_state=0,
            ).fit(StandardScaler().fit_transform(X), raw_y),
        ),
        (
            "float32 ``X`` with targets of ``1e39``",
            lambda: mlp().fit(X.astype(np.float32), np.full(len(y), 1e39)),
        ),
    ]


def message(action):
    """``(exception type name, message)`` raised by ``action``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - recorded, not handled
            return type(exc).__name__, _readable(" ".join(str(exc).split()))
    return "(none)", "no error"


def _readable(text):
    """The message with temporary directories shown as ``<tmp>`` and numbers
    of 40 digits or more shortened."""
    text = re.sub(rf"[^\s'(]*{TEMPORARY}[A-Za-z0-9_]+", "<tmp>", text)
    text = STRING_SET.sub(
        lambda m: "{" + ", ".join(sorted(m[0][1:-1].split(", "))) + "}", text
    )
    return LONG_NUMBER.sub(lambda m: f"{m[0][:4]}...({len(m[0])} digits)", text)


def _list_table(rows):
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 25 15 60", ""]
    lines += ["   * - Input", "     - Exception", "     - Message"]
    for what, action in rows:
        kind, text = message(action)
        text = text.replace("`", "'").replace("*", r"\*").replace("|", r"\|")
        text = TRAILING_UNDERSCORE.sub(r"\\_", text)  # coef_ is no rst reference
        lines += [f"   * - {what}", f"     - ``{kind}``", f"     - {text}"]
    return lines


def table():
    """The SGD estimators' table, then the MLP estimators' (under a rubric,
    so that the page's sections stay the page's)."""
    lines = _list_table(cases())
    lines += ["", ".. rubric:: CosineMLPRegressor and CosineMLPClassifier", ""]
    lines += _list_table(mlp_cases())
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TABLE.write_text(table(), encoding="utf-8")
    print(f"wrote {TABLE}")
