"""Conversations that call the python calculator. Programmatic: no LLM is involved.

The assistant says it will compute, calls the tool, the tool's output comes back, and the
assistant answers with it:

    <|assistant_start|>I'll compute it.<|python_start|>17*23<|python_end|>
    <|output_start|>391<|output_end|>17 times 23 is 391.<|assistant_end|>

The results are computed by the restricted calculator the engine runs at inference
(nanochat_track/calculator.py, the one implementation), so the data and the engine agree on
every number and on how a float is written. Problems:
plain expressions and short word problems (shopping, sharing, percentages, averages, areas),
easy / medium / hard by the size of the numbers, in English, French, Spanish and German.
"""

from __future__ import annotations

import random

from ..calculator import calculate

LEVELS = {"easy": (2, 20), "medium": (10, 500), "hard": (100, 99_999)}

# Each problem: (question per language, the expression, the final sentence per language).
PROBLEMS: dict[str, dict] = {
    "multiply": {
        "expr": "{a}*{b}",
        "en": ["What is {a} times {b}?", "Compute {a} * {b}.", "Multiply {a} by {b}."],
        "fr": ["Combien font {a} fois {b} ?"], "es": ["¿Cuánto es {a} por {b}?"], "de": ["Was ist {a} mal {b}?"],
        "answer": {"en": "{a} times {b} is {r}.", "fr": "{a} fois {b} font {r}.",
                   "es": "{a} por {b} es {r}.", "de": "{a} mal {b} ist {r}."},
    },
    "add": {
        "expr": "{a}+{b}+{c}",
        "en": ["What is {a} + {b} + {c}?", "Add up {a}, {b} and {c}."],
        "fr": ["Combien font {a} + {b} + {c} ?"], "es": ["Suma {a}, {b} y {c}."], "de": ["Addiere {a}, {b} und {c}."],
        "answer": {"en": "The sum is {r}.", "fr": "La somme est {r}.", "es": "La suma es {r}.",
                   "de": "Die Summe ist {r}."},
    },
    "shopping": {
        "expr": "{a}*{b}",
        "en": ["A notebook costs {a} euros. How much do {b} notebooks cost?"],
        "fr": ["Un cahier coûte {a} euros. Combien coûtent {b} cahiers ?"],
        "es": ["Un cuaderno cuesta {a} euros. ¿Cuánto cuestan {b} cuadernos?"],
        "de": ["Ein Heft kostet {a} Euro. Was kosten {b} Hefte?"],
        "answer": {"en": "{b} notebooks cost {r} euros.", "fr": "{b} cahiers coûtent {r} euros.",
                   "es": "{b} cuadernos cuestan {r} euros.", "de": "{b} Hefte kosten {r} Euro."},
    },
    "change": {
        "expr": "{c}-{a}",
        "en": ["I had {c} euros and spent {a}. How much is left?"],
        "fr": ["J'avais {c} euros et j'en ai dépensé {a}. Combien me reste-t-il ?"],
        "es": ["Tenía {c} euros y gasté {a}. ¿Cuánto me queda?"],
        "de": ["Ich hatte {c} Euro und habe {a} ausgegeben. Wie viel bleibt übrig?"],
        "answer": {"en": "You have {r} euros left.", "fr": "Il vous reste {r} euros.",
                   "es": "Te quedan {r} euros.", "de": "Es bleiben {r} Euro übrig."},
    },
    "share": {
        "expr": "{c}//{b}",
        "en": ["{c} cookies are shared equally among {b} children. How many whole cookies does each get?"],
        "fr": ["{c} biscuits sont partagés entre {b} enfants. Combien de biscuits entiers chacun reçoit-il ?"],
        "es": ["Se reparten {c} galletas entre {b} niños. ¿Cuántas galletas enteras recibe cada uno?"],
        "de": ["{c} Kekse werden gerecht auf {b} Kinder verteilt. Wie viele ganze Kekse bekommt jedes?"],
        "answer": {"en": "Each child gets {r} cookies.", "fr": "Chaque enfant reçoit {r} biscuits.",
                   "es": "Cada niño recibe {r} galletas.", "de": "Jedes Kind bekommt {r} Kekse."},
    },
    "percent": {
        "expr": "{c}*{p}/100",
        "en": ["What is {p}% of {c}?", "How much is {p} percent of {c}?"],
        "fr": ["Combien font {p} % de {c} ?"], "es": ["¿Cuánto es el {p}% de {c}?"], "de": ["Wie viel sind {p} % von {c}?"],
        "answer": {"en": "{p}% of {c} is {r}.", "fr": "{p} % de {c} font {r}.", "es": "El {p}% de {c} es {r}.",
                   "de": "{p} % von {c} sind {r}."},
    },
    "average": {
        "expr": "({a}+{b}+{c})/3",
        "en": ["What is the average of {a}, {b} and {c}?"], "fr": ["Quelle est la moyenne de {a}, {b} et {c} ?"],
        "es": ["¿Cuál es la media de {a}, {b} y {c}?"], "de": ["Was ist der Durchschnitt von {a}, {b} und {c}?"],
        "answer": {"en": "The average is {r}.", "fr": "La moyenne est {r}.", "es": "La media es {r}.",
                   "de": "Der Durchschnitt ist {r}."},
    },
    "area": {
        "expr": "{a}*{b}",
        "en": ["A room is {a} m by {b} m. What is its area?"], "fr": ["Une pièce mesure {a} m sur {b} m. Quelle est sa surface ?"],
        "es": ["Una habitación mide {a} m por {b} m. ¿Cuál es su área?"],
        "de": ["Ein Raum ist {a} m mal {b} m groß. Wie groß ist seine Fläche?"],
        "answer": {"en": "The area is {r} square metres.", "fr": "La surface est de {r} mètres carrés.",
                   "es": "El área es de {r} metros cuadrados.", "de": "Die Fläche beträgt {r} Quadratmeter."},
    },
    "power": {
        "expr": "{small}**{e}",
        "en": ["What is {small} to the power of {e}?"], "fr": ["Combien vaut {small} puissance {e} ?"],
        "es": ["¿Cuánto es {small} elevado a {e}?"], "de": ["Was ist {small} hoch {e}?"],
        "answer": {"en": "{small} to the power {e} is {r}.", "fr": "{small} puissance {e} vaut {r}.",
                   "es": "{small} elevado a {e} es {r}.", "de": "{small} hoch {e} ist {r}."},
    },
}
INTROS = {"en": ["Let me calculate that.", "I'll use the calculator.", "Computing:"],
          "fr": ["Je calcule.", "J'utilise la calculatrice."], "es": ["Lo calculo.", "Uso la calculadora."],
          "de": ["Ich rechne das aus.", "Ich nehme den Rechner."]}
