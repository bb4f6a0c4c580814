"""Checkpoints that let an interrupted ``fit`` resume, bit for bit, in files
that cannot run code.

With ``checkpoint_path`` set, ``fit`` keeps three files next to each other:

* ``<path>``: the training state every ``checkpoint_every`` epochs, an
  uncompressed ``.npz`` archive of numeric arrays, read back with
  ``allow_pickle=False`` (so loading it can never execute code), plus a JSON
  header: format, fingerprint of the fit, epochs done, the stopping rule;
* ``<path>.values``: the monitored value of every epoch, appended at each save
  (8 bytes per model and epoch), so that a save costs the same at epoch 10 and
  at epoch 100,000;
* ``<path>.lock``: locked for the whole fit, so that a second fit using the
  same path at the same time is refused before it trains.

A ``fit`` that finds the checkpoint of the same fit (same class, parameters
other than ``checkpoint_path``, ``checkpoint_every``, ``verbose`` and
``n_jobs``, and data) continues from it, with a result identical to an
uninterrupted fit. Anything else at ``<path>`` raises a ``ValueError`` naming
the file. A fit that completes, or fails with an error (divergence, for
example), deletes its files; an interrupted or killed fit keeps them, like
Keras' ``BackupAndRestore``.
"""

import io
import json
import os
import zipfile

import joblib
import numpy as np

from ._training import Hook

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt

__all__ = ["Checkpoint", "CheckpointHook", "Saved", "fingerprint", "size_bound"]

FORMAT = 2
_IGNORED = ("checkpoint_path", "checkpoint_every", "verbose", "n_jobs")
_STATE_SCALARS = ("epochs", "lr_initial")
_HEADER = {
    "format": int,
    "fingerprint": str,
    "epochs": int,
    "n_values": int,
    "state": dict,
    "rule": (dict, type(None)),
}

_VALUES_PER_MODEL = 16  # more than a model's values besides its coefficients
_SLACK = 16  # more than the copies of the coefficients (averages, L1 state)
_HEADER_BYTES = 2**20


def size_bound(n_features, n_models):
    """An upper bound of the size in bytes of a checkpoint of ``n_models``
    models on ``n_features`` features, far above a real one: a larger file (or
    one declaring a larger unpacked size) was not written by such a fit."""
    values = (n_features + _VALUES_PER_MODEL) * n_models
    return _SLACK * values * np.dtype(np.float64).itemsize + _HEADER_BYTES


def fingerprint(estimator_name, params, data):
    """What identifies one fit: class, parameters and data.

    A ``RandomState`` instance counts as such, not by its current state (which
    the interrupted fit advanced): resuming continues with the generator saved
    in the checkpoint.
    """
    kept = {k: v for k, v in params.items() if k not in _IGNORED}
    if isinstance(kept.get("random_state"), np.random.RandomState):
        kept["random_state"] = "RandomState instance"
    return joblib.hash((estimator_name, kept, data))


class Saved:
    """A checkpoint read back: ``state`` (dict), ``epochs`` (int),
    ``values`` (ndarray of shape (n_epochs, n_models) or None) and ``rule``
    (dict of the stopping rule's arrays, or None)."""

    def __init__(self, state, epochs, values, rule):
        self.state, self.epochs, self.values, self.rule = state, epochs, values, rule


