def rotate_matrix(matrix: list[list]) -> list[list]:
    """Return the matrix (a list of equally long rows) turned 90 degrees clockwise, as a new
    list of lists. A matrix with r rows and c columns becomes one with c rows and r columns.

    >>> rotate_matrix([[1, 2], [3, 4]])
    [[3, 1], [4, 2]]
    >>> rotate_matrix([[1, 2, 3]])
    [[1], [2], [3]]
    """
    raise NotImplementedError
