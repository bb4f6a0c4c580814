"""Checkpoints that let an interrupted ``fit`` resume, bit for bit.

With ``checkpoint_path`` set, ``fit`` saves its progress there with joblib every
``checkpoint_every`` epochs: the state of every problem (coefficients, averaged
state and random generator), the stopping rule and the values monitored so far.
A ``fit`` that finds a checkpoint written by the same fit (same class,
parameters and data) continues from it, and the result is identical to an
uninterrupted fit. When the fit completes, the checkpoint is deleted, like
Keras' ``BackupAndRestore``.
"""

import os
import tempfile

import joblib

__all__ = ["Checkpoint"]

_FORMAT = 1


class Checkpoint:
    """The checkpoint file of one ``fit`` call.

    Parameters
    ----------
    estimator : CosineSGDRegressor or CosineSGDClassifier
        The estimator being fitted; its ``checkpoint_path`` and
        ``checkpoint_every`` parameters say where and how often.
    data : tuple
        Everything the fit depends on besides the parameters (validated data,
        sample weights, initial coefficients), hashed to recognise the fit.
    """

    def __init__(self, estimator, data):
        self.path = os.fspath(estimator.checkpoint_path)
        self.every = estimator.checkpoint_every
        params = {
            key: value
            for key, value in estimator.get_params().items()
            if key not in ("checkpoint_path", "checkpoint_every", "verbose")
        }
        self.fingerprint = joblib.hash((type(estimator).__name__, params, data))

    def load(self):
        """The saved state of this fit, or ``None`` if there is none.

        Raises
        ------
        ValueError
            If the file holds a checkpoint of another fit.
        """
        if not os.path.exists(self.path):
            return None
        saved = joblib.load(self.path)
        if (
            not isinstance(saved, dict)
            or saved.get("format") != _FORMAT
            or saved.get("fingerprint") != self.fingerprint
        ):
            raise ValueError(
                f"checkpoint_path={self.path!r} holds a checkpoint of another fit "
                "(different estimator, parameters or data); delete it or choose "
                "another checkpoint_path."
            )
        return saved["state"]

    def save(self, epochs_done, state):
        """Write the state after ``epochs_done`` epochs, if it is time to.

        The file is replaced atomically: an interruption while saving leaves
        the previous checkpoint intact.
        """
        if epochs_done % self.every:
            return
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        os.close(handle)
        try:
            saved = {"format": _FORMAT, "fingerprint": self.fingerprint, "state": state}
            joblib.dump(saved, temporary)
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise

    def remove(self):
        """Delete the checkpoint once the fit has completed."""
        if os.path.exists(self.path):
            os.unlink(self.path)
