"""Students' grades: from lines of "name,score" to a report."""

GRADE_FLOORS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]


def parse_scores(text: str) -> dict[str, list[float]]:
    """{name: scores in the order read}; blank lines and # comments are skipped."""
    scores: dict[str, list[float]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, score = line.split(",")
        scores.setdefault(name.strip(), []).append(float(score))
    return scores


def average(numbers: list[float]) -> float:
    return sum(numbers) / len(numbers)


def letter_grade(avg: float) -> str:
    return next((letter for floor, letter in GRADE_FLOORS if avg >= floor), "F")


def format_line(name: str, avg: float) -> str:
    return f"{name.ljust(10)} {format(avg, '.1f').rjust(5)} {letter_grade(avg)}"


def report(text: str) -> str:
    """A report of each student's average score and letter grade, one line per student in
    alphabetical order, then the class average (the average of the students' averages)."""
    scores = parse_scores(text)
    averages = {name: average(values) for name, values in sorted(scores.items())}
    lines = [format_line(name, avg) for name, avg in averages.items()]
    if averages:
        lines.append("class average: " + format(average(list(averages.values())), ".1f"))
    else:
        lines.append("no scores")
    return "\n".join(lines)
