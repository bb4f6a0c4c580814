"""The demo runs, answers --help, and prints numbers it computed."""

import pytest

from skcosine import __main__ as demo


def test_help_says_what_the_demo_does(capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "diabetes" in text and "CosineSGDRegressorCV" in text and "--folds" in text


# grids whose T_max ends a single cycle before the budget, on purpose
@pytest.mark.filterwarnings("ignore:The schedule reaches learning rate 0:UserWarning")
def test_demo_prints_the_search_the_comparison_and_the_takeaways(capsys):
    demo.main(["--folds", "3", "--seed", "1"])
    text = capsys.readouterr().out
    assert "3-fold cross-validation" in text
    assert "+-" in text  # the spread over the folds is shown
    for name in demo.models({}, 100, 0):
        assert name in text
    assert "3. What to take away" in text


def test_takeaways_follow_the_numbers():
    import pandas as pd

    table = pd.DataFrame(
        {
            "mean R2": [0.40, 0.48, 0.49, 0.485],
            "std over folds": [0.01, 0.01, 0.01, 0.01],
            "fit ms (median)": [1.0, 2.0, 2.0, 0.5],
        }
    )
    lines = demo.takeaways(table, 5)
    assert "-0.0050" in lines[0] and "-0.0850" in lines[0]
    assert "+0.0100" in lines[2]


@pytest.mark.parametrize("folds", ["many", "1", "-3"])
def test_bad_arguments_are_refused(capsys, folds):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--folds", folds])
    assert exit_info.value.code == 2
    assert "--folds" in capsys.readouterr().err
