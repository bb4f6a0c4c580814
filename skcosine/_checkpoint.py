"""Checkpoints that let an interrupted ``fit`` resume, bit for bit, in files
that cannot run code, without touching any file the fit did not write.

With ``checkpoint_path`` set, ``fit`` writes these files, and no other:

* ``<path>``: the training state every ``checkpoint_every`` epochs, an
  uncompressed ``.npz`` archive of numeric arrays whose first member is a JSON
  header: format, fingerprint of the fit, epochs done, number of monitored
  values, the stopping rule, and a SHA-256 digest of the header, the arrays
  and the monitored values. Each save writes a new file created exclusively
  (``O_EXCL``, never through a link) under a random name in the same directory
  (``<path>.<8 random characters>.tmp``), syncs it, and renames it over
  ``<path>``: an interruption or a crash leaves the previous checkpoint
  intact, and a link planted at any of these names is never followed.
* ``<path>.values``: a header (``VALUES_MAGIC`` and the fingerprint of the
  fit), then the monitored value of every epoch, 8 bytes per model and epoch,
  appended at each save through the descriptor opened when the fit started,
  so that a save costs the same at epoch 10 and at epoch 100,000. The state's
  header holds the number of values and a digest chained over them.
* ``<path>.lock``: created exclusively and marked with ``LOCK_MARKER``, locked
  for the whole fit, so that a second fit using the same path at the same time
  is refused before it trains.

What is read: regular files only, opened without following a link and without
blocking (a FIFO, a device, a directory or a link at any of these names is a
``ValueError`` naming ``checkpoint_path`` before training); never more than the
size bound of the fit. Every number read back is cross-checked against the fit
(epochs within ``max_iter``, values and stopping-rule counts consistent with
the epochs, the arrays and starting rate of this fit) and the digest detects any
other change.

What is removed or rewritten: only files recognised as this package's -- the
state file this fit wrote or resumed from (same inode), a ``.values`` file
that starts with ``VALUES_MAGIC`` and is a regular file owned by the user, a
lock file this fit created or that holds ``LOCK_MARKER``, and temporaries of
this same fit (by name, owner and content) left by a fit killed while saving.
Anything else at these names is left as it is.

A ``fit`` that finds the checkpoint of the same fit (same class, parameters
other than ``checkpoint_path``, ``checkpoint_every``, ``verbose`` and
``n_jobs``, and data) continues from it, with a result identical to an
uninterrupted fit. Anything else at ``<path>`` raises a ``ValueError`` naming
the file. A fit that completes, or diverges, deletes its files; an interrupted
or killed fit, or one failing for another reason, keeps them, like Keras'
``BackupAndRestore``.
"""

import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from contextlib import contextmanager

import joblib
import numpy as np

from ._training import Hook, check_state

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt

__all__ = ["Checkpoint", "CheckpointHook", "Saved", "fingerprint", "size_bound"]

FORMAT = 3
VALUES_MAGIC = b"skcosine values\n"
"""First bytes of a ``.values`` file; the fingerprint of its fit follows."""
LOCK_MARKER = b"skcosine checkpoint lock\n"
"""Content of a lock file skcosine created."""
_FINGERPRINT_BYTES = 32  # joblib.hash: an MD5 hex digest
_VALUES_HEADER = len(VALUES_MAGIC) + _FINGERPRINT_BYTES
_TEMPORARY = r"\.[a-z0-9_]{8}\.tmp"  # tempfile.mkstemp's random names
_PROBE = 1024  # bytes of a temporary read to recognise it (header comes first)
_NO_LINK_NO_WAIT = (
    getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)
_STATE_SCALARS = ("epochs", "lr_initial")
_HEADER = {
    "format": int,
    "fingerprint": str,
    "epochs": int,
    "n_values": int,
    "values_digest": str,
    "state": dict,
    "rule": (dict, type(None)),
    "digest": str,
}

_MALFORMED = (
    ArithmeticError,
    EOFError,
    LookupError,
    MemoryError,
    RuntimeError,  # zipfile: encrypted or unsupported members; RecursionError
    SyntaxError,  # numpy's parsing of a member's header
    TypeError,
    ValueError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
)
"""What parsing malformed bytes raises; anything else (a SystemError of the
interpreter, say) is not the file's fault and propagates as it is."""

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


