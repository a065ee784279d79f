"""The fixed safety texts and the red-flag rules that call for urgent care."""
from __future__ import annotations

import re

DISCLAIMER = (
    "This is general information from educational articles, not medical advice. "
    "It cannot diagnose or treat you. If you have hip pain, see a physician."
)

URGENT_MESSAGE = (
    "What you describe may need urgent care. Please go to an emergency department or call your local "
    "emergency number now if you cannot bear weight after a fall or accident, your leg looks deformed, "
    "you have fever or chills with a hot, swollen joint, numbness in the groin, loss of bladder or bowel "
    "control, or sudden severe pain. Do not wait for these articles."
)

FALLBACK = (
    "Sorry, our articles do not answer that. They cover the iliopsoas (hip flexor) muscles: their anatomy, "
    "what they do, why they get tight or hurt, and how to stretch, strengthen and release them. "
    "Try asking, for example, \"How do I stretch my hip flexors?\" or \"Which nerve supplies the iliacus?\""
)

_NEGATION = r"(?:can ?not|can'?t|cant|could ?not|couldn'?t|unable to|not able to|impossible to|won'?t|will not)"

# Each red flag is a set of patterns that must all appear in the question.
RED_FLAGS: dict[str, list[str]] = {
    "cannot bear weight after a fall or accident": [
        r"\b(fell|falls?|falling|fallen|accident|crash(ed)?|collision|tripped|slipped|hit by|knocked)\b",
        _NEGATION + r"\s+(?:\w+\s+){0,3}?(bear|put|take|stand|walk|weight|move)",
    ],
    "cannot bear weight": [_NEGATION + r"\s+(?:\w+\s+){0,4}?(bear|put|take)\s+(?:\w+\s+){0,3}?weight"],
    "a deformed leg or hip": [
        r"\b(deform\w*|misshapen|crooked|(weird|odd|strange|unnatural) angle|the wrong way|out of (its )?place|"
        r"(sticking|poking) out|looks? (wrong|bent|twisted))\b"
    ],
    "fever with a hot, swollen joint": [
        r"\b(fever|feverish|chills|high temperature)\b",
        r"\b(hot|warm|swollen|swelling|swells?|red|redness|inflamed)\b",
    ],
    "numbness in the groin": [r"\b(numb|numbness|no feeling|can'?t feel)\b", r"\b(groin|saddle|genitals?|inner thighs?|crotch)\b"],
    "loss of bladder or bowel control": [
        r"\b(bladder|bowel|incontinen\w*|wet (myself|my pants)|pee(ing)? myself|soil(ed|ing)? myself)\b",
        r"\b(los[et]|losing|loss|no|can'?t|cannot|trouble|difficulty|problems?|incontinen\w*|myself|leak\w*)\b",
    ],
    "sudden severe pain": [
        r"\b(sudden(ly)?|all of a sudden|out of nowhere)\b",
        r"\b(severe|intense|excruciating|unbearable|agoni[sz]ing|worst|terrible|extreme)\b",
    ],
}
_COMPILED = {name: [re.compile(p, re.I) for p in patterns] for name, patterns in RED_FLAGS.items()}


def red_flags(text: str) -> list[str]:
    """Return the names of the red flags a text describes (empty when none)."""
    text = text.replace("’", "'")
    return [name for name, patterns in _COMPILED.items() if all(p.search(text) for p in patterns)]
