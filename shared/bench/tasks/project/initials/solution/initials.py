def initials(full_name: str) -> str:
    """The initials of a name, upper case, each followed by a dot ("ada lovelace" -> "A.L.")."""
    parts = full_name.replace("-", " ").split()
    return "".join(part[0].upper() + "." for part in parts)
