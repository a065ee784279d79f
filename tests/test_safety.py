"""Red flags: emergencies in lay words are caught, questions that only sound scary are not."""
import numpy as np
import pytest

from assistant.engine import redflags

from assistant.engine.redflags import SITUATIONS, situations
from assistant.engine.safety import FALLBACK, URGENT_ADVICE, urgent_message


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
    assert situations([question]), question


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
    assert situations([question]) == [], question


@pytest.mark.parametrize("question", [
    # a leg that looks wrong after a fall, with no word for pain or standing
    "grandad tripped on the rug, his leg is lying turned outwards and looks shorter than the other one",
    # key words misspelt
    "i have a feaver and chils and my hip aches",
    "fell down the steps and cant stnad up now",
    "my grion has gone numb and so has my bum",
    # non-native grammar
    "my father he fall in garden and now he not want walk",
    "since yesterday she can not control when she go to toilet and back is very pain",
    # a hot, red, swollen groin or hip without the word "joint"
    "the top of my thigh by the groin is bright red, swollen up and roasting hot",
    # cannot pass urine
    "back pain all week and now I've been trying to wee for hours but nothing comes out",
    # a crack or tear, then a leg that will not lift
    "felt a twang in my hip sprinting and now the leg won't come up to climb the step",
    # after a hip operation
    "mum had her hip replaced last week and today she has a temperature and seems confused",
    # a child
    "my 4 year old has a fever and is refusing to walk to the car",
])
def test_emergencies_in_unusual_words_are_caught(question):
    assert situations([question]), question


@pytest.mark.parametrize("question", [
    "Nearly wet myself laughing at my friend trying the pigeon stretch, what does it stretch?",
    "my backside goes numb on long rides but it goes away when I stand on the pedals",
    "no fever, no swelling, just a tight hip flexor after running: how long to rest?",
    "what are the warning signs of a hip infection I should watch out for?",
    "my foot went numb sitting cross-legged but it came back after a minute",
    "I fell off my bike two years ago, all healed now, what stretches help my hips?",
    "this stretch is killing me, how long should I hold it?",
    "I can walk fine after my fall yesterday, just a bit stiff; which stretch helps?",
])
def test_scary_sounding_messages_are_not_flagged(question):
    assert situations([question]) == [], question


