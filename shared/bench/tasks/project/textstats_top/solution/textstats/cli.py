"""python -m textstats.cli FILE [--top N]: the number of lines and words in FILE, and its
N most frequent words."""

import argparse

from textstats.counting import count_lines, count_words, top_words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textstats")
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.file, encoding="utf-8") as handle:
        text = handle.read()
    print(f"lines: {count_lines(text)}")
    print(f"words: {count_words(text)}")
    if args.top:
        shown = ", ".join(f"{word} ({count})" for word, count in top_words(text, args.top))
        print(f"top: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
