"""Reasoning tasks decomposed into explicit steps: spell the word, number its letters, find,
count, answer. Programmatic and correct by construction: no LLM is involved.

A small model cannot see the letters inside a token ("strawberry" may be two tokens), so the
steps make it write the letters out first, one per token, and count what it wrote. The steps
go in the "analysis" channel and the answer in "final" (see channels.py); without channels
they are plain text, steps then answer.

Tasks: count a letter, count the vowels, the letter at a position, a word backwards, which of
two words is longer; easy / medium / hard by word length; in English, French, Spanish and
German, several phrasings each. Words come from the local corpus (the standard library's
source, shared.corpus); one word in ten is held out by its hash (`is_held_out`) so that
evaluation and RL can test on words the model never saw here.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from functools import lru_cache

from shared.corpus import stdlib_text

TASKS = ("count_letter", "count_vowels", "letter_at", "reverse", "longer")
DIFFICULTY = {"easy": (3, 5), "medium": (6, 8), "hard": (9, 12)}  # word lengths
VOWELS = "aeiou"


def _times_en(n: int) -> str:
    return "time" if n == 1 else "times"


PHRASES: dict[str, dict] = {
    "en": {
        "count_letter": ["How many times does the letter '{letter}' appear in \"{word}\"?",
                         "How many {letter}'s are in the word {word}?",
                         "Count the letter {letter} in \"{word}\".",
                         "In the word \"{word}\", how many '{letter}' are there?"],
        "count_vowels": ["How many vowels are in \"{word}\"?", "Count the vowels of the word {word}."],
        "letter_at": ["What is letter number {k} of \"{word}\"?", "Which letter is at position {k} in {word}?"],
        "reverse": ["Spell \"{word}\" backwards.", "Reverse the word {word}, letter by letter."],
        "longer": ["Which word is longer, \"{a}\" or \"{b}\"?", "Is \"{a}\" longer than \"{b}\"? Which one is longer?"],
        "spell": "Spelling {word}: {spelled}.", "numbered": "Numbered: {numbered}.",
        "found": "'{letter}' is at position {positions}.", "none": "'{letter}' does not appear.",
        "running": "Counting them: {running}.", "vowels": "The vowels are a, e, i, o, u.",
        "vowels_found": "Vowels: {found}.", "no_vowels": "There is no vowel.",
        "count_answer": "The letter '{letter}' appears {n} {times} in \"{word}\".",
        "vowels_answer": "\"{word}\" has {n} vowel{s}.",
        "letter_at_step": "Position {k} holds '{letter}'.", "letter_at_answer": "Letter {k} of \"{word}\" is '{letter}'.",
        "reversed_step": "From the end: {spelled}.", "reverse_answer": "\"{word}\" backwards is \"{reversed}\".",
        "length_step": "\"{word}\" has {n} letters.", "longer_answer": "\"{winner}\" is longer.",
        "same_answer": "Neither: both have {n} letters.", "times": _times_en,
    },
    "fr": {
        "count_letter": ["Combien de fois la lettre « {letter} » apparaît-elle dans « {word} » ?",
                         "Compte les « {letter} » dans le mot {word}.",
                         "Dans le mot « {word} », combien y a-t-il de « {letter} » ?"],
        "count_vowels": ["Combien de voyelles y a-t-il dans « {word} » ?"],
        "letter_at": ["Quelle est la lettre numéro {k} de « {word} » ?"],
        "reverse": ["Épelle « {word} » à l'envers."],
        "longer": ["Quel mot est le plus long, « {a} » ou « {b} » ?"],
        "spell": "J'épelle {word} : {spelled}.", "numbered": "Numérotées : {numbered}.",
        "found": "« {letter} » est en position {positions}.", "none": "« {letter} » n'apparaît pas.",
        "running": "Je compte : {running}.", "vowels": "Les voyelles sont a, e, i, o, u.",
        "vowels_found": "Voyelles : {found}.", "no_vowels": "Il n'y a aucune voyelle.",
        "count_answer": "La lettre « {letter} » apparaît {n} {times} dans « {word} ».",
        "vowels_answer": "« {word} » a {n} voyelle{s}.",
        "letter_at_step": "La position {k} contient « {letter} ».",
        "letter_at_answer": "La lettre {k} de « {word} » est « {letter} ».",
        "reversed_step": "En partant de la fin : {spelled}.",
        "reverse_answer": "« {word} » à l'envers donne « {reversed} ».",
        "length_step": "« {word} » a {n} lettres.", "longer_answer": "« {winner} » est plus long.",
        "same_answer": "Aucun : les deux ont {n} lettres.", "times": lambda n: "fois",
    },
    "es": {
        "count_letter": ["¿Cuántas veces aparece la letra '{letter}' en \"{word}\"?",
                         "Cuenta las '{letter}' en la palabra {word}.",
                         "En la palabra \"{word}\", ¿cuántas '{letter}' hay?"],
        "count_vowels": ["¿Cuántas vocales hay en \"{word}\"?"],
        "letter_at": ["¿Cuál es la letra número {k} de \"{word}\"?"],
        "reverse": ["Deletrea \"{word}\" al revés."],
        "longer": ["¿Qué palabra es más larga, \"{a}\" o \"{b}\"?"],
        "spell": "Deletreo {word}: {spelled}.", "numbered": "Numeradas: {numbered}.",
        "found": "'{letter}' está en la posición {positions}.", "none": "'{letter}' no aparece.",
        "running": "Las cuento: {running}.", "vowels": "Las vocales son a, e, i, o, u.",
        "vowels_found": "Vocales: {found}.", "no_vowels": "No hay ninguna vocal.",
        "count_answer": "La letra '{letter}' aparece {n} {times} en \"{word}\".",
        "vowels_answer": "\"{word}\" tiene {n} vocal{es}.",
        "letter_at_step": "La posición {k} tiene '{letter}'.",
        "letter_at_answer": "La letra {k} de \"{word}\" es '{letter}'.",
        "reversed_step": "Desde el final: {spelled}.", "reverse_answer": "\"{word}\" al revés es \"{reversed}\".",
        "length_step": "\"{word}\" tiene {n} letras.", "longer_answer": "\"{winner}\" es más larga.",
        "same_answer": "Ninguna: las dos tienen {n} letras.", "times": lambda n: "vez" if n == 1 else "veces",
    },
    "de": {
        "count_letter": ["Wie oft kommt der Buchstabe '{letter}' in \"{word}\" vor?",
                         "Zähle die '{letter}' im Wort {word}.",
                         "Wie viele '{letter}' hat das Wort \"{word}\"?"],
        "count_vowels": ["Wie viele Vokale hat \"{word}\"?"],
        "letter_at": ["Welcher Buchstabe steht an Stelle {k} von \"{word}\"?"],
        "reverse": ["Buchstabiere \"{word}\" rückwärts."],
        "longer": ["Welches Wort ist länger, \"{a}\" oder \"{b}\"?"],
        "spell": "Ich buchstabiere {word}: {spelled}.", "numbered": "Nummeriert: {numbered}.",
        "found": "'{letter}' steht an Stelle {positions}.", "none": "'{letter}' kommt nicht vor.",
        "running": "Ich zähle: {running}.", "vowels": "Die Vokale sind a, e, i, o, u.",
        "vowels_found": "Vokale: {found}.", "no_vowels": "Es gibt keinen Vokal.",
        "count_answer": "Der Buchstabe '{letter}' kommt {n} {times} in \"{word}\" vor.",
        "vowels_answer": "\"{word}\" hat {n} Vokal{e}.",
        "letter_at_step": "An Stelle {k} steht '{letter}'.",
        "letter_at_answer": "Buchstabe {k} von \"{word}\" ist '{letter}'.",
        "reversed_step": "Vom Ende her: {spelled}.", "reverse_answer": "\"{word}\" rückwärts ist \"{reversed}\".",
        "length_step": "\"{word}\" hat {n} Buchstaben.", "longer_answer": "\"{winner}\" ist länger.",
        "same_answer": "Keins: beide haben {n} Buchstaben.", "times": lambda n: "Mal",
    },
}
LANGUAGES = tuple(PHRASES)


@lru_cache(maxsize=4)
def corpus_words(max_bytes: int = 600_000, min_count: int = 2) -> tuple[str, ...]:
    """Lower-case words of 3 to 12 letters that occur at least `min_count` times in the first
    `max_bytes` of the standard library's source (its comments and docstrings are English)."""
    text, _ = stdlib_text(max_bytes)
    counts = Counter(re.findall(r"(?<![A-Za-z_])[a-z]{3,12}(?![A-Za-z_0-9])", text))
    return tuple(sorted(w for w, c in counts.items() if c >= min_count))


