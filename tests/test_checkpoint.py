"""An interrupted fit resumes from its checkpoint, bit for bit; a checkpoint
file is only ever read as an archive of numbers, checked before use, and the
fit touches no file it did not write."""

import copy
import functools
import io
import json
import os
import pathlib
import pickle
import re
import signal
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes

from skcosine import (
    CosineSGDClassifier,
    CosineSGDRegressor,
    _base,
    _checkpoint,
    _training,
)
from skcosine._training import copy_state

from .conftest import run_child

DATA = """
import numpy as np
rng = np.random.RandomState(0)
X = rng.randn(20000, 30)
y = X @ rng.randn(30) + rng.randn(20000)
"""

PARAMS = dict(max_iter=300, lr_min=1e-4, random_state=0, checkpoint_every=5)


def make_data():
    namespace = {}
    exec(DATA, namespace)
    return namespace["X"], namespace["y"]


KILLED_FIT = """
import os, signal, threading, time
from skcosine import CosineSGDRegressor

def kill_after_the_first_checkpoint(path):
    while not os.path.exists(path):
        time.sleep(0.01)
    time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no chance to finish

path = sys.argv[1]
threading.Thread(
    target=kill_after_the_first_checkpoint, args=[path], daemon=True
).start()
CosineSGDRegressor(checkpoint_path=path, **PARAMS).fit(X, y)
print("finished", flush=True)  # the fit ended before its first checkpoint
"""
"""Child side: fit on :data:`DATA` with ``PARAMS`` and ``sys.argv[1]`` as the
checkpoint path, and kill the process soon after its first checkpoint."""


def test_a_fit_killed_mid_way_resumes_to_the_same_model(tmp_path):
    """The file's child process is killed mid-fit; the next fit resumes from
    its checkpoint to the model of an uninterrupted fit."""
    path = tmp_path / "fit.ckpt"
    child = run_child(DATA + f"PARAMS = {PARAMS!r}\n" + KILLED_FIT, path)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert child.stdout == ""
    with np.load(path, allow_pickle=False) as saved:
        epochs = float(saved["state.epochs"]) if "state.epochs" in saved else None
        header = bytes(saved["header"]).decode()
    assert '"epochs": ' in header
    epochs = int(header.split('"epochs": ')[1].split(",")[0])
    assert 0 < epochs < PARAMS["max_iter"]

    X, y = make_data()
    resumed = CosineSGDRegressor(checkpoint_path=path, **PARAMS).fit(X, y)
    assert not path.exists()  # removed once the fit completed
    straight = CosineSGDRegressor(**PARAMS).fit(X, y)
    assert resumed.n_iter_ == PARAMS["max_iter"]
    assert_array_equal(resumed.coef_, straight.coef_)
    assert_array_equal(resumed.intercept_, straight.intercept_)


def interrupt(model, X, y, after):
    """Fit ``model``, raising KeyboardInterrupt after ``after`` epochs (once
    the checkpoint of that epoch, if any, is written)."""
    original = _checkpoint.CheckpointHook.after_pass
    calls = {"n": 0}

    def after_pass(hook, report):
        stop = original(hook, report)
        calls["n"] += 1
        if calls["n"] >= after:
            raise KeyboardInterrupt
        return stop

    _checkpoint.CheckpointHook.after_pass = after_pass
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    finally:
        _checkpoint.CheckpointHook.after_pass = original
    assert not hasattr(model, "coef_")


def interrupted_then_resumed(Estimator, X, y, path, stop_epoch, **params):
    """Fit, interrupted after ``stop_epoch`` epochs; then fit again."""
    model = Estimator(checkpoint_path=path, **params)
    interrupt(model, X, y, stop_epoch)
    assert path.exists()
    return model.fit(X, y)


@pytest.mark.parametrize(
    "Estimator, params",
    [
        (CosineSGDRegressor, dict(average=True, tol=1e-4, n_iter_no_change=100)),
        (CosineSGDClassifier, dict(loss="log_loss", average=True)),
        (CosineSGDClassifier, dict(early_stopping=True, tol=0.0, n_iter_no_change=99)),
    ],
)
def test_resumed_fit_is_bitwise_identical(tmp_path, Estimator, params):
    X, y = make_data()
    X, y = X[:2000], y[:2000]
    if Estimator is CosineSGDClassifier:
        y = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    common = dict(max_iter=40, checkpoint_every=3, random_state=7, **params)
    straight = Estimator(**common).fit(X, y)
    path = tmp_path / "model.ckpt"
    resumed = interrupted_then_resumed(Estimator, X, y, path, 20, **common)
    assert_array_equal(resumed.coef_, straight.coef_)
    assert_array_equal(resumed.intercept_, straight.intercept_)
    assert_array_equal(resumed.learning_rates_, straight.learning_rates_)
    for name in ("loss_curve_", "validation_scores_"):
        if hasattr(straight, name):
            assert_array_equal(getattr(resumed, name), getattr(straight, name))
    assert not path.exists()


