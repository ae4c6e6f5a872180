"""Identity and personality: who the model is, taught through conversations.

A `ModelIdentity` card (name, creator, year, description, personality, quirks, capabilities,
limitations) is given to an LLM (shared.llm: the embedded model by default, Ollama or an
OpenAI-compatible server), which writes the assistant's replies. The user's side is drawn
here, not by the LLM: an opening (a greeting, a question about the model, or both) in one of
several languages, and a persona (a student, a retired engineer, ...) that the reply should
suit; half the conversations have a second user turn. The LLM is told the language by name.
Every reply is checked: not empty, not too long, the first one introduces the model by name in
the first person ("I am Pico", "Ich bin Pico", ...; "I created Pico" is refused), none
greets the user by it or calls the user by it ("Hello, Pico!", "You are Pico", "Je bent Pico":
a small LLM mixes up the roles), none is in another language than the user's (judged by the
frequent short words of each language: "I am Pico." to an Italian question is refused), none
claims to be another model (the LLM writing them is someone else: "I am Qwen" must not leak
in); a reply cut off at max_tokens keeps its finished sentences. A bad reply is asked for again
with another seed, up to `retries` times; then the conversation is skipped.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from shared.errors import AgentlabError
from shared.llm import BackendUnavailable, ChatBackend, LLMError, ModelFileError, ModelNotFound


@dataclass
class ModelIdentity:
    """Who the model says it is. Load your own with `ModelIdentity.load("me.json")`."""

    name: str = "Pico"
    creator: str = "a learner of the agentlab course"
    year: int = 2026
    description: str = ("a very small chat model trained from scratch on a laptop-sized budget, "
                        "as an exercise in how chat models are made")
    personality: str = "friendly, curious, honest about being tiny, fond of short answers"
    quirks: list[str] = field(default_factory=lambda: [
        "spells words out letter by letter before counting their letters",
        "uses the calculator for any arithmetic bigger than a times table"])
    capabilities: list[str] = field(default_factory=lambda: [
        "small talk", "counting letters and spelling words", "arithmetic with a python calculator",
        "explaining how it was trained"])
    limitations: list[str] = field(default_factory=lambda: [
        "knows very little about the world", "cannot browse the web", "often makes mistakes",
        "remembers nothing between conversations"])

    @classmethod
    def load(cls, path: str | Path) -> ModelIdentity:
        """A card from a JSON file with (some of) the fields; the others keep their defaults."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, json.JSONDecodeError, TypeError) as err:
            raise AgentlabError(f"Cannot read the identity card {path} ({err}): give a JSON object "
                                f"with the fields {', '.join(asdict(cls()))}.") from err

    def card(self) -> str:
        """The card as text, for the LLM's system prompt."""
        return "\n".join([
            f"Name: {self.name}", f"Created by: {self.creator}, in {self.year}",
            f"What it is: {self.description}", f"Personality: {self.personality}",
            "Quirks: " + "; ".join(self.quirks), "Can: " + "; ".join(self.capabilities),
            "Cannot: " + "; ".join(self.limitations)])


GREETINGS = {"en": ["Hi!", "Hello there.", "Hey", "Good morning!"], "fr": ["Bonjour !", "Salut !"],
             "es": ["¡Hola!", "Buenas tardes."], "de": ["Hallo!", "Guten Tag!"], "it": ["Ciao!"],
             "pt": ["Olá!"], "nl": ["Hoi!"]}
QUESTIONS = {
    "en": ["Who are you?", "What's your name?", "Who made you?", "What can you do?",
           "Are you ChatGPT?", "Tell me about yourself.", "What are you not good at?",
           "How were you trained?", "Are you a person?", "When were you created?"],
    "fr": ["Qui es-tu ?", "Comment t'appelles-tu ?", "Qui t'a créé ?", "Que sais-tu faire ?"],
    "es": ["¿Quién eres?", "¿Cómo te llamas?", "¿Quién te creó?", "¿Qué sabes hacer?"],
    "de": ["Wer bist du?", "Wie heißt du?", "Wer hat dich gebaut?", "Was kannst du?"],
    "it": ["Chi sei?", "Come ti chiami?"], "pt": ["Quem é você?", "Qual é o seu nome?"],
    "nl": ["Wie ben jij?", "Hoe heet je?"],
}
FOLLOW_UPS = {
    "en": ["Can you browse the internet?", "What are your limitations?", "Can you count letters?",
           "Do you remember our past chats?", "Why are you so small?", "Can you do math?"],
    "fr": ["Peux-tu aller sur internet ?", "Quelles sont tes limites ?"],
    "es": ["¿Puedes navegar por internet?", "¿Cuáles son tus límites?"],
    "de": ["Kannst du im Internet suchen?", "Was sind deine Grenzen?"],
    "it": ["Quali sono i tuoi limiti?"], "pt": ["Quais são os seus limites?"], "nl": ["Wat zijn je beperkingen?"],
}
PERSONAS = ["a curious high-school student", "a retired engineer", "a busy software developer",
            "a child learning to read", "a teacher preparing a lesson", "a skeptical journalist",
            "someone chatting on their phone, in lower case", "a researcher who studies language models"]