def is_held_out(word: str, percent: int = 10) -> bool:
    """One word in ten (by hash) never appears in the training data: kept for evaluation."""
    return int(hashlib.sha256(word.encode()).hexdigest()[:8], 16) % 100 < percent


def training_words() -> dict[str, list[str]]:
    """The corpus's words that are not held out, by difficulty."""
    words = [w for w in corpus_words() if not is_held_out(w)]
    return {level: [w for w in words if lo <= len(w) <= hi] for level, (lo, hi) in DIFFICULTY.items()}


def make_spec(rng: random.Random, languages: tuple[str, ...] = LANGUAGES) -> dict:
    """One task, drawn: its kind, language, phrasing, difficulty and words."""
    words = training_words()
    task = rng.choice(TASKS)
    lang = rng.choice(languages)
    level = rng.choices(list(DIFFICULTY), weights=[3, 4, 3])[0]
    word = rng.choice(words[level])
    spec = {"task": task, "lang": lang, "level": level, "word": word,
            "template": rng.randrange(len(PHRASES[lang][task]))}
    if task == "count_letter":  # mostly a letter of the word, sometimes one it lacks (answer 0)
        absent = [c for c in "abcdefghijklmnopqrstuvwxyz" if c not in word]
        spec["letter"] = rng.choice(word) if rng.random() < 0.8 or not absent else rng.choice(absent)
    elif task == "letter_at":
        spec["k"] = rng.randint(1, len(word))
    elif task == "longer":
        spec["other"] = rng.choice(words[rng.choice(list(DIFFICULTY))])
    return spec


