def spiral_order(matrix: list[list]) -> list:
    """The elements of a matrix (equally long rows) read in a clockwise spiral: along the top
    row, down the right column, back along the bottom row, up the left column, then inwards.

    >>> spiral_order([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    [1, 2, 3, 6, 9, 8, 7, 4, 5]
    >>> spiral_order([[1, 2], [3, 4], [5, 6]])
    [1, 2, 4, 6, 5, 3]
    """
    result = []
    rows = [list(row) for row in matrix]
    while rows and rows[0]:
        result.extend(rows.pop(0))
        rows = [list(row) for row in zip(*rows, strict=True)][::-1]  # turn the rest
    return result
