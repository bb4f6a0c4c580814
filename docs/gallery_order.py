"""The order of the gallery: from the schedule itself to scaling out."""

TEACHING_ORDER = [
    "plot_schedule_shapes.py",  # what a cosine schedule is
    "plot_cosine_vs_builtin.py",  # against scikit-learn's schedules
    "plot_classifier.py",
    "plot_mlp_loss_curve.py",  # a neural network: loss and schedule
    "plot_grid_search_heatmap.py",  # tuning lr_min and T_max
    "plot_cv_estimator.py",  # the same search, one pass per fold
    "plot_progress_and_scores.py",
    "plot_partial_fit_streaming.py",
    "plot_out_of_core.py",
    "plot_checkpoint_resume.py",
    "plot_dask_grid_search.py",
]


class TeachingOrder:
    """Sort key of sphinx-gallery's ``within_subsection_order``: the position
    of an example in :data:`TEACHING_ORDER` (unlisted examples last, by
    name)."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in TEACHING_ORDER:
            return (TEACHING_ORDER.index(filename), filename)
        return (len(TEACHING_ORDER), filename)
