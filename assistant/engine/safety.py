"""The fixed safety texts: the disclaimer, the urgent-care advice and the fallback."""
from __future__ import annotations

from .redflags import explain

DISCLAIMER = (
    "This is general information from educational articles, not medical advice. "
    "It cannot diagnose or treat you. If you have hip pain, see a physician."
)

# Said after the situation recognised, in plain words (redflags.SITUATIONS).
URGENT_ADVICE = (
    "Please go to an emergency department or call your local emergency number now. "
    "Do not wait for these articles."
)

# No example questions here: the chat page shows its own as buttons under this text.
FALLBACK = (
    "Sorry, our articles do not answer that. They cover the iliopsoas (hip flexor) muscles: their anatomy, "
    "what they do, why they get tight or hurt, and how to stretch, strengthen and release them."
)

LOW_CONFIDENCE_NOTE = "These passages may not answer your question exactly."

def with_contact(result: dict, contact: str | None) -> dict:
    """Return the result with the owner's contact line (ASSISTANT_CONTACT) on a line of its own after the
    urgent-care or fallback text; unchanged when there is no contact line or the articles answered."""
    contact = (contact or "").strip()  # however it was read: a line of spaces adds nothing
    if not contact or result["found"] and not result["urgent"]:
        return result
    return {**result, "answer": f"{result['answer']}\n{contact}"}


def urgent_message(situations: list[str]) -> str:
    """Return the urgent-care advice for the situations recognised: what each may be, then what to do now."""
    return f"{explain(situations)} {URGENT_ADVICE}"
