"""reStructuredText output shared by the benchmark scripts."""


def list_table(rows):
    """The lines of a list-table whose first row is the header.

    Parameters
    ----------
    rows : iterable of sequences
        The header, then one sequence of cells per row (each cell as text).

    Returns
    -------
    list of str
    """
    text = [".. list-table::", "   :header-rows: 1", ""]
    for first, *rest in rows:
        text.append(f"   * - {first}")
        text.extend(f"     - {cell}" for cell in rest)
    return text
