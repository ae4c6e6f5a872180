def parse_csv_line(line: str) -> list[str]:
    """Split one line of CSV into its fields. Fields are separated by commas; a field in double
    quotes may hold commas, and "" inside quotes stands for one quote character. Spaces are
    kept as they are. Raise ValueError for an unclosed quote.

    >>> parse_csv_line('a,b,c')
    ['a', 'b', 'c']
    >>> parse_csv_line('1,"Smith, John","say ""hi"" now"')
    ['1', 'Smith, John', 'say "hi" now']
    >>> parse_csv_line('')
    ['']
    """
    raise NotImplementedError