_IGNORED = ("checkpoint_path", "checkpoint_every", "verbose", "n_jobs")


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
        self.path = os.fsdecode(os.fspath(path))
        self.every, self.fingerprint, self.n_models = every, fingerprint, n_models
        self.values_path = self.path + ".values"
        self.lock_path = self.path + ".lock"
        self.directory = None
        self._lock = None
        self._lock_ours = False  # whether to remove the lock file at the end
        self._values = None  # descriptor of the values file, open for the fit
        self._rows = 0  # epochs whose values the values file holds
        self._chain = None  # digest chained over the values file's rows
        self._epochs = 0  # epochs of the last checkpoint saved or resumed
        self._state = None  # _identity of the state file saved or resumed

    # --- the lock, which also proves the directory writable ------------------

    def __enter__(self):
        if not self.path:
            raise ValueError(
                "checkpoint_path='' is empty: give the path of a file, or None."
            )
        if "\0" in self.path:
            raise self._error("contains a null character")
        self.directory = os.path.dirname(os.path.abspath(self.path))
        for name in (self.path, self.values_path, self.lock_path):
            self._refuse_special(name)
        for _ in range(3):
            handle, created = self._open_lock()
            if handle is not None and self._try_lock(handle):
                self._lock = handle
                try:
                    if created:
                        _write_at(handle, 0, LOCK_MARKER)
                    self._lock_ours = created or _holds(handle, LOCK_MARKER)
                    self._remove_own_temporaries()
                except BaseException:
                    self.__exit__()
                    raise
                return self
        raise self._error("could not be locked; retry")

    def __exit__(self, *exc_info):
        """Close the files and remove the lock file if it is ours; never
        raises (an interrupt stays an interrupt)."""
        values, self._values = self._values, None
        if values is not None:
            _close_quietly(values)
        lock, self._lock = self._lock, None
        if lock is not None:
            if self._lock_ours:
                _unlink_if_same(self.lock_path, lock)
            _close_quietly(lock)
        return False

    def _open_lock(self):
        """``(descriptor, created)`` of the lock file, ``(None, False)`` when
        it vanished as it was opened."""
        flags = os.O_RDWR | _NO_LINK_NO_WAIT
        try:
            return os.open(self.lock_path, flags | os.O_CREAT | os.O_EXCL, 0o644), True
        except FileExistsError:
            pass
        except OSError as exc:
            raise self._unwritable(exc) from exc
        try:
            handle = os.open(self.lock_path, flags)
        except FileNotFoundError:
            return None, False
        except OSError as exc:
            self._refuse_special(self.lock_path)
            raise self._unwritable(exc) from exc
        self._refuse_unless_regular(handle, self.lock_path)
        return handle, False

    def _unwritable(self, exc):
        if isinstance(exc, FileNotFoundError):
            return self._error(
                f"is in a directory that does not exist ({self.directory})"
            )
        return self._error(f"cannot be written in {self.directory}: {exc.strerror}")

    def _try_lock(self, handle):
        """Lock ``handle``; ``False`` when it no longer is the lock file."""
        try:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                os.lseek(handle, 0, os.SEEK_SET)
                msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            os.close(handle)
            raise self._error(
                "is in use by another fit running now; give every concurrent fit "
                "(for example each candidate of a parallel search) its own "
                "checkpoint_path, or none"
            ) from exc
        try:
            same = _identity(os.fstat(handle)) == _identity(os.lstat(self.lock_path))
        except FileNotFoundError:
            same = False
        if not same:  # the previous holder removed it as we opened it
            os.close(handle)
        return same

    def _remove_own_temporaries(self):
        """Remove the temporaries of this fit that a fit killed while saving
        left: names ``<path>.<random>.tmp``, regular files owned by the user,
        holding this fit's header, or empty (killed as it created one)."""
        base = os.path.basename(self.path)
        name = re.compile(re.escape(base) + _TEMPORARY)
        try:
            names = [n for n in os.listdir(self.directory) if name.fullmatch(n)]
        except OSError:
            return
        mine = _header_start(self.fingerprint)
        for leftover in names:
            path = os.path.join(self.directory, leftover)
            try:
                handle = os.open(path, os.O_RDONLY | _NO_LINK_NO_WAIT)
            except OSError:
                continue
            try:
                status = os.fstat(handle)
                start = _read_at_most(handle, _PROBE)
                ours = _owned(status) and (mine in start or status.st_size == 0)
                if ours:
                    _unlink_if_same(path, handle)
            except OSError:
                pass
            finally:
                _close_quietly(handle)

    # --- reading ------------------------------------------------------------

    def load(self, start, max_bytes, max_epochs, n_iter_no_change):
        """The saved progress of this fit, or ``None`` if there is none.

        Parameters
        ----------
        start : dict
            The state this fit starts from without a checkpoint: the saved
            state must have its keys, shapes, dtypes, starting rate and
            reference losses.
        max_bytes : int
            Size above which the file cannot be a checkpoint of this fit.
        max_epochs : int
            ``max_iter``: no checkpoint of this fit has more epochs.
        n_iter_no_change : int or None
            The stopping rule's patience, or ``None`` when the fit has no
            stopping rule (``tol=None``).

        Raises
        ------
        ValueError
            If the file is not a valid checkpoint, or one of another fit, or
            does not match this fit.
        """
        handle = self._open_regular(self.path, os.O_RDONLY)
        if handle is None:
            self._start_values()
            return None
        try:
            identity = _identity(os.fstat(handle))
            data = _read_at_most(handle, max_bytes + 1)
        finally:
            os.close(handle)
        arrays, header = self._parse(data, max_bytes)
        if header["fingerprint"] != self.fingerprint:
            raise self._error(
                "holds a checkpoint of another fit (different estimator, "
                "parameters or data); delete it or choose another checkpoint_path"
            )
        if _digest(header, arrays) != header["digest"]:
            raise self._error(
                "was modified after it was written (its SHA-256 digest does not "
                "match its contents); delete it to start the fit from scratch"
            )
        state = {
            k.removeprefix("state."): v
            for k, v in arrays.items()
            if k.startswith("state.")
        }
        state.update(header["state"])
        rule = None
        if header["rule"] is not None:
            rule = {key: arrays.get(f"rule.{key}") for key in ("best", "count")}
        try:
            _check_position(header, state, rule, max_epochs, n_iter_no_change)
            self._check_rule(rule, n_iter_no_change, header["epochs"])
            _check_start(state, start)
        except ValueError as exc:
            raise self._error(f"does not match this fit: {exc}") from exc
        values = self._resume_values(header)
        self._state, self._epochs = identity, header["epochs"]
        return Saved(state, header["epochs"], values, rule)

    def _check_rule(self, rule, n_iter_no_change, epochs):
        """The stopping rule's arrays: ``best`` (float64, neither NaN nor
        ``+inf``) and ``count`` (int64, within ``[0, min(n_iter_no_change,
        epochs)]``), one entry per model."""
        if rule is None:
            return
        shape = (self.n_models,)
        for key, dtype in (("best", np.float64), ("count", np.int64)):
            value = rule[key]
            if (
                type(value) is not np.ndarray
                or value.shape != shape
                or value.dtype != dtype
            ):
                raise ValueError("its stopping rule has the wrong arrays")
        limit = min(n_iter_no_change, epochs)
        count, best = rule["count"], rule["best"]
        if np.any((count < 0) | (count > limit)) or np.any(
            np.isnan(best) | (best == np.inf)
        ):
            raise ValueError("its stopping rule holds values out of range")

    def _parse(self, data, max_bytes):
        try:
            with _interrupts_kept():
                if len(data) > max_bytes:
                    raise ValueError(f"it has more than {max_bytes} bytes")
                arrays = _read_npz(data, max_bytes)
                header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
                _check_header(header)
        except _MALFORMED as exc:
            raise self._error(
                f"is not a valid skcosine checkpoint ({type(exc).__name__}: {exc}); "
                "delete it to start the fit from scratch"
            ) from exc
        return arrays, header

    def _start_values(self):
        """Open the values file of a fit starting from epoch 0: a new file, or
        a values file of skcosine's with no checkpoint to go with, emptied."""
        flags = os.O_RDWR | _NO_LINK_NO_WAIT
        try:
            handle = os.open(self.values_path, flags | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            handle = self._open_own_values()
            if not _holds(handle, VALUES_MAGIC, exact=False):
                os.close(handle)
                raise self._foreign(self.values_path) from None
        except OSError as exc:
            raise self._unwritable(exc) from exc
        header = VALUES_MAGIC + self.fingerprint.encode("ascii")
        try:
            os.ftruncate(handle, 0)
            _write_at(handle, 0, header)
        except BaseException:
            os.close(handle)
            raise
        self._values, self._rows = handle, 0
        self._chain = hashlib.sha256(header).digest()

    def _open_own_values(self):
        handle = self._open_regular(self.values_path, os.O_RDWR)
        if handle is None:
            raise self._error(
                f"lacks its monitored values: {self.values_path} is missing; "
                "delete the checkpoint to start the fit from scratch"
            )
        if not _owned(os.fstat(handle)):
            os.close(handle)
            raise self._foreign(self.values_path)
        return handle

    def _resume_values(self, header):
        """The monitored values the checkpoint counts, checked against its
        digest; later ones (saved after it) are dropped."""
        n_values = header["n_values"]
        if n_values == 0:
            self._start_values()
            return None
        handle = self._open_own_values()
        try:
            start = _read_at_most(handle, _VALUES_HEADER)
            if start[: len(VALUES_MAGIC)] != VALUES_MAGIC:
                raise self._foreign(self.values_path)
            if start != VALUES_MAGIC + self.fingerprint.encode("ascii"):
                raise self._error(
                    f"goes with {self.values_path}, which holds the values of "
                    "another fit; delete both files to start the fit from scratch"
                )
            size = n_values * self.n_models * 8
            data = _read_at_most(handle, size)
            if len(data) != size:
                raise self._error(
                    f"lacks its monitored values: {self.values_path} is truncated; "
                    "delete both files to start the fit from scratch"
                )
            chain = _chain(hashlib.sha256(start).digest(), data, self.n_models * 8)
            if chain.hex() != header["values_digest"]:
                raise self._error(
                    f"goes with {self.values_path}, which was modified after it was "
                    "written; delete both files to start the fit from scratch"
                )
            os.ftruncate(handle, _VALUES_HEADER + size)  # drop values saved later
        except BaseException:
            os.close(handle)
            raise
        self._values, self._rows, self._chain = handle, n_values, chain
        values = np.frombuffer(bytearray(data), dtype="<f8")
        return values.astype(np.float64, copy=False).reshape(n_values, self.n_models)

    def _open_regular(self, path, flags):
        """A descriptor of the regular file at ``path`` (``None`` if there is
        none), opened without following a link or blocking."""
        try:
            handle = os.open(path, flags | _NO_LINK_NO_WAIT)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._refuse_special(path)
            raise self._error(f"cannot be opened: {exc.strerror}", path) from exc
        self._refuse_unless_regular(handle, path)
        return handle

    def _refuse_unless_regular(self, handle, path):
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            os.close(handle)
            raise self._special(path, mode)

    def _refuse_special(self, path):
        """Raise ``ValueError`` if anything but a regular file is at ``path``."""
        try:
            mode = os.lstat(path).st_mode
        except OSError:  # nothing there (or no directory): found when opening
            return
        if not stat.S_ISREG(mode):
            raise self._special(path, mode)

    def _special(self, path, mode):
        kind = _kind(mode)
        if path == self.path and stat.S_ISDIR(mode):
            return self._error("is a directory; give the path of a file")
        return self._error(
            f"is {kind}, not a regular file; checkpoints are regular files and "
            "links are never followed: remove it or choose another checkpoint_path",
            path,
        )

    def _foreign(self, path):
        return self._error(
            "was not written by skcosine (it is left as it is); delete it or "
            "choose another checkpoint_path",
            path,
        )

    # --- writing ------------------------------------------------------------

    def save(self, state, epochs, values, rule):
        """Write the progress after ``epochs`` epochs, if it is time to.

        ``values`` is the list of the monitored values of every epoch so far
        (arrays of shape (n_models,), or ``None`` when not monitored); only
        those of the epochs since the last save are read and appended. The
        state file is replaced atomically: an interruption while saving
        leaves the previous checkpoint intact, and stays an interruption.
        """
        if epochs % self.every:
            return
        with _interrupts_kept():
            self._append_values(values, epochs)
            self._replace(self._archive(state, epochs, rule))
        self._epochs = epochs

    def _append_values(self, values, epochs):
        """Append the values of the epochs since the last save: one row per
        epoch (``NaN`` where not monitored) once any epoch was monitored."""
        if self._rows:
            new = values[self._rows : epochs]
        else:
            new = values[self._epochs : epochs]
            if all(value is None for value in new):
                return
            if self._epochs:  # monitored since this save only (verbose resumed)
                new = values[:epochs]  # rows from epoch 0, NaN before
        rows = np.full((len(new), self.n_models), np.nan, dtype="<f8")
        for row, value in zip(rows, new):
            if value is not None:
                row[...] = value
        data = rows.tobytes()
        chain = _chain(self._chain, data, self.n_models * 8)
        row_bytes = self.n_models * 8
        _write_at(self._values, _VALUES_HEADER + self._rows * row_bytes, data)
        os.fsync(self._values)
        self._rows, self._chain = self._rows + len(new), chain

    def _archive(self, state, epochs, rule):
        """The bytes of the state file."""
        arrays = {
            f"state.{key}": value
            for key, value in state.items()
            if isinstance(value, np.ndarray)
        }
        if rule is not None:
            arrays["rule.best"], arrays["rule.count"] = rule.best, rule.count
        header = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "epochs": int(epochs),
            "n_values": self._rows,
            "values_digest": self._chain.hex(),
            "state": {key: _number(state.get(key)) for key in _STATE_SCALARS},
            "rule": None if rule is None else {},
        }
        header["digest"] = _digest(header, arrays)
        text = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, header=text, **arrays)  # the header first
        return buffer.getbuffer()

    def _replace(self, data):
        """Write ``data`` to a new temporary file, then rename it over the
        state file: exclusive creation, random name, no link followed."""
        handle, temporary = tempfile.mkstemp(
            prefix=os.path.basename(self.path) + ".", suffix=".tmp", dir=self.directory
        )
        created = None  # the temporary's inode, to remove it on failure
        try:
            created = _identity(os.fstat(handle))[:2]
            _write_at(handle, 0, data)
            os.fsync(handle)
            identity = _identity(os.fstat(handle))
            os.close(handle)
            handle = None
            try:
                found = _identity(os.lstat(self.path))
            except FileNotFoundError:
                found = self._state
            if found != self._state:
                raise self._error(
                    "was replaced during the fit by a file this fit did not "
                    "write; it is left as it is and the fit stops"
                )
            os.replace(temporary, self.path)
            self._state = identity
        except BaseException:
            if handle is not None:
                _close_quietly(handle)
            if created is not None:
                _unlink_if_same(temporary, created)
            raise
        _sync_directory(self.directory)

    def discard(self):
        """Delete the checkpoint files of this fit (it completed, or diverged);
        never raises, and removes nothing this fit did not write or read."""
        if self._state is not None:
            _unlink_if_same(self.path, self._state)
            self._state = None
        if self._values is not None:
            _unlink_if_same(self.values_path, self._values)

    def _error(self, what, path=None):
        where = "" if path in (None, self.path) else f": {path}"
        return ValueError(f"checkpoint_path={self.path!r}{where} {what}.")


