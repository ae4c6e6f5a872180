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
    fields: list[str] = []
    field = ""
    quoted = False
    i = 0
    while i < len(line):
        char = line[i]
        if quoted:
            if char == '"' and line[i + 1:i + 2] == '"':
                field += '"'
                i += 1
            elif char == '"':
                quoted = False
            else:
                field += char
        elif char == '"':
            quoted = True
        elif char == ",":
            fields.append(field)
            field = ""
        else:
            field += char
        i += 1
    if quoted:
        raise ValueError("a quoted field is not closed")
    fields.append(field)
    return fields
