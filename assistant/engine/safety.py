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

# No example questions here: the chat page shows its own as buttons under this text.
FALLBACK = (
    "Sorry, our articles do not answer that. They cover the iliopsoas (hip flexor) muscles: their anatomy, "
    "what they do, why they get tight or hurt, and how to stretch, strengthen and release them."
)

# Vocabulary for the situations, in lay words as well as clinical ones. Each red flag
# below names a situation by the kinds of words that must all appear, not by phrasings.
LOW_CONFIDENCE_NOTE = "These passages may not answer your question exactly."

_NEGATION = (r"(?:can ?not|can'?t|cant|could ?not|couldn'?t|unable to|not able to|impossible to|won'?t|wont|"
             r"will not|doesn'?t|does not|don'?t|do not|refuses? to|no longer|(?:ha(?:ve|s)n'?t|not) been able to)")
_BODY = r"(?:hip|hips|groin|thigh|leg|legs|pelvis|pelvic|joint|knee)"
_FALL = (r"\b(fell|falls?|falling|fallen|accident|crash(ed)?|collision|tripped|slipped|hit by|knocked (down|over|off)|"
         r"thrown|landed|c[ao]me off|wiped out)\b(?! asleep)")
_STAND = r"\s+(?:\w+\s+){0,4}?(bear|put|take|stand|walk|weight|move|get up|lift)"
_FEVER = r"\b(fever\w*|chills|shivering|(high |a )?temp(erature)?|hot to the touch)\b(?![ -]like)"
_SUDDEN = r"\b(sudden(ly)?|all of a sudden|out of nowhere|pop(ped)?|snap(ped)?|tore|ripped)\b"
_SEVERE = r"\b(severe|intense|excruciating|unbearable|agoni[sz]ing|worst|terrible|extreme|horrible|screaming)\b"

# Each red flag is a set of patterns that must all appear in the question.
RED_FLAGS: dict[str, list[str]] = {
    "cannot bear weight after a fall or accident": [_FALL, _NEGATION + _STAND],
    "cannot bear weight": [_NEGATION + r"\s+(?:\w+\s+){0,4}?(bear|put|take)\s+(?:\w+\s+){0,3}?weight"],
    "a deformed leg or hip": [
        r"\b(deform\w*|misshapen|crooked|(weird|odd|strange|unnatural) angle|the wrong way|out of (its )?place|"
        r"(sticking|poking) out|looks? (wrong|bent|twisted))\b"
    ],
    "fever with hip or groin pain": [_FEVER, r"\b" + _BODY + r"\b", r"\b(pain\w*|hurts?|hurting|aches?|swollen|swelling|red)\b"],
    "fever and cannot walk or move the leg": [_FEVER, _NEGATION + _STAND],
    "numbness in the groin": [
        r"\b(numb\w*|no feeling|can'?t feel|cannot feel|tingl\w*|pins and needles)\b",
        r"\b(groin|saddle|genitals?|privates?|private (parts|area)|down there|between my legs|sit ?bones?|"
        r"crotch|perineum|inner thighs?|buttocks|bum|bottom|anus|vagina|penis|scrotum)\b",
    ],
    "loss of bladder or bowel control": [
        r"\b(bladder|bowels?|incontinen\w*|urine|pee|peed|peeing|poo|pooped|"
        r"(wet|wetting|messed|messing|soiled|soiling|pooed|pooped|pissed|shat) (myself|my pants|my trousers|the bed))\b",
        r"\b(los[et]|losing|loss|can'?t|cannot|unable|(?:ha(?:ve|s)n'?t|not) been able|trouble|difficulty|problems?|"
        r"incontinen\w*|leak\w*|"
        r"myself|my pants|my trousers|the bed)\b",
    ],
    "sudden severe pain": [_SUDDEN, _SEVERE],
    "a sudden injury and cannot move the leg": [_SUDDEN, _NEGATION + _STAND],
    "severe pain and cannot move the leg": [_SEVERE, _NEGATION + _STAND],
}
_COMPILED = {name: [re.compile(p, re.I) for p in patterns] for name, patterns in RED_FLAGS.items()}


def with_contact(result: dict, contact: str | None) -> dict:
    """Return the result with the owner's contact line (ASSISTANT_CONTACT) on a line of its own after the
    urgent-care or fallback text; unchanged when there is no contact line or the articles answered."""
    contact = (contact or "").strip()  # however it was read: a line of spaces adds nothing
    if not contact or result["found"] and not result["urgent"]:
        return result
    return {**result, "answer": f"{result['answer']}\n{contact}"}


def red_flags(text: str) -> list[str]:
    """Return the names of the red flags a text describes (empty when none)."""
    text = text.replace("’", "'")
    return [name for name, patterns in _COMPILED.items() if all(p.search(text) for p in patterns)]