LANGUAGES = tuple(INTROS)

def make_spec(rng: random.Random, languages: tuple[str, ...] = LANGUAGES) -> dict:
    """One problem, drawn: its kind, language, phrasing, difficulty and numbers."""
    kind = rng.choice(list(PROBLEMS))
    lang = rng.choice(languages)
    level = rng.choices(list(LEVELS), weights=[3, 4, 3])[0]
    lo, hi = LEVELS[level]
    a, b = rng.randint(lo, hi), rng.randint(2, max(3, hi // 10))
    numbers = {"a": a, "b": b, "c": a + rng.randint(lo, hi), "p": rng.choice([5, 10, 15, 20, 25, 50, 75]),
               "small": rng.randint(2, 12), "e": rng.randint(2, 4 if level != "hard" else 6)}
    return {"kind": kind, "lang": lang, "level": level, "numbers": numbers,
            "template": rng.randrange(len(PROBLEMS[kind][lang])), "intro": rng.randrange(len(INTROS[lang]))}


def conversation(spec: dict) -> dict:
    """{"messages": [user, assistant with the tool call], "answer": the result} for a spec."""
    problem, lang, numbers = PROBLEMS[spec["kind"]], spec["lang"], spec["numbers"]
    question = problem[lang][spec["template"]].format(**numbers)
    expr = problem["expr"].format(**numbers)
    result = calculate(expr)
    final = problem["answer"][lang].format(r=result, **numbers)
    assistant = [{"type": "text", "text": INTROS[lang][spec["intro"]], "channel": "analysis"},
                 {"type": "python", "text": expr, "channel": "commentary"},
                 {"type": "python_output", "text": result, "channel": "commentary"},
                 {"type": "text", "text": final, "channel": "final"}]
    return {"messages": [{"role": "user", "content": question},
                         {"role": "assistant", "content": assistant}], "answer": result}
