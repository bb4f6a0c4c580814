#!/usr/bin/env python3
"""Print skcosine's version, read from ``skcosine/__init__.py``: the one place
it is written (``meson.build`` runs this, as scikit-learn's build does)."""

import pathlib
import re

INIT = pathlib.Path(__file__).resolve().parents[1] / "skcosine" / "__init__.py"
print(re.search(r'^__version__ = "(.+)"$', INIT.read_text(), re.MULTILINE).group(1))