def test_a_checkpoint_of_another_fit_is_refused(tmp_path):
    X, y = make_data()
    X, y = X[:500], y[:500]
    path = tmp_path / "other.ckpt"
    params = dict(max_iter=30, checkpoint_every=2, random_state=0)
    interrupt(CosineSGDRegressor(checkpoint_path=path, **params), X, y, after=5)
    assert path.exists()
    for other_data, other_params in [(y + 1, {}), (y, {"max_iter": 31})]:
        model = CosineSGDRegressor(checkpoint_path=path, **{**params, **other_params})
        with pytest.raises(ValueError, match="holds a checkpoint of another fit"):
            model.fit(X, other_data)
    resumed = CosineSGDRegressor(checkpoint_path=path, **params).fit(X, y)
    assert_array_equal(resumed.coef_, CosineSGDRegressor(**params).fit(X, y).coef_)


@pytest.mark.parametrize(
    "change",
    [
        {"n_jobs": 2},
        {"verbose": 0},
        {"random_state": "instance"},
        {"checkpoint_every": 3},
    ],
)
def test_resuming_survives_what_does_not_change_the_fit(tmp_path, iris, change):
    """N_jobs, a RandomState instance consumed by the interrupted fit."""
    X, y = iris
    params = dict(max_iter=12, checkpoint_every=2, random_state=0, verbose=0)
    if change.get("random_state") == "instance":
        params["random_state"] = np.random.RandomState(7)
        change = {}
    path = tmp_path / "fit.ckpt"
    interrupt(CosineSGDClassifier(checkpoint_path=path, **params), X, y, 5)
    assert path.exists()
    resumed = CosineSGDClassifier(checkpoint_path=path, **{**params, **change})
    resumed.fit(X, y)
    assert not path.exists() and resumed.n_iter_ == 12


def test_concurrent_fits_sharing_a_path_are_refused_before_training(tmp_path):
    """Of four fits started together on one path, one trains and the
    others get a clear error at once, leaving nothing that breaks later fits."""
    rng = np.random.RandomState(0)
    X = rng.randn(20000, 30)
    y = X @ rng.randn(30)
    path = tmp_path / "shared.ckpt"
    start = threading.Barrier(4)

    def fit(seed, wait=True):
        model = CosineSGDRegressor(
            checkpoint_path=path, max_iter=600, random_state=seed
        )
        if wait:
            start.wait()
        try:
            model.fit(X, y)
            return "ok"
        except ValueError as exc:
            return str(exc)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fit, range(4)))
    assert results.count("ok") == 1, results
    assert sum("in use by another fit" in r for r in results) == 3, results
    assert os.listdir(tmp_path) == []
    assert fit(9, wait=False) == "ok"


def test_no_checkpoint_file_without_checkpoint_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = make_data()
    CosineSGDRegressor(max_iter=5).fit(X[:300], y[:300])
    assert os.listdir(tmp_path) == []


# --- a checkpoint file cannot run code: it is an archive of numbers -----------


class Payload:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def planted_files(tmp_path):
    """Files an attacker could plant at a predictable checkpoint path."""
    marker = str(tmp_path / "code-ran")
    npz = io.BytesIO()
    np.savez(npz, header=np.array([Payload(marker)], dtype=object))
    truncated = io.BytesIO()
    np.savez(truncated, header=np.frombuffer(b'{"format": 2}', dtype=np.uint8))
    return marker, {
        "pickle": pickle.dumps(Payload(marker)),
        "npz with a pickled object array": npz.getvalue(),
        "truncated npz": truncated.getvalue()[:-20],
        "empty": b"",
        "text": b"hello",
    }


@pytest.mark.parametrize(
    "kind",
    ["pickle", "npz with a pickled object array", "truncated npz", "empty", "text"],
)
def test_a_planted_checkpoint_never_runs_and_is_refused_naming_the_file(
    tmp_path, diabetes, kind
):
    """The checkpoint is read without pickle; junk is a ValueError."""
    X, y = diabetes
    marker, files = planted_files(tmp_path)
    path = tmp_path / "fit.ckpt"
    path.write_bytes(files[kind])
    model = CosineSGDRegressor(checkpoint_path=path, max_iter=5)
    with pytest.raises(ValueError, match=r"fit\.ckpt.*(not a valid|another fit)"):
        model.fit(X, y)
    assert not os.path.exists(marker)
    assert path.read_bytes() == files[kind]  # not the fit's file to delete


def test_a_skops_file_of_trusted_types_cannot_smuggle_a_pickle(tmp_path, diabetes):
    """Skops-loaded models may name any checkpoint_path."""
    sio = pytest.importorskip("skops.io")
    X, y = diabetes
    marker, files = planted_files(tmp_path)
    path = tmp_path / "planted.ckpt"
    path.write_bytes(files["pickle"])
    model = CosineSGDRegressor(max_iter=3, checkpoint_path=str(path))
    loaded = sio.loads(sio.dumps(model), trusted=["skcosine.CosineSGDRegressor"])
    with pytest.raises(ValueError, match="not a valid skcosine checkpoint"):
        loaded.fit(X, y)
    assert not os.path.exists(marker)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4000), st.booleans())