@pytest.mark.parametrize("question", [
    "my partner has been peeing himself without realising and his back is agony",
    "I can't take a leak since this morning and my lower back aches",
    "my temp is through the roof and my groin really hurts",
    "my little girl is hot to touch and wasn't walking at nursery today",
    "the skin over my hip is pink, puffy and warm like a radiator",
    "got tackled at rugby and my leg looks wrong, the foot points sideways",
    "numb across my butt cheeks and between the legs since yesterday",
    "my grandad went his length on the ice and cannae stand on that leg",
    "cant really feel anything down below since my back went",
    "we keep trying and trying and nothing comes, he hasn't had a wee since breakfast",
    "the wee one is hot as toast and won't let us touch her hip",
    "boiling then freezing all night with my teeth chattering, and my groin hurts",
    "fell off my scooter lol and now I can't stand on my left leg",
    "since my back went I can't feel the toilet seat under me properly",
    "woke up wet again and never felt it, and my lower back is agony",
    "my knee operation was fine but mum had her hip pinned last month and today she is muddled and clammy",
    "after the fall he has been clinging to the furniture to get about and can't manage a single step",
    "the little lad is hot and crying when I try to straighten his leg at the hip",
    "I only get a trickle out however long I stand there, and my back and groin ache",
    "the bairn willnae walk and says her hip is sore, and she's roastin",
    "I'm 13 and my hip has hurt for days and now I can't walk on it",
    "felt my hip go ping at the hurdles and now the leg won't come forward",
    "he says the area where he sits has had no sensation since Monday",
    "since my hip surgery last month I've been getting the shakes every night",
    "39.4 on the thermometer and my groin is aching heaps",
    "Had ma hip done three weeks back, now am roastin then freezin and sweatin through the sheets",
    "copped a massive hit at footy and still can't weight bear",
    "down below feels like it's been to the dentist, fuzzy and dead, and my back is agony",
    "couldn't make it to the loo in time this morning and didn't feel it coming, back's in bits",
    "Mi mama she has hip pain and today she no can make pipi",
    "went over on the ice and now the leg just buckles when I put weight through it",
    "my kiddo (7) has a fever and won't walk at all today",
    "my grion been killin me since footy and now im boiling hot n shaky, def got a feaver",
    "took my temperature, its thirty nine point four, and my thigh near the groin is really sore",
    "reduced sensation in the perineum and both inner thighs since this morning, with low back pain",
    "her groin is erythematous, swollen, warm to palpation and exquisitely tender",
    "saddel area numbnes since last nite plus sciatica down both legs",
    "had an accident (number two) in bed last night, first time ever, and my lower back is killing me",
    "heard a snapp in my groin kicking the ball and now the leg wont move forward at all",
    "fell off the ladder hangin the gutters, hip is agony and i cnat wieght bear at all",
    "one of my mindees, age 5, came in limping and now refuses to walk, and she feels warm to the touch",
    "after tumbling down the stairs his leg is turned out at a weird angle and looks shorter",
    # "cross country" is not "cross-legged"
    "my 15 y/o came home from cross country with a sore groin and tonight has a fever of 38.7",
    # any word the patterns spell out is repaired when misspelt ("lfit"), not a contraction ("havent")
    "snap in the groin, cant lfit my leg now",
    "havent been able to pee all day and my back is sore",
    "kicked by the horse, I've not been able to put my foot to the ground",
    "slipped on the stairs and walking on it just isn't happening",
    "the wean's got a fever and he's no walking",
    "sweating like crazy and my groin's giving me curry",
    "boiling one minute and freezing the next, and my hip aches",
    "something went bang in my hip and the leg's just hanging there",
    "a twang in my hip at the hurdles and now the leg won't do stairs or lift",
    "two accidents with the waterworks today and my back aches",
    "dribbling urine since yesterday and I don't get the urge any more",
    "I not feel my private part since the back went",
    "my toddler has a fever and won't crawl or let me change her nappy",
    "grandad drop down in the garden and cyaan stand up",
    "after slipping on the stairs I can't walk on it",
    "wet self twice this morning and my back aches",
    "my dad cannot make the urine since this morning and his hip hurts",
    "sudden crack in the front of my hip sprinting and now I can't flex it",
    "I've lost bladder control since yesterday with this sciatica",
    "ate it hard on the ice and my mates had to carry me off, can't put weight on the hip",
    "grandpa peed in his trousers and didn't know, and his back is sore",
    "something in my hip went crack, very loud, and now the leg won't lift",
    "the toilet seat wasn't there when I sat down, kind of dead down there",
    "landed on my hip and the leg won't hold me",
    "I can't go for a wee at all since lifting that box, and my groin aches",
    "when I'm wiping I can't actually feel the paper",
    "a snap in my groin and now I can't lift my foot up the stairs",
    "the pee is not coming at all since last night and my back and hip ache",
    "sudden saddle anaesthesia and pain down both legs",
    "something ripped in my groin at dance and now the leg is not going up",
    "grandma took a nasty spill on the steps and can't walk on it",
    "my 6 year old keeps having wee accidents today and says his back hurts",
    "it went ping in my groin on the ladder and the leg's useless now",
    "a fever ever since they fixed her hip on Monday, and she's not acting right",
    "a rip in my hip at the gym and the leg just hangs there",
    "my groin and bum have gone to sleep since yesterday",
    "knocked off my bike and now I'm hopping on the other leg to get about",
    "didn't make it to the toilet this morning and my back is agony",
    "my 14 year old yelped at gymnastics and now can't lift her thigh off the floor",
    "after the tackle his leg looks turned in and won't take any weight",
    "the hip looks the wrong shape since I fell off the wall",
    "came aff the bike and cannae stand",
    "my wife has been shivering under the duvet all day and her thigh throbs",
    "he looks grey, keeps throwing up, and the pain in his groin is unbearable",
    "gran had a tumble and now can't roll over or get up",
    "lost sensation in my penis and inner thighs since my back flared",
    "I pricked my bum with a pin and felt nothing, my back is bad",
    "I didn't even know I'd wet the bed until I woke up, and my back's in spasm",
    "my dad hasn't passed a drop of urine all day and his groin hurts",
    "since yesterday I am not controlling the toilet, the urine come out alone",
    "something make 'tak' in my hip, very strong pain, now I can not raise the leg",
    "a pop in my hip at ballet and I can't hold the leg up",
    "heard it go like a branch snapping and now my thigh won't bend up",
    "our toddler has gone off her feet today, bum-shuffling instead of walking, her hip seems sore",
    "care home resident found on the floor, right leg shortened and externally rotated",
    "numnes round my privates since this morning and my back is killing me",
    "I feel not anything when I touch between the legs since two days",
    "one of my Year 8s came in limping and now can't weight-bear",
    "my father is unable to control motion since morning, it is coming without knowing",
    "her private parts and inner thighs feel 'dead' since she lifted the sofa",
    "fell on the kerb and every time I try to put my foot down to stand it just gives way",
    "couldn't go all day and my bladder feels like it's going to burst, back is sore",
    "a twang in my groin mid-lunge, white-hot pain, and I can't get my heel off the mat",
    "my mother had her hip operation last month, now she is hot and shivering and feels very bad",
    "toppled over onto my hip on the tiles and now I cannot walk on that leg",
    "since this morning I get no warning before peeing, and my back aches",
    "our toddler's been a bit hot and keeps crawling instead of walking, his hip seems sore",
    # whether to wait, asked of someone real, is no hypothetical
    "is it ok to wait till Monday if my hip is red, swollen and hot?",
    "can mum wait for the GP tomorrow if she fell and can't stand?",
    # a general question with an event told beside it is not general
    "Does a leg that looks shorter after a fall need hospital? Dad, 80, slipped on ice.",
])
def test_lay_and_slang_words_for_the_findings_are_read(question):
    assert situations([question]), question