class Checkpoint:
    """The checkpoint files of one ``fit``; a context manager holding the lock.

    Parameters
    ----------
    path : str or path-like
        ``checkpoint_path``.
    every : int
        ``checkpoint_every``.
    fingerprint : str
        :func:`fingerprint` of the fit.
    n_models : int
        Number of models, for the monitored values.
    """

    def __init__(self, path, every, fingerprint, n_models):
        self.path = os.fspath(path)
        self.every, self.fingerprint, self.n_models = every, fingerprint, n_models
        self.values_path = self.path + ".values"
        self.lock_path = self.path + ".lock"
        self.temporary = self.path + ".tmp"
        self._lock = None
        self._saved_values = 0

    # --- the lock, which also proves the directory writable ------------------

    def __enter__(self):
        if os.path.isdir(self.path):
            raise self._error("is a directory; give the path of a file")
        for _ in range(3):
            handle = self._open_lock()
            if self._try_lock(handle):
                self._lock = handle
                if os.path.exists(self.temporary):  # left by a killed fit
                    os.unlink(self.temporary)
                return self
        raise self._error("could not be locked; retry")

    def __exit__(self, *exc_info):
        if self._lock is not None:
            if os.path.exists(self.lock_path):
                os.unlink(self.lock_path)
            os.close(self._lock)
            self._lock = None
        return False

    def _open_lock(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError as exc:
            raise self._error(
                f"is in a directory that does not exist ({directory})"
            ) from exc
        except OSError as exc:
            raise self._error(
                f"cannot be written in {directory}: {exc.strerror}"
            ) from exc

    def _try_lock(self, handle):
        """Lock ``handle``; ``False`` when it no longer is the lock file."""
        try:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            os.close(handle)
            raise self._error(
                "is in use by another fit running now; give every concurrent fit "
                "(for example each candidate of a parallel search) its own "
                "checkpoint_path, or none"
            ) from exc
        try:
            same = os.fstat(handle).st_ino == os.stat(self.lock_path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the previous holder removed it as we opened it
            os.close(handle)
        return same

    # --- reading ------------------------------------------------------------

    def load(self, check_state, max_bytes):
        """The saved progress of this fit, or ``None`` if there is none.

        Parameters
        ----------
        check_state : callable
            Raises ``ValueError`` unless a state fits this fit's data.
        max_bytes : int
            Size above which the file cannot be a checkpoint of this fit.

        Raises
        ------
        ValueError
            If the file is not a valid checkpoint, or one of another fit.
        """
        if not os.path.exists(self.path):
            self._remove(self.values_path)
            return None
        arrays, header = self._read(max_bytes)
        if header["fingerprint"] != self.fingerprint:
            raise self._error(
                "holds a checkpoint of another fit (different estimator, "
                "parameters or data); delete it or choose another checkpoint_path"
            )
        state = {
            k.removeprefix("state."): v
            for k, v in arrays.items()
            if k.startswith("state.")
        }
        state.update(header["state"])
        try:
            check_state(state)
        except ValueError as exc:
            raise self._error(f"does not match this fit: {exc}") from exc
        rule = header["rule"]
        if rule is not None:
            rule = {key: arrays.get(f"rule.{key}") for key in ("best", "count")}
            self._check_rule(rule)
        values = self._read_values(header["n_values"])
        return Saved(state, header["epochs"], values, rule)

    def _check_rule(self, rule):
        """The stopping rule's arrays: ``best`` (float64) and ``count`` (int64,
        non-negative), one entry per model."""
        shape = (self.n_models,)
        for key, dtype in (("best", np.float64), ("count", np.int64)):
            value = rule[key]
            if (
                type(value) is not np.ndarray
                or value.shape != shape
                or value.dtype != dtype
            ):
                raise self._error("holds a stopping rule that does not match this fit")
        if np.any(rule["count"] < 0) or np.any(np.isnan(rule["best"])):
            raise self._error("holds a stopping rule that does not match this fit")

    def _read(self, max_bytes):
        try:
            size = os.path.getsize(self.path)
            if size > max_bytes:
                raise ValueError(f"it has {size} bytes, more than {max_bytes}")
            with zipfile.ZipFile(self.path) as archive:
                declared = sum(info.file_size for info in archive.infolist())
            if declared > max_bytes:
                raise ValueError(f"it unpacks to {declared} bytes")
            with np.load(self.path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
            _check_header(header)
        except Exception as exc:  # any failure to parse is the file's fault
            raise self._error(
                f"is not a valid skcosine checkpoint ({type(exc).__name__}: {exc}); "
                "delete it to start the fit from scratch"
            ) from exc
        return arrays, header

    def _read_values(self, n_values):
        if n_values == 0:
            self._remove(self.values_path)
            return None
        count = n_values * self.n_models
        try:
            values = np.fromfile(self.values_path, dtype="<f8", count=count)
        except OSError as exc:
            raise self._error(f"lacks its monitored values: {exc}") from exc
        if values.size != count:
            raise self._error(
                f"lacks its monitored values: {self.values_path} is truncated; "
                "delete both files to start the fit from scratch"
            )
        os.truncate(self.values_path, count * 8)  # drop values saved later
        self._saved_values = n_values
        return values.reshape(n_values, self.n_models)

    # --- writing ------------------------------------------------------------

    def save(self, state, epochs, values, rule):
        """Write the progress after ``epochs`` epochs, if it is time to.

        ``values`` is the list of the monitored values of every epoch so far
        (arrays of shape (n_models,), or ``None`` when not monitored); only
        those not yet saved are appended. The state file is replaced
        atomically: an interruption while saving leaves the previous
        checkpoint intact.
        """
        if epochs % self.every:
            return
        monitored = [v for v in values if v is not None]
        new = monitored[self._saved_values :]
        if new:
            with open(self.values_path, "ab") as stream:
                stream.write(np.asarray(new, dtype="<f8").tobytes())
            self._saved_values = len(monitored)
        arrays = {
            f"state.{key}": value
            for key, value in state.items()
            if isinstance(value, np.ndarray)
        }
        header = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "epochs": int(epochs),
            "n_values": self._saved_values,
            "state": {key: _number(state.get(key)) for key in _STATE_SCALARS},
            "rule": None if rule is None else {},
        }
        if rule is not None:
            arrays["rule.best"], arrays["rule.count"] = rule.best, rule.count
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        try:
            with open(self.temporary, "wb") as stream:
                stream.write(buffer.getbuffer())
            os.replace(self.temporary, self.path)
        except BaseException:
            self._remove(self.temporary)
            raise

    def discard(self):
        """Delete the checkpoint (the fit completed, or failed for good)."""
        for path in (self.path, self.values_path, self.temporary):
            self._remove(path)

    @staticmethod
    def _remove(path):
        if os.path.exists(path):
            os.unlink(path)

    def _error(self, what):
        return ValueError(f"checkpoint_path={self.path!r} {what}.")


def _number(value):
    return None if value is None else float(value)


def _check_header(header):
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("unknown format")
    for key, kinds in _HEADER.items():
        if not isinstance(header.get(key), kinds) or isinstance(header.get(key), bool):
            raise ValueError(f"bad header field {key!r}")
    if header["epochs"] < 0 or header["n_values"] < 0:
        raise ValueError("negative counts")
    for key in _STATE_SCALARS:
        value = header["state"].get(key)
        if value is not None and not isinstance(value, float):
            raise ValueError(f"bad state field {key!r}")


class CheckpointHook(Hook):
    """Saves the checkpoint after every ``checkpoint_every`` epochs.

    Parameters
    ----------
    checkpoint : Checkpoint
        The files.
    monitor : Monitor
        Source of the monitored values and the stopping rule.
    """

    def __init__(self, checkpoint, monitor):
        self.checkpoint, self.monitor = checkpoint, monitor

    def after_pass(self, report):
        state = report.trainer.state
        epochs = int(state["epochs"])
        self.checkpoint.save(state, epochs, self.monitor.values, self.monitor.rule)
        return False