LANGUAGES = tuple(QUESTIONS)
# Replies that name another model or maker: the LLM writing them speaking for itself.
OTHER_MODELS = re.compile(r"\b(qwen|alibaba|openai|chatgpt|gpt-?[34]|claude|anthropic|llama|meta ai|gemini)\b", re.I)
MAX_REPLY_CHARS = 600


def make_spec(rng: random.Random, languages: tuple[str, ...] = LANGUAGES) -> dict:
    """The user's side of one conversation: language, persona, opening and maybe a follow-up."""
    lang = rng.choice(languages)
    style = rng.choice(["greeting", "question", "both"])
    greeting, question = rng.choice(GREETINGS[lang]), rng.choice(QUESTIONS[lang])
    opening = {"greeting": greeting, "question": question, "both": f"{greeting} {question}"}[style]
    if "lower case" in (persona := rng.choice(PERSONAS)):
        opening = opening.lower()
    follow_up = rng.choice(FOLLOW_UPS[lang]) if rng.random() < 0.5 else None
    return {"lang": lang, "persona": persona, "opening": opening, "follow_up": follow_up}


LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian",
                  "pt": "Portuguese", "nl": "Dutch"}
# "You are Pico" in each language: a reply that calls the user by the model's name has the roles
# the wrong way round (a small LLM does this when it reads "You are Pico" in its own prompt).
SECOND_PERSON = (r"you are|you're|tu es|vous [êe]tes|t'es|eres|usted es|du bist|sie sind|tu sei|sei|"
                 r"você é|voce e|tu és|je bent|je ben|jij bent|u bent")


# Frequent short words of each language: a reply is in the language whose words it uses most.
FUNCTION_WORDS = {
    "en": "i am the is are you your my and to of can not with what how it me have this".split(),
    "fr": "je suis le les et un une des vous tu mon ne pas est que qui pour avec ai peux".split(),
    "es": "soy el los las y un una que tu mi es no puedo con para eres estoy yo del".split(),
    "de": "ich bin der die das und ein eine nicht du mein ist kann mit für zu wie sie auch".split(),
    "it": "sono il lo gli un una di che non mio è posso con per sei io ho mi".split(),
    "pt": "sou o os as um uma que não meu é posso com para você eu tenho do da".split(),
    "nl": "ik ben de het een en niet je mijn is kan met voor wat hoe van ook".split(),
}


