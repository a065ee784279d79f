"""Red flags: emergencies in lay words are caught, questions that only sound scary are not."""
import pytest

from assistant.engine.safety import FALLBACK, red_flags


def test_the_fallback_names_no_example_question():
    assert "?" not in FALLBACK  # the chat page shows its examples as buttons below it: once is enough


@pytest.mark.parametrize("question", [
    # fever or chills with hip or groin pain, swelling or not
    "I've got chills and a fever and my hip is really painful",
    "running a temperature since yesterday and my groin aches badly",
    # a child with a temperature who will not walk or let anyone move the hip
    "my son has a high temperature and won't walk, he screams if we touch his leg",
    "our toddler is feverish and refuses to stand up",
    "my daughter has had a temp since lunch and won't put any weight on her leg",
    # cannot walk, stand or bear weight after any fall or accident
    "came off my bike and now I can't stand on that leg",
    "I slipped on the ice yesterday and still cannot put weight on my hip",
    "fell off a ladder, cant get up",
    # numbness around the groin, in lay words
    "it feels numb around my privates since this morning",
    "tingling and no feeling between my sit bones",
    "numbness down there and my back hurts",
    # loss of bladder or bowel control
    "I peed myself without noticing and my lower back is killing me",
    "I can't control my bowels since my back went",
    "my back gave out and I soiled my trousers without feeling it",
    "since last night I haven't been able to pee and my back aches",
    # sudden severe pain
    "heard a pop in my hip when sprinting, the pain is unbearable",
    "sudden excruciating pain in my groin",
    "the pain is extreme and I cannot lift my leg at all",
    # a sudden injury, then the leg will not move or bear weight (no word for the pain needed)
    "something snapped in my groin during football and now I can't walk on it",
])
def test_emergencies_are_caught(question):
    assert red_flags(question), question


@pytest.mark.parametrize("question", [
    "I fell asleep at my desk and now my hip is stiff",
    "I had a fall two years ago and walk fine now, how do I strengthen my hip flexors?",
    "could I damage an artery if I press too deep on my psoas?",
    "my leg feels numb after sitting cross-legged, which stretch helps?",
    "I get a fever-like rush after workouts, is stretching ok?",
    "I had a fever last week, can I stretch my hip flexors now?",
    "Does the psoas help control the bladder?",
    "What is the worst thing to do for tight hip flexors?",
    "My hip pops when I lift my leg, is that normal?",
    "I cant stand sitting all day, what stretch helps?",
    "Can I stretch if I cannot touch my toes?",
    "Why does my hip hurt when I walk?",
    "I messed up my stretching routine last week, should I start again?",
    "I've been able to pee normally all along, I just want psoas stretches",
    "I had a high temp last month but I'm fine now, which stretch helps tight hips?",
    "my knee popped once years ago and I can't remember which stretch helped",
    "is it normal that my temp job has me sitting all day?",
])
def test_questions_that_only_sound_scary_are_not_flagged(question):
    assert red_flags(question) == [], question