def test_any_file_at_the_checkpoint_path_is_a_value_error(
    tmp_path_factory, blob, zipped
):
    """Random bytes, or random bytes inside a zip archive: refused, naming the
    file, and left in place."""
    directory = tmp_path_factory.mktemp("planted")
    path = directory / "fit.ckpt"
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("header.npy", blob)
    else:
        path.write_bytes(blob)
    before = path.read_bytes()
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="fit.ckpt"):
        CosineSGDRegressor(checkpoint_path=path, max_iter=3).fit(X[:50], y[:50])
    assert path.read_bytes() == before


def test_a_checkpoint_is_an_npz_archive_of_numbers(tmp_path, diabetes):
    """What is on disk is readable without pickle."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(checkpoint_path=path, max_iter=12, checkpoint_every=2, random_state=0)
    interrupt(CosineSGDRegressor(**params), X, y, 5)
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)


# --- hostile files: links, special files, files the fit did not write --------


def small_data(n=40, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    return X, X @ rng.randn(d) + 0.1 * rng.randn(n)


SMALL = dict(max_iter=8, checkpoint_every=2, random_state=0, tol=0.0)
SMALL.update(n_iter_no_change=99, average=True)


@pytest.fixture
def no_fsync(monkeypatch):
    """fsync only matters to a power cut; skipping it makes saves cheap."""
    monkeypatch.setattr(os, "fsync", lambda handle: None)


@pytest.fixture
def no_training(monkeypatch):
    """Fails the test if a fit starts training."""

    def run_passes(*args, **kwargs):
        raise AssertionError("the fit trained before refusing its checkpoint_path")

    monkeypatch.setattr(_base, "run_passes", run_passes)


def finishes(action, seconds=30):
    """Run ``action`` in a daemon thread; its exception, or ``"hung"`` (a
    regression that blocks or reads forever must fail, not hang the suite)."""
    outcome = ["hung"]

    def target():
        try:
            action()
            outcome[0] = None
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome[0] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    return outcome[0]


def victim(directory):
    """A file an attacker wants overwritten, and a name to have created."""
    target = directory / "victim.txt"
    target.write_bytes(b"precious")
    return target, directory / "created-by-the-fit"


@pytest.mark.parametrize("suffix", ["", ".values", ".lock", ".tmp"])
@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_planted_before_the_fit_is_never_followed(tmp_path, suffix, dangling):
    """Item 5: a link at any name of the checkpoint is refused (or, at the
    old fixed temporary name, ignored): never written through, never created."""
    X, y = small_data()
    target, missing = victim(tmp_path)
    path = tmp_path / "fit.ckpt"
    link = tmp_path / f"fit.ckpt{suffix}"
    os.symlink(missing if dangling else target, link)
    model = CosineSGDRegressor(checkpoint_path=path, **SMALL)
    if suffix == ".tmp":  # skcosine's temporaries have random names now
        model.fit(X, y)
        assert os.path.islink(link)
    else:
        with pytest.raises(ValueError, match=r"fit\.ckpt.*symbolic link"):
            model.fit(X, y)
    assert target.read_bytes() == b"precious" and not missing.exists()


def plant_during_fit(monkeypatch, after, plant):
    """Call ``plant()`` once, right after the ``after``-th save of the fit."""
    original = _checkpoint.Checkpoint.save
    calls = {"n": 0}

    def save(self, state, epochs, values, rule):
        original(self, state, epochs, values, rule)
        calls["n"] += epochs % self.every == 0
        if calls["n"] == after and epochs % self.every == 0:
            plant()

    monkeypatch.setattr(_checkpoint.Checkpoint, "save", save)


def test_links_planted_during_the_fit_are_never_followed(tmp_path, monkeypatch):
    """Item 5: the race. Links appear at the old temporary name and in place
    of the values file mid-fit; the fit completes, bit for bit, and writes
    through neither."""
    X, y = small_data()
    target, missing = victim(tmp_path)
    path = tmp_path / "fit.ckpt"

    def plant():
        os.symlink(target, tmp_path / "fit.ckpt.tmp")
        os.rename(tmp_path / "fit.ckpt.values", tmp_path / "moved.values")
        os.symlink(missing, tmp_path / "fit.ckpt.values")

    plant_during_fit(monkeypatch, after=1, plant=plant)
    resumed = CosineSGDRegressor(checkpoint_path=path, **SMALL).fit(X, y)
    assert target.read_bytes() == b"precious" and not missing.exists()
    assert_array_equal(resumed.coef_, CosineSGDRegressor(**SMALL).fit(X, y).coef_)
    # the planted links are not the fit's to delete
    assert os.path.islink(tmp_path / "fit.ckpt.values")


def test_a_file_planted_at_the_path_during_the_fit_is_not_replaced(
    tmp_path, monkeypatch
):
    """Item 5/6: the checkpoint path changed under the fit: it stops with an
    error naming the path and leaves the planted file (here a link) alone."""
    X, y = small_data()
    target, _ = victim(tmp_path)
    path = tmp_path / "fit.ckpt"

    def plant():
        os.unlink(path)
        os.symlink(target, path)

    plant_during_fit(monkeypatch, after=1, plant=plant)
    with pytest.raises(ValueError, match=r"fit\.ckpt' was replaced during the fit"):
        CosineSGDRegressor(checkpoint_path=path, **SMALL).fit(X, y)
    assert os.path.islink(path) and target.read_bytes() == b"precious"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_files_the_fit_did_not_write_are_left_as_they_are(tmp_path):
    """Item 6: foreign files at the companion names are never deleted or
    rewritten: a values file is refused, a lock file is used and kept."""
    X, y = small_data()
    path = tmp_path / "fit.ckpt"
    values = tmp_path / "fit.ckpt.values"
    values.write_bytes(b"someone's data")
    with pytest.raises(ValueError, match=r"fit\.ckpt.values was not written by"):
        CosineSGDRegressor(checkpoint_path=path, **SMALL).fit(X, y)
    assert values.read_bytes() == b"someone's data"
    values.unlink()
    planted = {
        "fit.ckpt.lock": b"someone's lock",
        "fit.ckpt.abcdefgh.tmp": b"someone's file with a temporary's name",
    }
    for name, content in planted.items():
        (tmp_path / name).write_bytes(content)
    CosineSGDRegressor(checkpoint_path=path, **SMALL).fit(X, y)
    assert sorted(os.listdir(tmp_path)) == sorted(planted)
    for name, content in planted.items():
        assert (tmp_path / name).read_bytes() == content


def test_the_leftovers_of_a_killed_fit_are_removed(tmp_path):
    """Item 6: what skcosine recognises as its own (marked lock, values file
    with its header, temporaries of this fit) is cleaned up by the next fit."""
    X, y = small_data()
    path = tmp_path / "fit.ckpt"
    model = CosineSGDRegressor(checkpoint_path=path, **SMALL)
    interrupt(model, X, y, after=4)
    state = path.read_bytes()
    (tmp_path / "fit.ckpt.lock").write_bytes(_checkpoint.LOCK_MARKER)
    (tmp_path / "fit.ckpt.k1lld0ne.tmp").write_bytes(state[:300])  # mid-save
    (tmp_path / "fit.ckpt.3mpty___.tmp").write_bytes(b"")  # killed as created
    resumed = model.fit(X, y)
    assert os.listdir(tmp_path) == []
    assert_array_equal(resumed.coef_, CosineSGDRegressor(**SMALL).fit(X, y).coef_)
    # values left by a fit killed before its first state file: reused
    (tmp_path / "fit.ckpt.values").write_bytes(_checkpoint.VALUES_MAGIC + b"0" * 40)
    model.fit(X, y)
    assert os.listdir(tmp_path) == []


def test_an_interrupt_leaves_no_temporary_files(tmp_path, diabetes):
    """Only the checkpoint (and its values) remain to resume from."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(max_iter=12, checkpoint_every=2, tol=1e-9, n_iter_no_change=99)
    interrupt(CosineSGDRegressor(checkpoint_path=path, **params), X, y, 5)
    assert sorted(os.listdir(tmp_path)) == ["fit.ckpt", "fit.ckpt.values"]
    (tmp_path / "fit.ckpt.tmp").write_bytes(b"not written by skcosine")
    CosineSGDRegressor(checkpoint_path=path, **params).fit(X, y)
    assert os.listdir(tmp_path) == ["fit.ckpt.tmp"]  # not the fit's to delete
    assert (tmp_path / "fit.ckpt.tmp").read_bytes() == b"not written by skcosine"