def reply_language(text: str) -> tuple[str | None, dict[str, int]]:
    """(the language whose frequent words `text` uses most, or None for a tie or no such word;
    the count per language)."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    counts = {lang: sum(w in vocab for w in words) for lang, vocab in FUNCTION_WORDS.items()}
    best = max(counts.values())
    leaders = [lang for lang, n in counts.items() if n == best]
    return (leaders[0] if best > 0 and len(leaders) == 1 else None), counts


# "I am Pico" in each language: the first reply must introduce the model by name, in the first
# person (a reply that only mentions the name, "I created Pico", "a model known as Pico", is
# refused), and the prompt shows the phrase in the user's language.
INTRODUCTIONS = {"en": "I am {name}", "fr": "Je suis {name}", "es": "Soy {name}", "de": "Ich bin {name}",
                 "it": "Sono {name}", "pt": "Eu sou {name}", "nl": "Ik ben {name}"}
SELF_INTRODUCTION = (r"i am|i['’]m|my name is|call me|je suis|je m['’]appelle|moi c['’]est|mon nom est|"
                     r"soy|me llamo|mi nombre es|ich bin|ich hei(?:ß|ss)e|mein name ist|sono|mi chiamo|"
                     r"il mio nome [èe]|sou|me chamo|meu nome [ée]|ik ben|ik heet|mijn naam is")


def system_prompt(identity: ModelIdentity, persona: str, lang: str = "en") -> str:
    language = LANGUAGE_NAMES.get(lang, "the user's language")
    intro = INTRODUCTIONS.get(lang, INTRODUCTIONS["en"]).format(name=identity.name)
    return (f"You are {identity.name}. Stay in character. Your identity card:\n{identity.card()}\n\n"
            f"The user is {persona}. Reply in {language} only, in one to three short sentences, in "
            f"the voice of your personality. Speak in the first person, as {identity.name}. Your "
            f"first reply must introduce you by name (\"{intro}\"), even when the user only greets "
            f"you. The user is not {identity.name}: never call the user by that name. Never mention "
            "any other model, company or assistant name.")


GREETING_WORDS = (r"hi|hello|hey|dear|bonjour|salut|coucou|hola|buenas|buenos d[ií]as|hallo|guten tag|moin|"
                  r"hoi|ciao|buongiorno|salve|ol[áa]|oi|bom dia|goedendag")


def check_reply(reply: str, identity: ModelIdentity, first: bool, lang: str | None = None) -> str | None:
    """Why `reply` is unusable, or None when it is fine. With `lang`, a reply that reads as
    another language (more of that language's frequent words than of `lang`'s) is refused."""
    if not reply.strip():
        return "empty"
    if len(reply) > MAX_REPLY_CHARS:
        return "too long"
    if first and identity.name.lower() not in reply.lower():
        return "does not say the name"
    name = re.escape(identity.name)
    if re.search(rf"(?<!\w)({GREETING_WORDS})\W+{name}\b", reply, re.I):
        return "greets the user by the model's name"
    if re.search(rf"(?<!\w)({SECOND_PERSON})\s+{name}\b", reply, re.I):
        return "calls the user by the model's name"
    intro = rf"(?<!\w)(?:eu\s+)?(?:{SELF_INTRODUCTION})\W{{0,3}}(?:(?:o|el|der|il)\s+)?[\"'«“]?\s*{name}\b"
    if first and not re.search(intro, reply, re.I):
        return "does not introduce itself by name"
    if OTHER_MODELS.search(reply) and not OTHER_MODELS.search(identity.name):
        return "names another model"
    if lang in FUNCTION_WORDS:
        found, counts = reply_language(reply)
        if found not in (None, lang) and counts[found] >= 2 and counts[found] > counts[lang]:
            return f"not in {LANGUAGE_NAMES[lang]}"
    return None


def clean_reply(text: str, name: str, truncated: bool = False) -> str:
    """The reply without a leading "Pico:"/"Assistant:" label or surrounding quotes; a reply
    cut off at max_tokens loses its unfinished last sentence (empty if it had only one)."""
    text = text.strip()
    if truncated:
        ends = [m.end() for m in re.finditer(r"[.!?。！？](\s|$)", text)]
        text = text[:ends[-1]].strip() if ends else ""
    text = re.sub(rf"^(assistant|{re.escape(name)})\s*:\s*", "", text, flags=re.I)
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def conversation(spec: dict, llm: ChatBackend, identity: ModelIdentity, seed: int = 0,
                 retries: int = 2, max_tokens: int = 96, rejected: list[str] | None = None,
                 refused: list[dict] | None = None) -> dict | None:
    """{"messages": ..., "answer": the name, "rejected": [reasons]} written by `llm`, or None
    when a reply stayed bad after `retries` more tries. The reason of each refused reply is
    also appended to `rejected` when given (so a skipped conversation's reasons are seen too),
    and the reply itself to `refused` ({"turn", "reason", "reply"}), to read what went wrong."""
    system = {"role": "system", "content": system_prompt(identity, spec["persona"], spec.get("lang", "en"))}
    messages = [{"role": "user", "content": spec["opening"]}]
    turns = [spec["opening"]] + ([spec["follow_up"]] if spec["follow_up"] else [])
    rejected = [] if rejected is None else rejected
    first_rejected = len(rejected)
    for turn, text in enumerate(turns):
        if turn:
            messages.append({"role": "user", "content": text})
        for attempt in range(retries + 1):
            try:
                result = llm.chat([system, *messages], temperature=0.8, max_tokens=max_tokens,
                                  seed=seed * 1000 + turn * 10 + attempt)
            except (BackendUnavailable, ModelNotFound, ModelFileError):
                raise  # no model to ask: retrying will not help, the caller says what to do
            except LLMError as err:  # a timeout, a bad response: this reply only
                rejected.append(f"error: {type(err).__name__}")
                if refused is not None:
                    refused.append({"turn": turn, "reason": rejected[-1], "reply": str(err)})
                continue
            reply = clean_reply(result.content, identity.name, result.truncated)
            reason = check_reply(reply, identity, first=turn == 0, lang=spec.get("lang"))
            if reason is None:
                messages.append({"role": "assistant", "content": reply})
                break
            rejected.append(reason)
            if refused is not None:
                refused.append({"turn": turn, "reason": reason, "reply": reply})
        else:
            return None
    return {"messages": messages, "answer": identity.name, "rejected": rejected[first_rejected:]}
