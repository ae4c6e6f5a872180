"""A tiny app: greet the user."""

from app.util import shout


def main():
    name = "learner"
    print(shout(f"hello, {name}"))


if __name__ == "__main__":
    main()
