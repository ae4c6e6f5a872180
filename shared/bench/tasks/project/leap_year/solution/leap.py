def is_leap_year(year: int) -> bool:
    """True for a leap year of the Gregorian calendar; ValueError for a year below 1."""
    if year < 1:
        raise ValueError(f"there is no year {year} in the Gregorian calendar")
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
