"""Sphinx configuration of the skcosine documentation."""

import sys
from datetime import date
from pathlib import Path

import skcosine  # the installed package (with its compiled kernel)

sys.path.insert(0, str(Path(__file__).parent))  # gallery_order

project = "skcosine"
author = "skcosine developers"
copyright = f"{date.today().year}, {author}"
version = release = skcosine.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax served with the pages, not from a CDN
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Links to the documentation of the projects skcosine builds on, from local
# copies of their inventories (docs/inventories.py writes them): the docs build
# without a network.
intersphinx_mapping = {
    name: (url, f"_inventories/{name}.inv")
    for name, url in {
        "sklearn": "https://scikit-learn.org/stable/",
        "numpy": "https://numpy.org/doc/stable/",
        "scipy": "https://docs.scipy.org/doc/scipy/",
        "pandas": "https://pandas.pydata.org/docs/",
        "python": "https://docs.python.org/3/",
    }.items()
}

templates_path = ["_templates"]
exclude_patterns = ["_build", "bad_inputs_table.rst", "sg_execution_times.rst"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "download_all_examples": False,
    "matplotlib_animations": False,
    "show_memory": False,
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skcosine",),
    # the teaching order of docs/gallery_order.py, not file names
    "within_subsection_order": "gallery_order.TeachingOrder",
}

html_theme = "pydata_sphinx_theme"
html_title = f"skcosine {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]


def metadata_request_without_sklearn_version(app, what, name, obj, options, lines):
    """scikit-learn generates the ``set_{method}_request`` methods, and their
    docstrings say ``.. versionadded:: 1.3`` -- scikit-learn's version, which
    the page of a skcosine class would show as skcosine's. Say whose it is."""
    method = name.rsplit(".", 1)[-1]
    if not (method.startswith("set_") and method.endswith("_request")):
        return
    for i, line in enumerate(lines):
        if line.strip().startswith(".. versionadded::"):
            lines[i] = (
                "This method comes from scikit-learn's metadata routing "
                "(scikit-learn 1.3 and later)."
            )


def setup(app):
    # after numpydoc (priority 500), on the lines it produced
    app.connect(
        "autodoc-process-docstring", metadata_request_without_sklearn_version, 600
    )