def conversation(spec: dict) -> dict:
    """{"messages": [user, assistant], "answer": the short answer} for a spec from make_spec."""
    L = PHRASES[spec["lang"]]
    word, task = spec["word"], spec["task"]
    fields = {"word": word, "letter": spec.get("letter"), "k": spec.get("k"),
              "a": word, "b": spec.get("other")}
    question = L[task][spec["template"]].format(**fields)
    steps = [L["spell"].format(word=word, spelled="-".join(word))]
    numbered = L["numbered"].format(numbered=", ".join(f"{i} {c}" for i, c in enumerate(word, 1)))
    if task == "count_letter":
        letter = spec["letter"]
        positions = [i for i, c in enumerate(word, 1) if c == letter]
        steps.append(numbered)
        if positions:
            steps.append(L["found"].format(letter=letter, positions=", ".join(map(str, positions))))
            steps.append(L["running"].format(running=", ".join(str(i) for i in range(1, len(positions) + 1))))
        else:
            steps.append(L["none"].format(letter=letter))
        n = len(positions)
        final = L["count_answer"].format(letter=letter, n=n, times=L["times"](n), word=word)
        answer = str(n)
    elif task == "count_vowels":
        found = [f"{i} {c}" for i, c in enumerate(word, 1) if c in VOWELS]
        steps += [numbered, L["vowels"]]
        if found:
            steps.append(L["vowels_found"].format(found=", ".join(found)))
            steps.append(L["running"].format(running=", ".join(str(i) for i in range(1, len(found) + 1))))
        else:
            steps.append(L["no_vowels"])
        n = len(found)
        plural = "" if n == 1 else "s"
        final = L["vowels_answer"].format(word=word, n=n, s=plural, es="" if n == 1 else "es",
                                          e="" if n == 1 else "e")
        answer = str(n)
    elif task == "letter_at":
        k = spec["k"]
        letter = word[k - 1]
        steps += [numbered, L["letter_at_step"].format(k=k, letter=letter)]
        final = L["letter_at_answer"].format(k=k, word=word, letter=letter)
        answer = letter
    elif task == "reverse":
        steps.append(L["reversed_step"].format(spelled="-".join(reversed(word))))
        final = L["reverse_answer"].format(word=word, reversed=word[::-1])
        answer = word[::-1]
    else:  # longer
        other = spec["other"]
        steps = [L["spell"].format(word=w, spelled="-".join(w)) + " " + L["length_step"].format(word=w, n=len(w))
                 for w in (word, other)]
        if len(word) == len(other):
            final, answer = L["same_answer"].format(n=len(word)), "same"
        else:
            winner = word if len(word) > len(other) else other
            final, answer = L["longer_answer"].format(winner=winner), winner
    assistant = [{"type": "text", "text": "\n".join(steps) + "\n", "channel": "analysis"},
                 {"type": "text", "text": final, "channel": "final"}]
    return {"messages": [{"role": "user", "content": question},
                         {"role": "assistant", "content": assistant}], "answer": answer}