@pytest.mark.parametrize("question", [
    "my bum goes numb on the rowing machine but it's fine once I stand up",
    "after a long spin class my bottom and privates went numb but the feeling all came back a few minutes later",
    "I've heard that numbness down there is a warning sign, is that true?",
    "my grandad fell off a ladder in 1975 and couldn't walk for weeks, anyway what does the psoas do?",
    "almost wet myself when the massage ball hit the spot, is that normal?",
    "my physio mentioned numbness in the saddle area as a warning sign",
    "had a red swollen bursitis on my hip years back, sorted with an injection",
    "my butt went numb on the train but it's fine now I'm up",
    "the skin goes a bit pink after the massage ball, nothing swollen, is that normal?",
])
def test_passing_hearsay_and_long_past_findings_are_not_flagged(question):
    assert situations([question]) == [], question


@pytest.mark.parametrize("question", [
    # "but" ends a hypothetical's reach (a terminator whose scope holds the other's whole scope did not)
    "I can shuffle if I drag it but I can't lift the knee up at all since something tore in my hip",
    # a negation whose verb is left out negates nothing after it
    "he fell in the garden and tries to get up but he can't, and one leg looks a bit shorter",
    # what will not stop, or has not come back, goes on
    "an ache in my hip that wont quit, and I've been getting night sweats and chills",
    "my saddle area went numb this morning and it hasn't come back all day",
    # "since" ends the past's reach, as "today" does
    "I had my hip replaced last month. Since last night I've got a temperature and chills",
    # a negation or an "if" covers its own sentence only
    "No fever. Fell off a ladder and cant stand.",
    "Not sure if it matters. Fell down the steps and can't get up.",
    # "Is it normal ...?" and "Is this ...?" are asked of oneself
    "Is it normal to have a fever and groin pain a week after a hip replacement?",
    "Is my groin numb because of my back?",
    # watching something is no story about someone else
    "I was watching a film when my hip went pop and now I can't lift my leg",
])
def test_context_that_does_not_cancel(question):
    assert situations([question]), question


