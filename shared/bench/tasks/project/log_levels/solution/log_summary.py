"""Count the log lines of each level in a log file."""

import re
import sys

LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ([A-Z]+)\b")


def summarize(path: str) -> dict[str, int]:
    """{level: number of log lines}; lines of another shape are skipped."""
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = LOG_LINE.match(line)
            if match:
                counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


if __name__ == "__main__":
    counts = summarize(sys.argv[1])
    for level, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"{level} {count}")