def test_a_loaded_model_fits_without_touching_files_next_to_its_path(tmp_path):
    """Item 6: a pickled (or skops) model keeps checkpoint_path, as
    get_params and clone must; fitting it touches no file it did not write,
    wherever the path points."""
    X, y = small_data()
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes")
    others = {"notes.txt.values": b"values?", "notes.txt.lock": b"lock?"}
    for name, content in others.items():
        (tmp_path / name).write_bytes(content)
    for path, error in [(notes, "not a valid skcosine checkpoint"), (None, None)]:
        path = path or tmp_path / "new.ckpt"
        model = CosineSGDRegressor(checkpoint_path=str(path), **SMALL)
        loaded = pickle.loads(pickle.dumps(model))
        assert loaded.get_params() == model.get_params()
        assert clone(loaded).checkpoint_path == str(path)
        (tmp_path / "new.ckpt.values").write_bytes(b"not skcosine's")
        with pytest.raises(ValueError, match=error or "values was not written by"):
            loaded.fit(X, y)
        (tmp_path / "new.ckpt.values").unlink()
    assert notes.read_bytes() == b"my notes"
    for name, content in others.items():
        assert (tmp_path / name).read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == sorted([*others, "notes.txt"])


@pytest.mark.parametrize(
    "kind",
    [
        "fifo",
        "device",
        "values directory",
        "lock directory",
        "empty",
        "missing directory",
        "file as directory",
        "directory",
    ],
)
def test_unusable_checkpoint_paths_are_refused_before_training(
    tmp_path, no_training, kind
):
    """Item 7: a FIFO (blocked forever), /dev/zero (read forever), a
    directory at a companion name, '' (an OSError after training), a missing
    or unwritable directory, a directory as the path: each a ValueError naming
    checkpoint_path, at once (checked when fit starts, not at the first save)."""
    X, y = small_data()
    path = tmp_path / "fit.ckpt"
    expected = {
        "fifo": "is a FIFO, not a regular file",
        "device": "is a character device, not a regular file",
        "values directory": r"fit\.ckpt\.values is a directory",
        "lock directory": r"fit\.ckpt\.lock is a directory",
        "empty": "checkpoint_path='' is empty",
        "missing directory": "does not exist",
        "file as directory": "cannot be written",
        "directory": "is a directory",
    }[kind]
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = "/dev/zero"
    elif kind == "empty":
        path = ""
    elif kind == "missing directory":
        path = tmp_path / "missing" / "fit.ckpt"
    elif kind == "file as directory":
        (tmp_path / "a-file").write_text("x")
        path = tmp_path / "a-file" / "fit.ckpt"
    elif kind == "directory":
        path = tmp_path
    else:
        (tmp_path / f"fit.ckpt.{kind.split()[0]}").mkdir()
    model = CosineSGDRegressor(checkpoint_path=path, max_iter=10**6, checkpoint_every=1)
    outcome = finishes(lambda: model.fit(X, y))
    assert isinstance(outcome, ValueError), outcome
    assert re.search(expected, str(outcome)) and "checkpoint_path=" in str(outcome)
    assert kind == "empty" or str(path) in str(outcome)