def _check_position(header, state, rule, max_epochs, n_iter_no_change):
    """The counts of the header against each other and the fit's budget."""
    epochs = header["epochs"]
    if not 1 <= epochs <= max_epochs:
        raise ValueError(f"{epochs} epochs done, outside [1, max_iter={max_epochs}]")
    if state.get("epochs") != float(epochs):
        raise ValueError("its state's epochs differ from its header's")
    if header["n_values"] not in (0, epochs):
        raise ValueError(f"{header['n_values']} monitored values for {epochs} epochs")
    if (rule is not None) != (n_iter_no_change is not None):
        raise ValueError("it has a stopping rule where the fit has none, or none")


def _check_start(state, start):
    """The saved state has the arrays of the fit's starting state (same keys,
    shapes and dtypes), its starting rate and its reference losses."""
    coef = start["coef"]
    check_state(state, *coef.shape, coef.dtype)
    if set(state) != set(start):
        raise ValueError("its arrays are not those of this fit")
    same_reference = np.array_equal(
        state["reference_loss"], start["reference_loss"], equal_nan=True
    )
    if state["lr_initial"] != start["lr_initial"] or not same_reference:
        raise ValueError("its starting rate or reference losses are not this fit's")


def _read_npz(data, max_bytes):
    """The arrays of an uncompressed ``.npz`` archive of numbers, each checked
    against its declared size before it is read (nothing is unpickled)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        declared = sum(info.file_size for info in infos)
        if declared > max_bytes:
            raise ValueError(f"it unpacks to {declared} bytes")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names) or not all(
            name.endswith(".npy") for name in names
        ):
            raise ValueError("it holds members that are not arrays")
        return {info.filename[:-4]: _read_npy(archive, info) for info in infos}


def _read_npy(archive, info):
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        readers = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        if version not in readers:
            raise ValueError(f"unknown .npy version {version}")
        shape, fortran_order, dtype = readers[version](member)
        if fortran_order or dtype.kind not in "biuf" or dtype.fields is not None:
            raise ValueError(f"{info.filename} is not a C-ordered array of numbers")
        size = math.prod(shape) * dtype.itemsize
        data = member.read(size + 1)
        if len(data) != size:
            raise ValueError(f"{info.filename} does not have the size it declares")
    return np.frombuffer(bytearray(data), dtype=dtype).reshape(shape)


def _digest(header, arrays):
    """SHA-256 of the header (but its digest) and of the arrays."""
    content = {key: value for key, value in header.items() if key != "digest"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def _chain(digest, data, row_bytes):
    """``digest`` chained over the rows of ``data``: ``sha256(digest + row)``
    per row, so that appending rows extends it."""
    for start in range(0, len(data), row_bytes):
        digest = hashlib.sha256(digest + data[start : start + row_bytes]).digest()
    return digest


def _header_start(fingerprint):
    """The bytes every state file (and temporary) of a fit contains near its
    start: the beginning of its JSON header."""
    return json.dumps({"format": FORMAT, "fingerprint": fingerprint})[:-1].encode()


@contextmanager
def _interrupts_kept():
    """Let a ``KeyboardInterrupt`` (or another non-``Exception``) through as
    itself: zipfile, for one, turns an interrupt inside a write into a
    ``ValueError`` as it closes the archive. The interrupt is raised again
    outside the handler, so that it links to nothing new (no reference cycle
    keeps the half-written archive alive)."""
    interrupt = None
    try:
        yield
    except Exception as exc:
        interrupt = _interrupt_within(exc)
        if interrupt is None:
            raise
    if interrupt is not None:
        try:
            raise interrupt
        finally:
            interrupt = None


def _interrupt_within(exc):
    """The first non-``Exception`` in the causes and contexts of ``exc``."""
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if not isinstance(cause, Exception):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


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
    if set(header["state"]) != set(_STATE_SCALARS):
        raise ValueError("bad state fields")
    for key in _STATE_SCALARS:
        value = header["state"].get(key)
        if value is not None and not isinstance(value, float):
            raise ValueError(f"bad state field {key!r}")


# --- files, descriptors -------------------------------------------------------


def _identity(status):
    """What tells a file from another: its inode, and (inode numbers being
    reused at once) its type, size and modification time."""
    return (
        status.st_dev,
        status.st_ino,
        status.st_mode,
        status.st_size,
        status.st_mtime_ns,
    )


def _owned(status):
    """A regular file with one name, owned by the user running the fit."""
    uid = os.geteuid() if hasattr(os, "geteuid") else status.st_uid
    return (
        stat.S_ISREG(status.st_mode) and status.st_nlink == 1 and (status.st_uid == uid)
    )


def _holds(handle, content, exact=True):
    """Whether the regular file ``handle`` is owned by the user and holds
    ``content`` (or starts with it)."""
    if not _owned(os.fstat(handle)):
        return False
    os.lseek(handle, 0, os.SEEK_SET)
    found = _read_at_most(handle, len(content) + 1)
    return found == content if exact else found[: len(content)] == content


def _read_at_most(handle, size):
    chunks, total = [], 0
    while total < size:
        chunk = os.read(handle, min(size - total, 2**24))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _write_at(handle, offset, data):
    os.lseek(handle, offset, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _unlink_if_same(path, identity):
    """Remove ``path`` if it still is the file ``identity`` (a descriptor, an
    :func:`_identity` or the ``(device, inode)`` of a temporary of ours);
    never raises."""
    try:
        if isinstance(identity, int):
            identity = _identity(os.fstat(identity))
        if _identity(os.lstat(path))[: len(identity)] == identity:
            os.unlink(path)
    except OSError:
        pass


def _close_quietly(handle):
    try:
        os.close(handle)
    except OSError:
        pass


def _sync_directory(directory):
    """Make a rename in ``directory`` durable (POSIX; a no-op elsewhere)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        _close_quietly(handle)


def _kind(mode):
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "a special file")


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
