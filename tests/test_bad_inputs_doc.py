"""The documented table of bad inputs shows the messages users really get."""

import importlib.util
import pathlib

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"

# one documented case builds a DIA matrix of a hostile shape: scipy warns
pytestmark = pytest.mark.filterwarnings(
    r"ignore:Constructing a DIA matrix with \d+ diagonals is inefficient"
    ":scipy.sparse.SparseEfficiencyWarning"
)


def load_generator():
    spec = importlib.util.spec_from_file_location("bad_inputs", DOCS / "bad_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_documented_messages_are_current():
    import numpy as np
    import scipy.sparse as sp

    if sp.coo_array(np.ones(3)).ndim != 1:
        pytest.skip(
            "the table shows scipy >= 1.13, whose 1-d sparse arrays this scipy "
            "lacks (it makes them rows); the other test checks every case here"
        )
    generator = load_generator()
    committed = (DOCS / "bad_inputs_table.rst").read_text(encoding="utf-8")
    assert committed == generator.table(), "run: python docs/bad_inputs.py"


def test_every_documented_case_raises_a_value_error():
    generator = load_generator()
    for what, action in generator.cases() + generator.mlp_cases():
        kind, message = generator.message(action)
        assert kind != "(none)", what
        try:
            action()
        except ValueError:
            pass