# --- an interrupt stays an interrupt, and costs no checkpoint ----------------


def _in_finalizer(frame):
    """Whether ``frame`` runs inside a ``__del__`` (with numpy 1.26, zipfile's
    finalizer closes an archive in the middle of a save)."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


class InterruptAt:
    """A trace function raising KeyboardInterrupt at its ``at``-th event
    (call, line, return or exception) while armed: an interrupt landing
    between any two lines of Python code, skcosine's, numpy's or zipfile's."""

    def __init__(self, at):
        self.at, self.events, self.raised = at, 0, False

    def __call__(self, frame, event, arg):
        if frame.f_code.co_name == "__del__":
            # CPython drops any exception raised in a finalizer (here those of
            # zip objects an earlier interrupt left to the garbage collector)
            return None
        self.events += 1
        if 0 < self.at <= self.events and not self.raised:
            if _in_finalizer(frame):  # as above, for what a finalizer calls:
                return self  # the interrupt lands at the next event outside
            self.raised = True
            raise KeyboardInterrupt
        return self

    @contextmanager
    def armed(self):
        previous = sys.gettrace()
        sys.settrace(self)
        try:
            yield
        finally:
            sys.settrace(previous)


def recorded_saves(X, y, params):
    """The fingerprint, number of models and arguments of every save of a fit
    (copied), to replay saves at the level of the checkpoint files."""
    original = _checkpoint.Checkpoint.save
    saves, fit = [], {}

    def save(self, state, epochs, values, rule):
        fit.update(fingerprint=self.fingerprint, n_models=self.n_models)
        if rule is not None:
            rule = copy.deepcopy(rule)
        saves.append((copy_state(state), epochs, list(values), rule))
        return original(self, state, epochs, values, rule)

    _checkpoint.Checkpoint.save = save
    try:
        CosineSGDRegressor(**params).fit(X, y)
    finally:
        _checkpoint.Checkpoint.save = original
    return fit["fingerprint"], fit["n_models"], saves


# zipfile's finalizer complains of the archive an interrupt left open
UNCLOSED_ZIP = "ignore::pytest.PytestUnraisableExceptionWarning"


