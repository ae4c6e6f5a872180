"""Students' grades: from lines of "name,score" to a report."""


def report(text):
    """A report of each student's average score and letter grade, one line per student in
    alphabetical order, then the class average (the average of the students' averages)."""
    scores = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, score = line.split(",")
        name = name.strip()
        if name not in scores:
            scores[name] = []
        scores[name].append(float(score))
    lines = []
    all_averages = []
    for name in sorted(scores):
        total = 0
        for s in scores[name]:
            total = total + s
        avg = total / len(scores[name])
        all_averages.append(avg)
        if avg >= 90:
            grade = "A"
        elif avg >= 80:
            grade = "B"
        elif avg >= 70:
            grade = "C"
        elif avg >= 60:
            grade = "D"
        else:
            grade = "F"
        lines.append(name.ljust(10) + " " + format(avg, ".1f").rjust(5) + " " + grade)
    if all_averages:
        class_total = 0
        for a in all_averages:
            class_total = class_total + a
        lines.append("class average: " + format(class_total / len(all_averages), ".1f"))
    else:
        lines.append("no scores")
    return "\n".join(lines)
