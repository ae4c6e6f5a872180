"""python -m textstats.cli FILE: the number of lines and words in FILE."""

import argparse

from textstats.counting import count_lines, count_words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textstats")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    with open(args.file, encoding="utf-8") as handle:
        text = handle.read()
    print(f"lines: {count_lines(text)}")
    print(f"words: {count_words(text)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