@pytest.mark.slow
@pytest.mark.filterwarnings(UNCLOSED_ZIP)
def test_an_interrupt_anywhere_in_a_save_keeps_the_last_checkpoint(tmp_path, no_fsync):
    """Item 8: interrupts at 2,000 points spread over every event of a save:
    always a KeyboardInterrupt (zipfile made it a ValueError), and the files
    always hold the previous checkpoint or the new one, complete."""
    X, y = small_data()
    params = dict(SMALL, checkpoint_path=tmp_path / "record.ckpt", checkpoint_every=1)
    key, n_models, saves = recorded_saves(X, y, params)
    (first, second) = saves[2], saves[3]
    limits = dict(max_bytes=10**7, max_epochs=8, n_iter_no_change=99)

    def trial(directory, at):
        path = directory / "fit.ckpt"
        trap = InterruptAt(at)
        with _checkpoint.Checkpoint(path, 1, key, n_models) as checkpoint:
            assert checkpoint.load(first[0], **limits) is None
            checkpoint.save(*first)
            try:
                with trap.armed():
                    checkpoint.save(*second)
            except KeyboardInterrupt:
                interrupted = True
            else:
                interrupted = False
        with _checkpoint.Checkpoint(path, 1, key, n_models) as checkpoint:
            saved = checkpoint.load(first[0], **limits)
        return interrupted, trap.events, saved, sorted(os.listdir(directory))

    _, n_events, _, _ = trial(tmp_path, at=0)
    assert n_events > 1000
    points = np.random.RandomState(0).randint(1, n_events + 1, size=2000)
    for index, at in enumerate(points):
        directory = tmp_path / str(index)
        directory.mkdir()
        interrupted, _, saved, files = trial(directory, int(at))
        assert interrupted, f"an interrupt at event {at} was lost"
        assert files == ["fit.ckpt", "fit.ckpt.values"], (at, files)
        state, epochs, values, _ = first if saved.epochs == first[1] else second
        assert saved.epochs == epochs, at
        for name, array in state.items():
            assert_array_equal(saved.state[name], array, err_msg=f"{at} {name}")
        assert_array_equal(saved.values, np.array(values))


@pytest.mark.slow
@pytest.mark.filterwarnings(UNCLOSED_ZIP)
def test_an_interrupted_save_resumes_bit_for_bit(tmp_path, no_fsync, monkeypatch):
    """Item 8: a fit interrupted at a random point of any of its saves raises
    KeyboardInterrupt, keeps the last checkpoint, and the next fit resumes to
    the model of an uninterrupted fit, bit for bit (300 random points)."""
    X, y = small_data()
    straight = CosineSGDRegressor(**SMALL).fit(X, y)
    original = _checkpoint.Checkpoint.save
    trap, done = InterruptAt(0), []

    def save(self, state, epochs, values, rule):
        with trap.armed():
            original(self, state, epochs, values, rule)
        if epochs % self.every == 0:
            done.append(epochs)

    monkeypatch.setattr(_checkpoint.Checkpoint, "save", save)
    CosineSGDRegressor(checkpoint_path=tmp_path / "count.ckpt", **SMALL).fit(X, y)
    n_events = trap.events
    for index, at in enumerate(np.random.RandomState(1).randint(1, n_events, 300)):
        path = tmp_path / f"{index}.ckpt"
        trap, done = InterruptAt(int(at)), []
        model = CosineSGDRegressor(checkpoint_path=path, **SMALL)
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
        if done:
            assert read_archive(path)[0]["epochs"] >= done[-1], at
        trap = InterruptAt(0)
        resumed = model.fit(X, y)
        for name in ("coef_", "intercept_", "learning_rates_", "loss_curve_"):
            assert_array_equal(getattr(resumed, name), getattr(straight, name))
        assert resumed.n_iter_ == straight.n_iter_
    assert sorted(os.listdir(tmp_path)) == []


def test_only_a_divergence_deletes_the_checkpoint(tmp_path, monkeypatch):
    """Item 8: a ValueError that does not mean the fit can never succeed
    (here one raised by code between epochs) keeps the progress saved."""
    X, y = small_data()
    path = tmp_path / "fit.ckpt"
    original = _checkpoint.CheckpointHook.after_pass

    def after_pass(hook, report):
        original(hook, report)
        if report.epoch >= 4:
            raise ValueError("a callback failed")
        return False

    monkeypatch.setattr(_checkpoint.CheckpointHook, "after_pass", after_pass)
    with pytest.raises(ValueError, match="a callback failed"):
        CosineSGDRegressor(checkpoint_path=path, **SMALL).fit(X, y)
    assert read_archive(path)[0]["epochs"] == 4
    monkeypatch.undo()
    resumed = CosineSGDRegressor(checkpoint_path=path, **SMALL).fit(X, y)
    assert_array_equal(resumed.coef_, CosineSGDRegressor(**SMALL).fit(X, y).coef_)


def test_a_diverged_fit_leaves_no_checkpoint_to_refuse_the_next(tmp_path):
    """Lowering eta0 as the message advises just works. The warmup
    raises the rate past the stable step only after checkpoints were saved."""
    rng = np.random.RandomState(0)
    X, y = np.ones((50, 1)), rng.randn(50)
    path = tmp_path / "fit.ckpt"
    params = dict(max_iter=200, warmup_epochs=100, checkpoint_path=path)
    with pytest.raises(ValueError, match="diverged at epoch [1-9]"):
        CosineSGDRegressor(eta0=10.0, checkpoint_every=1, **params).fit(X, y)
    assert not path.exists()
    CosineSGDRegressor(eta0=0.5, checkpoint_every=1, **params).fit(X, y)
    assert not path.exists()