@pytest.mark.parametrize("question", [
    "hip isnt red or swollen or hot or anything, just a dull ache in the groin after runs",
    "sweating buckets in hot yoga and my hip flexors were burning in the lunge, is that normal?",
    "Our mare has a hot swollen hock, the vet's coming tomorrow. Do horses have an iliopsoas?",
    "numb bum after a 100km ride, gone as soon as I got off the bike. Could tight hip flexors matter?",
    "my chiro says one leg looks a bit shorter when I lie down. Had it for years, barely any pain",
    "sciatica down one leg, tingly calf, no numbness in the groin or bum, bladder's fine",
    "Had a high temp and a sore groin last week with flu, totally gone now and I feel normal",
    "my bum goes numb on long road rides but it passes once i'm off the bike, normal i think",
    "which nerve runs through the psoas that can get trapped and give groin tingling?",
    # a yes-or-no question that tells of no one asks in general
    "Does groin pain with a fever mean an infection?",
    "Is numbness in the saddle area always serious?",
    # the past, told by season or month
    "my bum went numb on a long ride back in June, never came back. How do I stretch my psoas?",
    "If someone gets a fever after a hip replacement, can it wait till the morning?",
    "What does saddle anaesthesia mean? I read it somewhere.",
    "my uncle fell off a roof in the 80s and couldn't walk for a year. Which muscle lifts the leg?",
    "watched a documentary where a man had a fever and a swollen hot hip. What is an abscess?",
    "I'm writing a novel where the hero falls off a cliff and can't walk. How do you say psoas?",
    "when my son was 4 he had an irritable hip and wouldn't walk for days. He's 12 now, can he stretch?",
    "my face goes red and hot with embarrassment when the physio works on my psoas",
    "my backside went numb for a bit on the ride but it was fine within ten minutes",
    "my 35 year old brother says his hip hurts and he can't walk far, what stretch?",
    "numb crotch after spin class, goes away in like 10 min. Is my saddle set up wrong?",
    "suppose a patient cannot pass urine after spine surgery, what is the protocol?",
    "my saddle area is fine, my mate just said numbness there is a bad sign",
    "my uncle got rushed in years ago when he couldn't pee, prostate I think",
    "in our D&D game the paladin lost all feeling down there. Which nerves supply the psoas?",
    "I turned in for the night and my hip ached a bit, is that the psoas?",
    "a nurse friend told me fever plus groin pain means A&E. I don't have either. How long do I hold a stretch?",
    "read online that a tight psoas can make you lose bladder control, is that true?",
    "back in uni my flatmate fell off a wall and couldn't stand. How often should I stretch?",
    "grandma's hip went hot and red once, a long time ago, gout they said",
    "my aunt went numb in the bum area when she was young, that was 30 yrs ago",
    "zero fever, walking fine, just a niggle in the groin when I lift my knee",
    "in the show I'm watching a character falls off a horse and can't stand. Where is the psoas?",
    "in the hospital drama last night a man got a fever after his hip surgery. Is that common?",
    # an animal's symptoms, and fiction
    "our dog has a hot swollen hip and won't put weight on the leg, do dogs have a psoas?",
    "in a film I watched, a man couldn't feel his legs or down there after a crash. What nerve is that?",
    "my partner's bum goes numb on long rides but it goes once he's off the bike",
])
def test_context_that_cancels(question):
    assert situations([question]) == [], question


def test_the_described_signal_needs_its_finding_stated_as_present(monkeypatch):
    """A question close to a situation's description counts only if the finding it names is not negated, past,
    hypothetical or passing."""
    monkeypatch.setattr(redflags, "described", lambda vectors: {"saddle numbness": 0.95})
    vectors = [np.zeros(3)]
    assert situations(["I have gone numb where it matters"], vectors) == ["saddle numbness"]
    assert situations(["I went numb where it matters but it came back in a minute"], vectors) == []


def test_an_emergency_told_earlier_in_the_chat_still_counts():
    history = ["my groin has gone hot, red and swollen and the pain is unbearable"]
    assert situations([*history, "Should I use ice or heat first?"]) == ["hot swollen joint"]
    assert situations(["Should I use ice or heat first?"]) == []


def test_the_advice_names_the_situation_first():
    message = urgent_message(["infection"])
    assert message.startswith(SITUATIONS["infection"][0]) and message.endswith(URGENT_ADVICE)