def test_a_fit_interrupted_after_every_model_stopped_resumes_stopped(tmp_path):
    """Item 9: a checkpoint saved at the epoch the stopping rule ended the fit
    resumes to that fit (it used to train on to max_iter)."""
    X, y = small_data()
    params = dict(max_iter=30, checkpoint_every=1, tol=1e3, n_iter_no_change=2)
    straight = CosineSGDRegressor(random_state=0, **params).fit(X, y)
    assert straight.n_iter_ == 3
    model = CosineSGDRegressor(checkpoint_path=tmp_path / "f", random_state=0, **params)
    interrupt(model, X, y, after=3)
    resumed = model.fit(X, y)
    assert resumed.n_iter_ == 3
    assert_array_equal(resumed.learning_rates_, straight.learning_rates_)
    assert_array_equal(resumed.loss_curve_, straight.loss_curve_)


# --- what is read back is checked ---------------------------------------------


def read_archive(path):
    """``(header, arrays)`` of a checkpoint file."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return json.loads(arrays.pop("header").tobytes()), arrays


def write_archive(path, header, arrays, sign):
    """Write a checkpoint file; ``sign`` recomputes its digest, as an editor
    who knows the format would."""
    if sign:
        header = dict(header, digest=_checkpoint._digest(header, arrays))
    text = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as stream:
        np.savez(stream, header=text, **arrays)


TAMPER_PARAMS = dict(SMALL, checkpoint_every=1)


@functools.cache
def interrupted_files():
    """The checkpoint and values files of a fit interrupted after 4 epochs,
    and the model of the uninterrupted fit."""
    X, y = small_data()
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "fit.ckpt"
        interrupt(
            CosineSGDRegressor(checkpoint_path=path, **TAMPER_PARAMS), X, y, after=4
        )
        files = (path.read_bytes(), (path.parent / "fit.ckpt.values").read_bytes())
    return files, CosineSGDRegressor(**TAMPER_PARAMS).fit(X, y)


def resume_from(directory, state, values):
    """Write the files, then fit: the error, or whether the model is the
    uninterrupted one."""
    X, y = small_data()
    path = directory / "fit.ckpt"
    path.write_bytes(state)
    (directory / "fit.ckpt.values").write_bytes(values)
    model = CosineSGDRegressor(checkpoint_path=path, **TAMPER_PARAMS)
    model.set_params(checkpoint_every=10**6)  # ignored by the fingerprint
    try:
        model.fit(X, y)
    except ValueError as exc:
        assert str(path) in str(exc), exc
        return exc
    straight = interrupted_files()[1]
    return all(
        np.array_equal(getattr(model, name), getattr(straight, name))
        for name in ("coef_", "intercept_", "learning_rates_", "loss_curve_")
    ) and (model.n_iter_ == straight.n_iter_)


@settings(max_examples=300, deadline=None)
@given(
    which=st.sampled_from(["state", "values"]),
    position=st.integers(0, 2**32),
    bit=st.integers(0, 7),
)
def test_a_flipped_bit_is_refused_or_harmless(which, position, bit):
    """Item 9: every single-bit change of a real checkpoint (state or values
    file) is a ValueError naming the file or resumes to the uninterrupted
    model; never another model, never another exception."""
    files, _ = interrupted_files()
    files = dict(zip(["state", "values"], files))
    data = bytearray(files[which])
    data[position % len(data)] ^= 1 << bit
    files[which] = bytes(data)
    with tempfile.TemporaryDirectory() as directory:
        outcome = resume_from(pathlib.Path(directory), **files)
    assert outcome is True or isinstance(outcome, ValueError)


def edit(header, arrays, change):
    header, arrays = copy.deepcopy(header), dict(arrays)
    if change == "epochs":
        header["epochs"] = header["state"]["epochs"] = 6.0
        header["epochs"], header["n_values"] = 6, 6
    elif change == "epochs beyond max_iter":
        header["epochs"] = header["n_values"] = 10**30
        header["state"]["epochs"] = 1e30
    elif change == "state epochs":
        header["state"]["epochs"] = 2.0
    elif change == "n_values":
        header["n_values"] = 2
    elif change == "rule count":
        arrays["rule.count"] = np.array([100])
    elif change == "rule best":
        arrays["rule.best"] = np.array([np.inf])
    elif change == "lr_initial":
        header["state"]["lr_initial"] *= 2
    elif change == "reference_loss":
        arrays["state.reference_loss"] = arrays["state.reference_loss"] * 2
    elif change == "missing average":
        del arrays["state.average_coef"]
    elif change == "extra array":
        arrays["state.l1_q"] = np.zeros_like(arrays["state.coef"])
    elif change == "coef":
        arrays["state.coef"] = arrays["state.coef"] + 1e-12
    return header, arrays


CHANGES = [
    "epochs",
    "epochs beyond max_iter",
    "state epochs",
    "n_values",
    "rule count",
    "rule best",
    "lr_initial",
    "reference_loss",
    "missing average",
    "extra array",
    "coef",
]


@pytest.mark.parametrize("change", CHANGES)
def test_an_edited_checkpoint_is_refused(tmp_path, change):
    """Item 9: an edit rewritten as a valid archive is caught by the digest;
    re-signed, by the cross-checks (but for plausible arrays, which only the
    digest can catch)."""
    (state, values), _ = interrupted_files()
    path = tmp_path / "fit.ckpt"
    path.write_bytes(state)
    header, arrays = edit(*read_archive(path), change)
    for sign in (False, True):
        write_archive(path, header, arrays, sign)
        outcome = resume_from(tmp_path, path.read_bytes(), values)
        assert isinstance(outcome, ValueError) or (sign and change == "coef"), change
        if not sign:
            assert "was modified after it was written" in str(outcome)


def test_a_checkpoint_whose_arrays_do_not_fit_is_refused(tmp_path, diabetes):
    """A well-formed, re-signed file with arrays of another shape is refused."""
    X, y = diabetes
    path = tmp_path / "fit.ckpt"
    params = dict(checkpoint_path=path, max_iter=6, checkpoint_every=2, random_state=0)
    interrupt(CosineSGDRegressor(**params), X, y, after=3)
    header, arrays = read_archive(path)
    arrays["state.coef"] = np.zeros((3, 1))  # 10 features in the data
    write_archive(path, header, arrays, sign=True)
    with pytest.raises(ValueError, match=r"fit\.ckpt.* does not match this fit"):
        CosineSGDRegressor(**params).fit(X, y)


def test_the_values_belong_to_their_checkpoint(tmp_path):
    """Item 9: values of another fit, edited values, or values saved after
    the checkpoint (dropped, as an interrupted save leaves them)."""
    (state, values), _ = interrupted_files()
    header = _checkpoint.VALUES_MAGIC
    other = header + b"f" * 32 + values[len(header) + 32 :]
    edited = values[:-8] + np.float64(1.5).tobytes()
    for content, message in [
        (other, "holds the values of another fit"),
        (edited, "was modified after it was written"),
        (values[:-1], "truncated"),
        (values[:-3], "truncated"),
        (b"raw floats" + values, "not written by skcosine"),
    ]:
        outcome = resume_from(tmp_path, state, content)
        assert message in str(outcome), (message, outcome)
    assert resume_from(tmp_path, state, values + b"\0" * 20) is True


# --- a save costs the same at every epoch --------------------------------------


def test_saving_costs_the_same_at_every_epoch(tmp_path, diabetes, no_fsync):
    """The state file does not grow with the epochs; the monitored
    values are appended, 8 bytes per epoch. (Without fsync: the sizes do not
    depend on it, and a thousand of them took most of this test's 5-20 s.)"""
    X, y = diabetes
    sizes = {}
    for epochs in (10, 1000):
        path = tmp_path / f"fit{epochs}.ckpt"
        model = CosineSGDRegressor(
            checkpoint_path=path,
            checkpoint_every=1,
            max_iter=epochs + 5,
            tol=0.0,
            n_iter_no_change=10**6,
            random_state=0,
        )
        interrupt(model, X[:50], y[:50], epochs)
        sizes[epochs] = (
            path.stat().st_size,
            (tmp_path / f"{path.name}.values").stat().st_size,
        )
    assert abs(sizes[10][0] - sizes[1000][0]) < 16  # digits of the counts
    assert sizes[1000][1] - sizes[10][1] == 8 * 990


class CountingList(list):
    """A list counting the items read from it."""

    read = 0

    def __iter__(self):
        CountingList.read += len(self)
        return super().__iter__()

    def __getitem__(self, index):
        items = super().__getitem__(index)
        CountingList.read += len(items) if isinstance(index, slice) else 1
        return items


def test_a_save_reads_only_the_epochs_since_the_last_one(tmp_path, no_fsync):
    """Item 10: with the monitored values in a counting list, every save
    reads at most checkpoint_every of them, at epoch 10 as at epoch 300
    (reading them all made a long fit quadratic)."""
    X, y = small_data()
    original_init = _training.Monitor.__init__
    original_save = _checkpoint.Checkpoint.save
    reads = []

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.values = CountingList()

    def save(self, state, epochs, values, rule):
        before = CountingList.read
        original_save(self, state, epochs, values, rule)
        reads.append(CountingList.read - before)

    _training.Monitor.__init__, _checkpoint.Checkpoint.save = init, save
    try:
        model = CosineSGDRegressor(
            checkpoint_path=tmp_path / "fit.ckpt",
            max_iter=300,
            checkpoint_every=3,
            tol=0.0,
            n_iter_no_change=10**6,
            random_state=0,
        ).fit(X, y)
    finally:
        _training.Monitor.__init__ = original_init
        _checkpoint.Checkpoint.save = original_save
    assert model.n_iter_ == 300 and len(reads) == 300
    assert max(reads) <= 3, reads
