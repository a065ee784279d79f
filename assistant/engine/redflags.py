"""Red flags: the clinical situations that need urgent care, found in a visitor's words.

A situation is a conjunction of findings ("fever" and "hip or groin" and "pain"), each found by lay-language
patterns after misspelt key words are repaired ("feaver" -> fever, "grion" -> groin). medspaCy's ConText then
reads each finding's context, so a negated ("no fever"), past ("two years ago, healed"), hypothetical ("what
if I get a fever?"), figurative ("wet myself laughing") or passing ("went numb, back in a minute") finding does
not count. The whole chat counts: a fall told in one message and "she can't stand up" in the next are one story.
"""
from __future__ import annotations

import re
import threading
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import symspellpy

from .text import english_words

# Findings: label -> patterns (Python regular expressions, matched case-insensitively on the repaired text).
_CANT = (r"(?:can ?not|can'?t|cant|no can|can no|cannae|canna|cyaan|kyaan|willnae|wullnae|winnae|couldnae|"
         r"wouldnae|widnae|"
         r"could ?not|couldn'?t|unable to|not able to|no way (?:i|he|she) can|"
         r"won'?t|wont|'ll no|will no|ha(?:ve|s)n'?t managed to|not managed to|"
         r"(?:was|is|were|are) ?n'?t|"
         r"will not|would ?n'?t|does ?n'?t|does not|don'?t|do not|refus\w* to|no longer|not|never|"
         r"(?:ha(?:ve|s)n'?t|not) been able to|barely|hardly|impossible to|too (?:painful|sore) to|"
         r"no chance (?:of|to))")
_LEG = r"(?:leg|legs|thigh|knee|hip|foot)"
FINDINGS: dict[str, list[str]] = {
    "FEVER": [
        r"\b(?:fever\w*|(?:he|she|they|baby)(?: feels?| is|'s| was)? warm to (?:the )?touch|feverish|chills?|chilly and|shiver\w*|shivery|the shakes|rigou?rs|(?:night |cold |drenching )?"
        r"sweats|sweating (?:buckets|a lot)|sweaty|burning up|boiling up|hot (?:and|&) cold|flu[- ]?like|"
        r"hot to (?:the )?touch|(?:high|a|running a|with a|got a|has a) temp(?:erature)?|hot in (?:the|her|his|my) "
        r"body|(?:hot|feverish|sweaty) (?:and|&) shak\w+|shaking (?:and|&) (?:very |really )?(?:hot|sweat\w*)|"
        r"hot as \w+|cold,? (?:and|&|then) hot|drench\w*|(?:body|whole body) (?:is )?shak\w*|sweat\w* through|"
        r"(?:can'?t|couldn'?t|could not|won'?t) stop (?:shaking|shivering)|sweat\w* like (?:a|an|crazy|mad)|"
        r"(?:hot|roast\w*|boil\w*|burn\w*|sweat\w*) one minute,? (?:and |then )?(?:freez\w*|cold|shiver\w*)|"
        r"(?:freez\w*|cold|shiver\w*) one minute,? (?:and |then )?(?:hot|roast\w*|boil\w*|burn\w*|sweat\w*)|"
        r"boil\w* (?:and|then|an) freez\w*|freez\w* (?:and|then|an) boil\w*|teeth (?:are )?chatter\w*|burnin'? up|"
        r"clammy|drenched|sheets (?:were |are )?soaked|soaked the sheets|sweat\w* (?:in|at|during) the night|"
        r"can'?t get warm|shaking under|hot body|body is (?:very |really |so )?hot|"
        r"(?:he|she|they)(?:'s| is| was| feels?) (?:a bit |very |really |so )?(?:hot|warm|roastin\w*|boilin\w*)|"
        r"like (?:i|he|she)(?: have| has| had|'ve got| got|'s got|'ve|'s) (?:the |a )?flu)\b(?![- ]like)",
        r"(?:'s|\bhas) been (?:a bit |very |really |so )?(?:hot|feverish|burning up)\b",  # "the toddler's been hot"
        r"\btemp(?:erature)?(?:'s| is| was)? (?:through the roof|sky[- ]high|really high|very high|high)\b",
        r"\btemp(?:erature)?(?:'s| is| was| has been|'s been)? (?:of |is |was |at |about |around )?(?:3[89]|"
        r"4[01]|10[0-5])\b",
        r"\b(?:3[89]|4[01]|10[0-4])\.\d\b(?! ?(?:kg|km|cm|mm|miles?|%|kilos?))",  # a reading like 38.6 or 101.5
        r"\b(?:thirty[- ]?(?:eight|nine)|forty|(?:a )?hundred and (?:one|two|three|four)) (?:point|degrees)\b",
        r"\b(?:3[89](?:\.\d)?|4[01](?:\.\d)?|10[0-5](?:\.\d)?) ?(?:°|degrees?|deg\b|c\b|f\b|temp|fever)",
    ],
    "UNWELL": [r"\b(?:not|n'?t|ain'?t) (?:acting|seeming|looking|being) (?:right|(?:him|her)self|normal)\b",
               r"\b(?:really|very|so|terribly|super|pure|proper) (?:really )?(?:unwell|ill|poorly|sick|rough|rubbish|"
               r"crook|rotten|awful)\b|"
               r"\b(?:confus\w+|muddled|delirious|not making sense|drowsy|feel(?:s|ing)? (?:very |really |so )?(?:terrible|bad|awful)|crook as|a bit off|"
               r"off (?:colou?r|his food|her food)|not eating|very weak|talking (?:nonsense|rubbish|gibberish)|"
               r"look(?:s|ing)? (?:grey|gray|awful|terrible)|throwing up|vomit\w*)\b"],
    "REGION": [r"\b(?:hips?|groin\w*|thighs?|pelvi[cs]\w*|leg|legs|buttocks?|where (?:my|his|her|the) leg joins|"
               r"top of (?:my|his|her|the) leg|iliopsoas|psoas|iliacus|hip flexors?)\b"],
    "PAIN": [r"\b(?:pain\w*|hurt\w*|sore\w*|aches?|aching|agony|agonising|agonizing|throb\w*|killing|kills|crook|"
             r"screams?|screaming|cries|crying|tender|burning|worse|niggl\w*|playing up|grief|gyp|jip|murder|in bits|"
             r"(?:is|are|'s) at (?:me|him|her)|nipp\w*|stabb\w*|shooting|searing|curry|loup\w*|"
             r"giving (?:me|him|her) (?:\w+ )?hell)\b"],
    "SEVERE": [r"\b(?:severe\w*|intense|excruciating|white[- ]hot|unbearable|agony|agoni[sz]ing|worst|terrible|extreme\w*|"
               r"horrible|awful|screaming|scream(?:s|ed)?|yell(?:s|ed)|yelp(?:s|ed)?|shriek(?:s|ed)?|howl(?:s|ed)?|"
               r"like crazy|something fierce|searing|(?:very |really |so )?strong pain|like mad|like hell|"
               r"like buggery|in tears|(?:nearly|almost) "
               r"(?:pass(?:ed)? out|faint\w*)|can'?t (?:even )?(?:let|bear) (?:the|anything)|really really)\b"],
    "HOT": [r"\b(?:hot(?! (?:yoga|weather|day|bath|shower|tub|water|room|class))|burning hot|roasting|"
            r"warm to (?:the )?(?:touch|palpation)|heat coming off|on fire|(?:warm|hot) like|"
            r"burning (?:to (?:the )?touch|when (?:i|you|we) touch))\b"],
    "RED": [r"\b(?:red|redness|erythema\w*|reddish|bright red|red raw|flushed|angry[- ]looking|pink|purple)\b"],
    "SWOLLEN": [r"\b(?:swollen|swelling|swelled|swell(?:s|ing)? up|puff(?:y|ed (?:\w+ )?up|ing up)|balloon\w*|"
                r"come up (?:like|big)|big swollen|inflamed|bulging)\b"],
    "SURGERY": [r"\b(?:hip (?:op|operation|surgery|replacement|replaced|arthroscopy)|(?:had|has) (?:(?:his|her|my) )?"
                r"hips? (?:replaced|done|operated)|(?:my|ma|his|her) (?:new |total )?hip (?:was |were )?(?:done|"
                r"replaced)|"
                r"total hip|thr|(?:keyhole|hip) surgery|operation (?:on|for) (?:(?:my|his|her|the) )?hip|"
                r"(?:steroid|cortisone) (?:injection|shot|jab)|surgery on (?:my|his|her) hip|new hip|hip pinned|"
                r"pinned hip|(?:fixed|repaired|mended|pinned|operated on|replaced) (?:my|his|her|the) hip)\b"],
    "FALL": [r"\b(?:fell|falls?|falling|fallen|tripped|trip over|slipped|slip on|slipping|went down|landed|"
             r"drop(?:ped)? down|dropped to the (?:floor|ground)|found on the (?:floor|ground)|"
             r"ate (?:it|shit|dirt|the (?:pavement|floor|ground|ice))|"
             r"(?:had to|to) carry (?:me|him|her)|(?:took|take|had|taken) a (?:\w+ )?(?:spill|header|purler|digger)|"
             r"knocked (?:down|over|off)|hit by|accident|crash\w*|collision|came off|come off|came aff|come aff|"
             r"(?<!feel )(?<!feels )(?<!felt )(?<!feeling )(?<!i'm )(?<!so )wiped out|"
             r"stacked it|tumbl\w*|toppl\w*|missed (?:a|the) (?:\w+ )?(?:step|stair)|tackled?|went (?:my|his|"
             r"her) length|took a (?:\w+ )?(?:hit|knock|bang)|"
             r"had to be carried|carried (?:me|him|her) off|flattened|mowed down|went over|gone over|"
             r"rear[- ]ended|clipped|struck|kicked (?:me|him|her|by)|(?:got|was|been) kicked|"
             r"run over|bowled over|(?:took|copped|got|cop|take) a (?:\w+ )?(?:hit|knock|bang|whack|smack|blow)|"
             r"hit the (?:deck|ground|floor)|went (?:flying|arse over)|came a cropper)\b(?! asleep)"],
    "NO_WEIGHT": [
        _CANT + r"\s+(?:\w+\s+){0,3}?(?:bear|put|take)\s+(?:\w+\s+){0,3}?weight",
        _CANT + r"\s+(?:\w+\s+){0,2}?weight[- ]?bear",
        _CANT + r"\s+(?:\w+\s+){0,2}?put (?:\w+ ){0,2}?(?:foot|leg|weight) (?:down|on|to the (?:ground|floor))",
        r"(?:'s|'m|\bis|\bare|\bam) no (?:walking|standing|putting|bearing|stepping)\b",  # Scots: "he's no walking"
        _CANT + r"\s+(?:\w+\s+){0,2}?(?:stand(?:ing)?|walk(?:ing)?|get up|get off|stand up|weight|move|step|get to|"
        r"roll over|turn over|"
        r"want (?:to )?walk|get (?:\w+ ){0,2}?up|take (?:a |one )?(?:single )?step)\b(?! (?:sitting|it when|"
        r"being|people|the (?:thought|idea)))",
        r"\b(?:stand|walk|get up|stand up|step)(?: \w+){0,4}? (?:i|he|she|they) (?:can'?t|couldn'?t|cannot|"
        r"can not)\b",
        r"\b(?:put|putting|take|taking|bear|bearing) (?:any )?weight (?:\w+ ){0,6}?(?:pass(?:ed)? out|faint\w*|"
        r"collaps\w*|gives? way|buckl\w*|scream\w*)",
        r"\b(?:try|tries|tried|trying) to (?:stand|walk|step|take a step|get up|put (?:\w+ )?(?:foot|leg|weight) "
        r"(?:down|on))(?: \w+){0,6}? (?:pass(?:ed)? out|"
        r"faint\w*|collaps\w*|gives? way|buckl\w*|scream\w*)",
        r"\b(?:standing|walking|putting (?:\w+ ){0,2}?(?:foot|leg|weight) (?:down|on \w+)|weight[- ]bearing) "
        r"(?:\w+ )?(?:is|was) (?:impossible|out of the question|agony)",
        r"\b(?:standing|walking|putting (?:\w+ ){0,2}?(?:foot|leg|weight) (?:down|on \w+)|weight[- ]bearing) "
        r"(?:\w+ ){0,6}?(?:(?:is|was|'s) ?n'?t|(?:is|was|'s) not|ain'?t) happening",
        r"\b(?:stopped|stops|refus\w+|refusing) (?:\w+ )?(?:walking|to walk|to stand|to put|standing)\b",
        r"\b(?:still (?:on|lying on) the (?:floor|ground)|stuck on the floor|can'?t get off the floor|"
        r"collapses? when|gives way completely|(?:leg|legs|knee|hip) (?:just |keeps |kept |then )?(?:buckl\w*|"
        r"gives? way|gave way|"
        r"collaps\w*)|buckles? (?:under|when|as soon|the (?:second|moment|minute))|"
        r"(?:won'?t|wont|will not|can'?t|doesn'?t|wouldn'?t) (?:take|hold|support|carry) (?:me|him|her|my weight|"
        r"his weight|her weight)|"
        r"(?:without )?hop\w* (?:everywhere|around|about|on (?:the|my|his|her) (?:other|good) (?:leg|foot))|"
        r"(?:clinging|holding on) to (?:the )?(?:furniture|walls?|worktops?)|"
        r"without holding (?:on to )?(?:the )?(?:wall|furniture)|can'?t manage a (?:single )?step|"
        r"drags? (?:himself|herself|myself) along|(?:gone|went|is|'s) off (?:her|his|my|their) feet|"
        r"(?:bum|bottom)[- ]?shuffl\w*|instead of walking)\b",
    ],
    "DEFORMITY": [
        r"\b(?:deform\w*|misshapen|crooked|shortened|(?:externally|internally) rotated|"
        r"(?:weird|odd|strange|unnatural|funny) angle|the wrong way|"
        r"out of (?:its )?(?:place|socket)|(?:sticking|poking) out|the wrong shape|a (?:funny|weird|odd|strange) shape|"
        r"looks? (?:all |really |so |a bit )?(?:wrong|"
        r"weird|odd|"
        r"strange|funny|bent|deformed))\b",
        r"\b(?:shorter|short) than (?:the )?other\b|\blooks? (?:(?:a lot|much|a bit|more) )?short(?:er)?\b|"
        r"\bmore short\b|\b(?:leg|one) (?:is|looks|seems) (?:\w+ )?shorter\b|\blooks? (?:\w+ ){0,3}?shorter\b|"
        r"\bshorter th[ae]n (?:the )?other\b",
        r"\b(?:turned|rolled|twisted|rotated|pointing|points|turns|go(?:es)?|flop\w*|lying|lies) "
        r"(?:\w+ ){0,2}?(?:out(?:wards?)?|to the (?:outside|inside|side)|outward|inward|sideways)\b"
        r"(?! (?:of|for|with|by|on|at|to))",
        # "turned in", not "goes away in ten minutes" or "turned in for the night"
        r"\b(?:turned|twisted|rotated|rolled|pointing|points|turns) in(?:wards?)?\b"
        r"(?! (?:for|to|bed|early|at|the|a|my|his|her|on|time))",
    ],
    "NUMB": [r"\b(?:numb\w*|no feeling|(?:can'?t|cannot|can not|couldn'?t) (?:\w+ )?feel|"
             r"(?:seat|toilet|loo|saddle|chair) (?:was ?n'?t|is ?n'?t|was not|is not) (?:even |really )?there|"
             r"lost (?:the |all )?(?:feeling|sensation)|no sensation|(?:feel(?:s|ing)?|felt) nothing|dead numb|pins and needles|tingl\w*|"
             r"(?:feels?|feeling|gone|went|sort of|kind of|kinda) (?:all |completely |a bit )?['\"]?dead|"
             r"(?:don'?t|do not|doesn'?t|does not|didn'?t|not|no) feel (?:my|his|her|the)|"
             r"feels? (?:sort of |kind of )?asleep|(?:can|could) (?:barely|hardly) feel|dead (?:patch|spot|area|"
             r"bit)|fuzzy|"
             r"dentist|novocaine|an(?:a)?esthe(?:tic|sia)|(?:gone|went|going|fallen) to sleep|"
             r"(?:reduced|altered|decreased|diminished|loss of) (?:sensation|"
             r"feeling)|"
             r"par(?:a)?esthesi\w*|hyp(?:o|a)(?:a)?esthesi\w*|feel (?:not|no) (?:anything|nothing|a thing)|(?:not|n'?t|no|never) (?:\w+ )?feel (?:anything|"
             r"a thing|nothing)|"
             r"(?:like|as if) (?:it|they)(?:'s| is| are|'re)? (?:sleeping|asleep)|(?:is|are|feels?) like (?:sleeping|"
             r"asleep))\b"],
    "SADDLE": [r"\b(?:groin|saddle|genitals?|genital area|privates?|private (?:parts?|area)|down there|"
               r"between (?:my|his|her|the) legs|crotch|perineum|inner thighs?|inside of (?:my |his |her )?thighs|"
               r"buttocks|bum|bottom|backside|back passage|sit ?bones|anus|vagina|vulva|penis|scrotum|testicles|"
               r"taint|butt(?: cheeks)?|arse|nether regions|lady bits|(?:my|his|her) bits|undercarriage|"
               r"where (?:i|you|you'?d|he|she|we) sits?|down below|(?:my|his|her) seat|(?:toilet|loo) seat|"
               r"seat under (?:me|him|her)|bits? (?:you|i|you'?d|we) (?:would )?sit on|sit on a (?:horse|bike|"
               r"saddle)|"
               r"toilet paper|when (?:i|he|she) wipes?|wiping)\b"],
    "CONTINENCE_LOSS": [
        r"\b(?:lost|los|losing|lose|loss of|no) (?:\w+ ){0,2}?control (?:of|over) (?:my |his |her |me |ma )?"
        r"(?:bladder|bowels?|bowls|pee|wee|poo)",
        r"\b(?:lost|losing|lose|loss of) (?:my |his |her |all )?(?:bladder|bowels?|bowls) control\b",
        r"\b(?:didn'?t|did not|never) (?:even )?(?:know|realis\w*|realiz\w*|notice\w*) (?:i'?d|i had|he'?d|she'?d|i|he|"
        r"she) (?:wet|peed|weed|soiled|pooed)\b",
        r"\b(?:not|n'?t) controll?(?:ing)? (?:the |my |his |her )?(?:toilet|bladder|bowels?|pee|wee|urine)\b",
        r"\b(?:urine|pee|wee|poo) (?:just )?(?:comes?|came|coming) out (?:alone|by itself|on its own|without)\b",
        r"\bno warning (?:before|when) (?:i |he |she )?(?:pee|wee|poo)\w*",
        r"\b(?:coming|comes|came|passing) (?:out )?without (?:him |her |me |them )?(?:knowing|noticing|feeling|"
        r"realising|realizing)\b",
        r"\b(?:pee|peed|peeing|wee|weed|weeing|poo|pooed|pooing|piss\w*) (?:\w+ )?in (?:my|his|her|the|me|ma) "
        r"(?:trousers|troosers|pants|knickers|undies|bed|nappy|sleep)\b",
        r"\b(?:f(?:a)?ecal (?:leak\w*|soiling)|(?:urinary|bladder|bowel) leakage|incontinen\w+|(?:wet|wetting|"
        r"peed|peeing|weed|weeing|messed|messing|soiled|soiling|pooed|pooing|"
        r"pooped|pooping|pissed|pissing|shat) "
        r"(?:myself|himself|herself|self|my pants|his pants|her pants|my trousers|the bed))\b",
        r"\b(?:accidents? with (?:my |his |her |the )?(?:bladder|bowels?|waterworks)|(?:wee|pee|poo|toilet|potty|"
        r"bladder|bowel) accidents?|dribbl\w* (?:urine|wee|pee)|"
        r"(?:don'?t|do not|doesn'?t|does not|no longer|never|can'?t) (?:get|feel) (?:the |any |a )?(?:normal |usual )?"
        r"urge|leak\w* (?:of )?(?:urine|wee|"
        r"pee|poo|all over)|"
        r"woke up wet|leak\w*(?: \w+){0,3} (?:without|not) (?:realis|realiz|notic|feel|know)\w*|(?:didn'?t|"
        r"couldn'?t|did not|could not|never) (?:quite )?(?:make it|get) to the (?:toilet|loo|"
        r"bathroom|jacks|john|dunny|lav\w*|restroom|washroom|wc) in time|"
        r"(?:didn'?t|did not|never) (?:quite )?make it to the (?:toilet|loo|bathroom|jacks|john|dunny|lav\w*|"
        r"restroom|washroom|wc)|(?:didn'?t|did not|never) (?:even )?(?:feel|know|notice|realise|realize) (?:that )?"
        r"(?:i|he|she) (?:needed|had) to go|"
        r"(?:knickers|pants|underwear|trousers) (?:were |was |are |is )?wet|"
        r"accident (?:\([^)]*\) )?in (?:(?:my|his|her|ma|me|the) )?(?:pants|trousers|troosers|knickers|undies|nappy|bed)|"
        r"(?:bowels?|bowls|bladder) (?:went|gave (?:way|out)|let go)\b|(?:doesn'?t|didn'?t|don'?t|couldn'?t|"
        r"could not|"
        r"without|not) (?:even )?(?:feel|notic|know|realis|realiz)\w* (?:it |them |they |he |she |i )?(?:was |were )?"
        r"(?:coming|happen\w*|going)|can'?t (?:really )?tell when (?:i|he|she) need|"
        r"can'?t (?:really )?tell when (?:my|his|her) bladder|"
        r"didn'?t (?:feel|know) (?:i|he|she) (?:was|had) (?:peeing|weeing|wet))\b",
        _CANT + r"\s+(?:\w+\s+){0,1}?hold (?:in )?(?:my |his |her |me |ma )?(?:wee|pee|urine|water|bladder|"
                r"bowels?|bowls|"
        r"poo)\b",
        _CANT + r"\s+(?:\w+\s+){0,1}?control (?:when (?:i|he|she) )?(?:my |his |her )?"
        r"(?:bladder|bowels?|bowls|pee|wee|poo|motions?|stools?|urine|go (?:to )?(?:the )?toilet|"
        r"goes (?:to )?(?:the )?toilet)",
    ],
    "RETENTION": [
        _CANT + r"\s+(?:\w+\s+){0,2}?(?:pee|wee|piss|urinate|pass (?:urine|water|a drop)|do a wee|"
        r"go for a (?:wee|pee|piss|leak)|"
        r"take a (?:leak|piss|pee|wee)|make (?:the )?(?:urine|water|a wee|pee)|"
        r"empty (?:my|his|her) bladder|make (?:pipi|pee ?pee|wee ?wee))\b",
        r"\b(?:haven'?t|hasn'?t|havent|hasnt|have not|has not|didn'?t|did not) (?:\w+ )?(?:peed|weed|urinated|"
        r"passed (?:a drop of |any )?(?:urine|water))\b",
        r"\b(?:only|just) (?:managed |manage |get |getting |got )?a dribble\b",
        r"\bbladder (?:feels |is )?(?:like it'?s |like it is )?(?:going to|gonna|about to|ready to) (?:burst|explode|pop)\b",
        r"\b(?:urine|pee|wee|water) (?:is |was |just )?(?:not|n'?t|is ?n'?t|wo ?n'?t|won'?t) (?:coming|come|passing|"
        r"flowing)\b",
        r"\b(?:urinary retention|retention of urine|(?:hasn'?t|hasnt|has not|not|unable to|can'?t) void(?:ed)?)\b",
        r"\b(?:nothing (?:\w+ )?(?:come|comes|came|coming) out|no (?:pee|wee|urine) (?:comes|came) out|"
        r"trying to (?:pee|wee)(?: \w+){0,3} (?:but )?nothing|straining (?:to (?:pee|wee) )?and nothing|"
        r"(?:try|trying|tried|going)(?: and (?:try|trying|tried))+ (?:and |but )?nothing (?:comes|coming|came)|"
        r"(?:has ?n'?t|have ?n'?t|not) (?:had|done|passed) a (?:wee|pee|piss|leak)|"
        r"(?:barely|only) (?:get |getting |got |manage |managed )?a trickle|"
        r"trouble (?:starting to |getting the )?(?:pee|wee|urinat\w*|flow))\b",
    ],
    "POP": [r"\b(?:pop(?:ped)?|snapp?(?:ed|ing)?|crack(?:ed)?|twang(?:ed)?|ping(?:ed)?|tore|torn|tear(?:ing)?|"
            r"ripp?(?:ed|ing)?|"
            r"like (?:someone|somebody|something) (?:shot|kicked|stabbed) me|go ping|went ping|"
            r"something (?:in (?:my|the|his|her) \w+ )?(?:went|gave|go|goes)|felt something go|big noise|loud noise|"
            r"clunk|(?:very|so|really) loud|(?:make|made|makes|go|went|goes) ['\"]\w+['\"]|heard (?:it|something) go|"
            r"loud (?:crack|pop|snap|bang|click)|went (?:bang|snap|crack|pop|twang)|"
            r"(?:a|big|loud|almighty) bang)\b"],
    "NO_LIFT": [
        _CANT + r"\s+(?:\w+\s+){0,3}?(?:lift|raise|move|bring|get|swing|bend|cock|pick|hitch|flex|hold)\s+(?:\w+\s+){0,3}?"
        + _LEG + r"\b",
        r"\b" + _LEG + r"\s+(?:\w+\s+){0,2}?" + _CANT + r"\s+(?:\w+\s+){0,3}?"
        r"(?:lift|move|come up|go up|going up|coming up|lifting|moving|work|bend|budge|respond|go forward|move forward|"
        r"come forward|swing|do anything|"
        r"do it)\b",
        _CANT + r"\s+(?:\w+\s+){0,2}?(?:lift|raise|pull|bring|hitch|get|flex) it(?: up| forward)?\b",
        r"\b" + _LEG + r"(?:'s)? (?:is |just )*(?:hanging|dangling|flopping|hangs|dangles|flops) (?:there|limp|useless|"
        r"down)|\b" + _LEG + r"(?:'s)? (?:is |just )*(?:useless|a dead weight|dead weight)\b",
        _CANT + r"\s+(?:\w+\s+){0,3}?(?:go up|climb|get up) (?:a |the )?(?:step|stairs|kerb|curb)\b",
        _CANT + r"\s+(?:\w+\s+){0,2}?(?:lift|get|raise) (?:my|his|her|the) (?:heel|foot|leg|knee) (?:up )?off "
        r"(?:the )?(?:mat|floor|bed|ground)\b",
        _CANT + r"\s+(?:\w+\s+){0,2}?(?:lift|raise|get) (?:my|his|her|the) \w+ (?:up )?(?:onto |up )?(?:a |the )?"
        r"(?:step|stairs|kerb|curb|bed|car)\b",
    ],
    "SUDDEN": [r"\b(?:sudden(?:ly)?|all of a sudden|out of nowhere|out of the blue|just now)\b"],
    "CHILD": [r"\b(?:child|children|kid|kids|son|daughter|boy|girl|toddler|baby|little one|teen\w*|"
              r"(?:1[0-7]|[1-9])[- ]?(?:yo|y/o|yr|yrs|year|years)[- ]?old|(?:1[0-7]|[1-9]) ?(?:yo|y/o)|young fella|lad|"
              r"grandson|granddaughter|nephew|niece|grandkids?|grandchild\w*|kiddo|kiddie|bub|bubba|youngster|nipper|"
              r"bairn|wean|tot|(?:he|she)(?:'s| is) (?:[1-9]|1[0-7])\b(?! ?(?:/|out|%|\.\d))|my (?:little|"
              r"young) \w+|wee one|little (?:fella|lad|man)|our youngest|"
              r"u\d{1,2}s?|under[- ]?\d{1,2}s|year (?:[1-9]|1[0-3])s?|i'?m (?:1[0-7]|[4-9])|aged? (?:[1-9]|1[0-7]))\b", r"\((?:[1-9]|1[0-7])\)"],
    "LIMP": [r"\b(?:limp\w*|hobbl\w*)\b"],
    "NO_MOVE_HIP": [
        r"\b(?:won'?t|wont|doesn'?t|does not|will not|would ?n'?t|could ?n'?t|refus\w* to) (?:\w+ (?:or|and) )?(?:let|allow) "
        r"(?:\w+ ){0,3}?(?:touch|move|bend|near|turn|straighten|wiggle|shift|lift|examine|change)\b",
        r"\bscream(?:s|ed)? (?:\w+ ){0,3}?(?:move|touch|bend|change|held|holds|hold)",
        r"\b(?:cries|cry|cried|crying|greeting|greets|grat) (?:\w+ ){0,4}?(?:move|touch|bend|change|straighten|lift|pick)",
        r"\bkeeps? (?:\w+ ){0,2}?(?:leg|hip) (?:really |very )?still\b",
    ],
}

# Situations: name -> what the visitor is told, and the sets of findings any one of which makes it.
SITUATIONS: dict[str, tuple[str, list[set[str]]]] = {
    "infection": (
        "A fever, chills or feeling very unwell together with hip, groin or thigh pain, or after a hip "
        "operation or injection, can be an infection that needs treatment today.",
        [{"FEVER", "REGION", "PAIN"}, {"FEVER", "SURGERY"}, {"UNWELL", "SURGERY"}, {"FEVER", "REGION", "SWOLLEN"},
         {"UNWELL", "REGION", "SEVERE"}],
    ),
    "fracture": (
        "Not being able to stand, walk or bear weight after a fall or knock, or a leg that looks shorter, "
        "turned out or deformed, can be a broken hip.",
        [{"FALL", "NO_WEIGHT"}, {"SEVERE", "NO_WEIGHT"}, {"DEFORMITY", "FALL"}, {"DEFORMITY", "PAIN"},
         {"DEFORMITY", "NO_WEIGHT"}, {"DEFORMITY", "SUDDEN"}],
    ),
    "saddle numbness": (
        "Numbness around the groin, genitals, inner thighs or buttocks can mean pressure on the nerves at the "
        "base of the spine (cauda equina syndrome), which needs treatment today.",
        [{"NUMB", "SADDLE"}],
    ),
    "bladder or bowel": (
        "New loss of bladder or bowel control, or not being able to pass urine, can mean pressure on the nerves "
        "at the base of the spine (cauda equina syndrome), which needs treatment today.",
        [{"CONTINENCE_LOSS"}, {"RETENTION"}],
    ),
    "rupture": (
        "A sudden pop, snap or tear, or sudden severe pain, followed by a leg you cannot lift or move can be a "
        "torn muscle or tendon or a fracture.",
        [{"POP", "NO_LIFT"}, {"POP", "NO_WEIGHT"}, {"POP", "SEVERE"}, {"SUDDEN", "SEVERE"}, {"SUDDEN", "NO_LIFT"},
         {"SEVERE", "NO_LIFT"}],
    ),
    "child": (
        "A child or teenager with a fever or a limp who will not walk, stand or let the hip be moved needs to be "
        "seen by a doctor today: it can be a joint infection or a hip problem of growing bones.",
        [{"CHILD", "FEVER", "NO_WEIGHT"}, {"CHILD", "LIMP", "NO_WEIGHT"}, {"CHILD", "NO_MOVE_HIP"},
         {"CHILD", "REGION", "NO_WEIGHT"}, {"CHILD", "FEVER", "REGION", "PAIN"}],
    ),
    "hot swollen joint": (
        "A hot, red, swollen and very painful hip or groin can be a joint infection.",
        [{"HOT", "RED", "REGION"}, {"HOT", "SWOLLEN", "REGION"}, {"RED", "SWOLLEN", "REGION"},
         {"SWOLLEN", "REGION", "SEVERE"}],
    ),
}

# Context that cancels a finding, added to medspaCy's own negation rules: (literal, category, direction).
# Categories other than NEGATED_EXISTENCE, HISTORICAL and HYPOTHETICAL are ours; all of them cancel.
CANCELLING = {"NEGATED_EXISTENCE", "DENIED", "HISTORICAL", "HYPOTHETICAL", "FIGURATIVE", "PASSING", "NEAR_NEGATION",
              "ANIMAL", "FICTION"}
# Findings that are past by nature: an operation told "last month" still counts ("had her hip pinned last month,
# today she is muddled").
PAST_BY_NATURE = {"SURGERY": {"HISTORICAL"}}
# How many tokens each category reaches (DEFAULT_SCOPE otherwise): what passed or healed is often told well
# after the finding ("went numb on the ride, but it goes away when I stand"), a hypothetical covers its clause,
# and "nearly" or "nothing" only the next word or two ("nearly peed myself", "nothing swollen").
SCOPES = {"PASSING": 16, "HISTORICAL": 12, "HYPOTHETICAL": 8, "NEAR_NEGATION": 2, "ANIMAL": 12, "FICTION": 16,
          "DENIED": 16}
DEFAULT_SCOPE = 6  # "no numbness in the groin or bum": a negation covers a short list
# A cue that cancels only some findings: the heat of a workout or a sauna explains sweating, not a fall.
ONLY_FOR = {"hot yoga": {"FEVER"}}
CONTEXT_RULES: list[tuple[str, str, str, list | None]] = [
    # The past, and what has healed since.
    ("years ago", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"REGEX": r"^(years?|yrs?|months?|decades?|time|ages)$"}},
                                             {"LOWER": {"IN": ["ago", "back"]}}]),
    ("last year", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "last"}, {"LOWER": {"IN": ["year", "summer", "winter",
                                                                                     "month", "spring"]}}]),
    ("when i was", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "when"}, {"LOWER": {"IN": ["i", "he", "she"]}},
                                                   {"LOWER": "was"},
                                                   {"LOWER": {"REGEX": r"^(a|young|younger|little|small|\d+)$"}}]),
    ("when my son was", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "when"},
                                                        {"LOWER": {"IN": ["my", "our", "his", "her"]}},
                                                        {"IS_ALPHA": True}, {"LOWER": "was"},
                                                        {"LOWER": {"REGEX": r"^(a|younger|little|\d+)$"}}]),
    ("used to", "HISTORICAL", "FORWARD", None),
    ("back in", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "back"}, {"LOWER": "in"},
                                                {"LOWER": "the", "OP": "?"},
                                                {"LOWER": {"REGEX": r"^(\d+|spring|summer|autumn|fall|winter|uni|"
                                                                    r"university|college|school|"
                                                                    r"january|february|march|april|may|june|july|"
                                                                    r"august|september|october|november|december)$"}}]),
    ("healed", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["healed", "recovered", "resolved", "cleared",
                                                                "sorted"]}}]),
    ("now gone", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["now", "since", "long"]}},
                                                {"LOWER": {"IN": ["gone", "fine", "better", "healed"]}}]),
    # not "all gone": "my groin and bum have all gone numb"
    ("gone now", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["totally", "completely", "all"]}, "OP": "?"},
                                                {"LOWER": "gone"}, {"LOWER": "now"}]),
    ("all better", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "all"}, {"LOWER": {"IN": ["fine", "better", "healed"]}}]),
    ("nothing broken", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "nothing"}, {"LOWER": {"IN": ["broken", "serious",
                                                                                             "showed", "found"]}}]),
    ("got checked", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["got", "been", "was", "were"]}},
                                                   {"LOWER": {"IN": ["checked", "x-rayed", "scanned", "cleared"]}}]),
    ("normal ever since", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["fine", "normal", "ok", "okay", "better",
                                                                         "good", "grand"]}},
                                                        {"LOWER": "ever"}, {"LOWER": "since"}]),
    ("back to normal", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["but", "and"]}, "OP": "?"},
                                                      {"LOWER": {"IN": ["it", "that", "this", "everything", "all"]},
                                                       "OP": "?"},
                                                      {"LOWER": {"IN": ["'s", "s", "is", "was", "were", "went", "came",
                                                                        "got"]}, "OP": "?"},
                                                      {"LOWER": "back"}, {"LOWER": "to"}, {"LOWER": "normal"}]),
    # Long-standing, not new: "one leg looks shorter, had it for years".
    ("had it for years", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["had", "have", "has", "been"]}},
                                                        {"LOWER": {"IN": ["it", "this", "that", "like"]}, "OP": "?"},
                                                        {"LOWER": {"IN": ["that", "this"]}, "OP": "?"},
                                                        {"LOWER": "for"},
                                                        {"LOWER": {"IN": ["years", "ages", "decades"]}}]),
    # The present ends the past's reach: "had her hip pinned last month. Today she's muddled", "since last night".
    ("today", "TERMINATE", "TERMINATE", [{"LOWER": {"IN": ["today", "tonight", "currently", "since", "now"]}}]),
    ("i've been", "TERMINATE", "TERMINATE", [{"LOWER": {"IN": ["'ve", "have", "has"]}}, {"LOWER": "been"},
                                             {"LOWER": {"IN": ["getting", "having", "feeling"]}}]),
    ("in 1962", "HISTORICAL", "BIDIRECTIONAL", [{"LOWER": "in"}, {"LOWER": "the", "OP": "?"},
                                                {"LOWER": {"REGEX": r"^((19|20)\d\d|(19|20)?\d0'?s|'\d0s)$"}}]),
    # The hypothetical and the general.
    ("what if", "HYPOTHETICAL", "FORWARD", None),
    ("suppose", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["suppose", "supposing", "imagine", "hypothetically"]}}]),
    ("i've heard", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["'ve", "ve", "have"]}},
                                              {"LOWER": {"IN": ["heard", "read"]}}]),
    ("heard that", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["heard", "read"]}},
                                              {"LOWER": {"IN": ["that", "about"]}}]),
    ("read online", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["read", "saw", "seen"]}},
                                               {"LOWER": {"IN": ["on", "online", "somewhere", "in"]}}]),
    # What a clinician said is general advice; what a client or a relative mentioned is a symptom.
    ("physio mentioned", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["physio", "doctor", "gp", "nurse", "surgeon",
                                                                      "physiotherapist", "trainer", "coach"]}},
                                                    {"LOWER": {"IN": ["mentioned", "mentions"]}}]),
    ("in case", "HYPOTHETICAL", "FORWARD", None),
    ("if", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["if", "whether"]}}]),
    ("signs of", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["sign", "signs", "symptom", "symptoms", "warning",
                                                              "flags"]}},
                                            {"LOWER": {"IN": ["of", "that", "for", "like"]}}]),
    ("is a bad sign", "HYPOTHETICAL", "BACKWARD", [{"LOWER": {"IN": ["is", "'s", "are", "be"]}},
                                                  {"LOWER": {"IN": ["a", "an"]}, "OP": "?"},
                                                  {"LOWER": {"IN": ["bad", "warning", "serious", "danger", "red"]}},
                                                  {"LOWER": {"IN": ["sign", "signs", "flag", "flags"]}}]),
    ("red flags", "HYPOTHETICAL", "BIDIRECTIONAL", [{"LOWER": "red"}, {"LOWER": {"IN": ["flag", "flags"]}}]),
    ("when should", "HYPOTHETICAL", "FORWARD", [{"LOWER": "when"}, {"LOWER": {"IN": ["should", "do", "would",
                                                                                    "is"]}}]),
    ("watch out for", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["watch", "look"]}}, {"LOWER": "out",
                                                                                      "OP": "?"},
                                                 {"LOWER": "for"}]),
    ("that can", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["that", "which"]}},
                                            {"LOWER": {"IN": ["can", "could", "may", "might"]}}]),
    ("avoid", "HYPOTHETICAL", "FORWARD", [{"LOWER": {"IN": ["avoid", "prevent", "preventing", "avoiding"]}}]),
    # Fiction and documentaries: "in a TV drama a patient says she can't feel down there", "watched a medical drama
    # where ..."; not "I was watching a film when my hip went pop".
    ("in a film", "FICTION", "BIDIRECTIONAL", [{"LOWER": {"IN": ["in", "from"]}},
                                              {"LOWER": {"IN": ["a", "the", "this", "that", "our", "my"]}, "OP": "?"},
                                              {"IS_PUNCT": False, "OP": "?"},
                                              {"LOWER": {"IN": ["tv", "telly", "drama", "film", "movie", "novel",
                                                                "book", "episode", "series", "soap", "programme",
                                                                "program", "play", "sitcom", "story",
                                                                "documentary", "game", "campaign", "rpg", "show"]}}]),
    ("a character", "FICTION", "BIDIRECTIONAL", [{"LOWER": {"IN": ["character", "characters"]}}]),
    ("watched a drama", "FICTION", "BIDIRECTIONAL", [{"LOWER": {"IN": ["watched", "watching", "read", "reading",
                                                                      "saw", "writing", "wrote"]}},
                                                    {"LOWER": {"IN": ["a", "the", "this", "that"]}, "OP": "?"},
                                                    {"IS_ALPHA": True, "OP": "?"},
                                                    {"LOWER": {"IN": ["drama", "novel", "soap", "sitcom",
                                                                      "documentary", "episode", "series"]}}]),
    # Figures of speech and passing, harmless causes.
    # Not "lol" or "haha": people write them after real falls too ("fell off my skateboard lol and cant walk").
    ("nearly", "NEAR_NEGATION", "FORWARD", [{"LOWER": {"IN": ["nearly", "almost", "nothing"]}}]),
    ("barely any", "NEAR_NEGATION", "FORWARD", [{"LOWER": {"IN": ["barely", "hardly"]}}, {"LOWER": "any"}]),
    # Apostrophes left out: spaCy reads "isnt" as "is" + "nt", and medspaCy's own rules know only "n't".
    ("nt", "NEGATED_EXISTENCE", "FORWARD", [{"LOWER": "nt"}]),
    ("zero", "NEGATED_EXISTENCE", "FORWARD", [{"LOWER": "zero"}]),
    # Denied after a general statement: "fever plus groin pain means A&E. I don't have either".
    ("i don't have either", "DENIED", "BACKWARD", [{"LOWER": {"IN": ["do", "have"]}}, {"LOWER": {"IN": ["n't", "nt", "not"]}},
                                                   {"LOWER": "have", "OP": "?"},
                                                   {"LOWER": {"IN": ["either", "any", "those", "them", "none"]}}]),
    # A verb left out negates nothing after it: "he tries to get up but he can't, and one leg looks shorter".
    ("can't,", "NEGATED_EXISTENCE", "PSEUDO", [{"LOWER": {"IN": ["n't", "nt", "not"]}}, {"IS_PUNCT": True}]),
    # What will not stop goes on: "an ache that won't quit, and night sweats".
    ("won't quit", "NEGATED_EXISTENCE", "PSEUDO", [{"LOWER": {"IN": ["n't", "nt", "not"]}},
                                                  {"LOWER": {"IN": ["quit", "stop", "ease", "settle", "shift", "go",
                                                                    "let"]}},
                                                  {"LOWER": {"IN": ["away", "off", "up", "down"]}, "OP": "?"}]),
    ("hasn't come back", "PASSING", "PSEUDO", [{"LOWER": {"IN": ["n't", "nt", "not", "never"]}},
                                              {"LOWER": {"IN": ["come", "came", "gone", "went", "worn", "wore"]}},
                                              {"LOWER": {"IN": ["back", "away", "off"]}}]),
    # An animal's emergency is the vet's: "our mare has a hot swollen hock".
    ("our horse has", "ANIMAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["our", "my", "the", "his", "her", "their"]}},
                                                  {"LOWER": {"IN": ["horse", "pony", "dog", "cat", "puppy", "cow",
                                                                    "goat", "sheep", "greyhound", "lurcher"]}},
                                                  {"LOWER": {"IN": ["has", "is", "was", "wo", "ca", "wont",
                                                                    "cant", "can", "keeps", "had"]}}]),
    ("the vet", "ANIMAL", "BIDIRECTIONAL", [{"LOWER": {"IN": ["vet", "vets", "mare", "foal", "gelding", "hock",
                                                             "paw", "paws", "puppy", "kitten"]}}]),
    ("hot yoga", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["hot", "bikram", "sauna", "steam", "workout",
                                                               "heatwave", "spin", "hiit"]}},
                                             {"LOWER": {"IN": ["yoga", "room", "class", "session"]}, "OP": "?"}]),
    ("laughing", "FIGURATIVE", "BIDIRECTIONAL", [{"LOWER": {"IN": ["laughing", "laughed", "laugh", "laughs",
                                                                  "joke", "joking", "embarrassment", "embarrassed",
                                                                  "blushing", "blush"]}}]),
    ("killing me", "FIGURATIVE", "BIDIRECTIONAL", [{"LOWER": {"IN": ["dying", "dead"]}}, {"LOWER": {"IN": [
        "to", "after", "from"]}}]),
    ("leg day", "FIGURATIVE", "BIDIRECTIONAL", [{"LOWER": {"IN": ["leg", "gym"]}}, {"LOWER": {"IN": ["day",
                                                                                                 "session"]}}]),
    # "but" ends a negation's reach, not this one's: "went numb, but it goes away" is told in that order.
    ("goes away", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["but", "and"]}, "OP": "?"},
                                              {"LOWER": {"IN": ["it", "that", "this"]}, "OP": "?"},
                                              {"LOWER": {"IN": ["goes", "went", "wears", "wore", "passes",
                                                                "passed"]}},
                                              {"LOWER": {"IN": ["away", "off"]}}]),
    ("gone by", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["gone", "wore", "worn", "wears"]}},
                                            {"LOWER": {"IN": ["by", "off"]}}]),
    ("came back", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["but", "and"]}, "OP": "?"},
                                              {"LOWER": "the", "OP": "?"},
                                              {"LOWER": {"IN": ["it", "that", "this", "feeling", "sensation"]},
                                               "OP": "?"},
                                              {"LOWER": "all", "OP": "?"},
                                              {"LOWER": {"IN": ["came", "comes", "come"]}}, {"LOWER": "back"}]),
    ("for a bit", "PASSING", "BIDIRECTIONAL", [{"LOWER": "for"}, {"LOWER": "a"}, {"LOWER": {"IN": ["bit", "moment",
                                                                                                "second"]}}]),
    ("for a minute", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["a", "few", "couple"]}},
                                                 {"LOWER": {"IN": ["minute", "minutes", "seconds", "second",
                                                                   "moment"]}}]),
    ("fine once", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["but", "and"]}, "OP": "?"},
                                              {"LOWER": {"IN": ["it", "that", "this", "all"]}, "OP": "?"},
                                              {"LOWER": {"IN": ["'s", "s", "is", "was", "feels"]}, "OP": "?"},
                                              {"LOWER": {"IN": ["fine", "ok", "okay", "normal", "better", "passes",
                                                                "goes", "stops", "eases", "disappears"]}},
                                              {"LOWER": {"IN": ["once", "when", "after", "as", "now", "within"]}}]),
    ("goes the second", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["but", "and"]}, "OP": "?"},
                                                    {"LOWER": {"IN": ["it", "that", "this"]}, "OP": "?"},
                                                    {"LOWER": {"IN": ["'s", "s", "is", "was"]}, "OP": "?"},
                                                    {"LOWER": {"IN": ["gone", "goes", "went", "disappears",
                                                                      "disappeared", "stops", "stopped", "fine",
                                                                      "normal"]}},
                                                    {"LOWER": {"IN": ["the", "as"]}},
                                                    {"LOWER": {"IN": ["second", "minute", "moment", "soon"]}}]),
    # "cross-legged", "crossed my legs", not "cross country"
    ("cross-legged", "PASSING", "BIDIRECTIONAL", [{"LOWER": {"IN": ["cross", "crossed", "crossing"]}},
                                                 {"LOWER": {"IN": ["-", "my", "his", "her", "your"]}, "OP": "?"},
                                                 {"LOWER": {"REGEX": r"^leg"}}]),
    ("pins and needles from sitting", "PASSING", "BIDIRECTIONAL", [{"LOWER": "fell"}, {"LOWER": "asleep"}]),
]
# Whether to wait for care, asked of the visitor or someone they know, is asked of a real situation, "if" or not:
# "can nan wait for the GP if she slipped and can't put weight on it?" ("if someone gets a fever, can it wait?" stays
# general).
DECIDING = re.compile(r"\b(?:wait|waiting|wait it out|hold off|put (?:it )?off|leave it (?:till|until))\b", re.I)
# A yes-or-no question about a symptom, or a what, why or how one, told of no one ("Is numbness in the groin ever
# serious?", "Does hip pain with a fever mean something?", "What does saddle anaesthesia mean?"), asks in general,
# unless another sentence of the chat tells a finding more specific than a region or a pain ("Does a leg that looks
# shorter after a fall mean hospital? 82, slipped off the kerb"); "Is my groin numb because of my back?" tells of
# someone.
UNSPECIFIC = {"REGION", "PAIN", "SEVERE"}
QUESTION_OPENERS = {"does", "do", "can", "could", "is", "are", "should", "would", "will", "might", "may"}
SOMEONE = set("""i i'm im i've ive i'd me my mine myself he he's him his himself she she's her hers herself we we're
us our ours mum mom mam ma dad da pa nan nana gran granny grandma grandmother grandad grandpa grandfather wife
husband partner son daughter brother sister friend mate client patient neighbour neighbor""".split())
# "Can't stand", and "Is it normal to have a fever ...?", "Is this serious?", "Do you think ...?": said of oneself.
NOT_GENERAL = {"n't", "nt", "not", "it", "this", "that", "these", "those", "there", "you"}
# Key words that misspelt would hide a finding, repaired before the patterns are matched ("feaver" -> fever,
# "lfit" -> lift): every English word the patterns spell out, and these forms of them the patterns match by stem.
REPAIRABLE_FORMS = """temperature pelvis numbness collapsed limping refuses outwards snapped cracked popped ripped
incontinence buttock cant hip""".split()


@lru_cache(maxsize=1)
def _speller() -> symspellpy.SymSpell:
    speller = symspellpy.SymSpell(max_dictionary_edit_distance=2)
    spelled_out = {word for patterns in FINDINGS.values() for pattern in patterns
                   for word in re.findall(r"(?<![\\a-z])[a-z]{4,}(?![a-z])", re.sub(r"\\[a-zA-Z]", " ", pattern))}
    for word in sorted({word for word in spelled_out if word in english_words()} | set(REPAIRABLE_FORMS)):
        speller.create_dictionary_entry(word, 1)
    return speller


def repaired(text: str) -> str:
    """Return the text with misspelt key words repaired ("cant stnad" -> "cant stand"); real words stay."""
    def repair(match: re.Match) -> str:
        word = match.group(0)
        return _repaired_word(word.lower()) or word
    return re.sub(r"[A-Za-z]+(?:'[A-Za-z]+)*", repair, text)  # "couldn't" is one word, not "couldn" and "t"


@lru_cache(maxsize=20_000)
def _repaired_word(lower: str) -> str | None:
    """Return the repair of a lower-cased word, None to keep it as written (cached: visitors reuse their words)."""
    if (len(lower) < 4 or lower in english_words() or not lower.isalpha() or _named(lower)
            or lower.endswith("nt") and lower[:-2] in english_words()):
        return None  # a real word, a dialect word the patterns know ("louping", "cannae"), "havent", "isnt"
    if lower.endswith("in") and lower + "g" in english_words():  # a dropped g: "killin", "roastin"
        return lower + "g"
    found = _speller().lookup(lower, symspellpy.Verbosity.TOP, max_edit_distance=1 if len(lower) < 6 else 2)
    return found[0].term if found else None


def next_words(target, modifier, between) -> bool:
    """Return whether a finding follows "nearly" or "nothing" with no punctuation between ("nothing swollen", not
    "a cushion of nothing, numb between my legs")."""
    return not any(token.is_punct for token in between)


def same_sentence(target, modifier, between) -> bool:
    """Return whether a cue and the finding it would cancel are in the same sentence (medspaCy's on_modifies)."""
    return target.sent.start == modifier.sent.start


# Where a cue's reach stops short of its scope. What the past or a passing cause cancels is often told in the next
# sentence; a negation or an "if" covers its own sentence only ("No fever. Fell off a ladder and can't stand.").
CUE_REACH = {"NEGATED_EXISTENCE": same_sentence, "HYPOTHETICAL": same_sentence, "NEAR_NEGATION": next_words}


def asks_in_general(sentence) -> bool:
    """Return whether a sentence is a question ("Is ...?", "What does ...?") that tells of no one."""
    words = [token.lower_ for token in sentence if not token.is_punct and not token.is_space]
    if words and words[0] in {"what", "why", "how"}:  # "What does saddle anaesthesia mean?", "What's ...?"
        words = [{"'s": "is"}.get(word, word) for word in words[1:]]
    return (len(words) > 1 and words[0] in QUESTION_OPENERS and words[1] not in NOT_GENERAL
            and sentence.text.rstrip().endswith("?") and not tells_of_someone(sentence))


def tells_of_someone(sentence) -> bool:
    """Return whether a sentence names the visitor or someone they know ("I", "my", "she", "nan")."""
    return bool(SOMEONE & {token.lower_ for token in sentence})


def scope(rule) -> int:
    """Return how many tokens a context rule reaches. A terminator ("but") reaches one: medspaCy lets a terminator
    end another cue's scope only where their scopes overlap without one holding the other."""
    return 1 if rule.direction == "TERMINATE" else SCOPES.get(rule.category, DEFAULT_SCOPE)


class _Reader:
    """medspaCy's ConText over spaCy's blank English pipeline, with the findings as its targets (built once)."""

    def __init__(self):
        with warnings.catch_warnings():  # spaCy's imports warn of their own dependencies' deprecations
            warnings.simplefilter("ignore")
            import spacy
            from medspacy.context import ConText, ConTextRule
            from medspacy.target_matcher import TargetMatcher, TargetRule

            nlp = spacy.blank("en")
            nlp.add_pipe("sentencizer")
            matcher = nlp.add_pipe("medspacy_target_matcher")
            matcher.add([TargetRule(f"{label} {i}", label, pattern=pattern)
                         for label, patterns in FINDINGS.items() for i, pattern in enumerate(patterns)])
            # A global max_scope makes each cue reach that many tokens whatever the sentence (each rule's own
            # max_scope then sets how many): what healed is often told in the next sentence ("it came back once I
            # stood up"), and "today" or "since" ends the past's reach instead.
            context = nlp.add_pipe("medspacy_context", config={"rules": None, "max_scope": DEFAULT_SCOPE,
                                                                "prune_on_target_overlap": True})
            rules = [rule for rule in ConTextRule.from_json(_default_rules_path())
                     if rule.category == "NEGATED_EXISTENCE"]
            rules += [ConTextRule(literal, category, direction=direction, pattern=pattern,
                                  allowed_types=ONLY_FOR.get(literal))
                      for literal, category, direction, pattern in CONTEXT_RULES]
            for rule in rules:
                rule.max_scope = scope(rule)
                rule.on_modifies = CUE_REACH.get(rule.category)
            context.add(rules)
        self.nlp = nlp
        self.lock = threading.Lock()  # a spaCy pipeline is not safe to share between threads at once

    def findings(self, text: str) -> set[str]:
        """Return the labels of the findings the text states as present, now, literally."""
        with self.lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doc = self.nlp(text)
        # spaCy keeps one of overlapping matches ("groin" is a region and a saddle word): every finding
        # whose pattern matches within a kept one counts.
        found = set()
        sentences = list(doc.sents)
        deciding = [sentence for sentence in sentences if DECIDING.search(sentence.text)]
        told = [sentence for sentence in sentences if _named(sentence.text) - UNSPECIFIC]
        general = [sentence for sentence in sentences if sentence not in deciding and asks_in_general(sentence)
                   and not [other for other in told if other != sentence]]
        for ent in doc.ents:
            cancelled = {m.category for m in ent._.modifiers} & CANCELLING
            if any(sentence.start <= ent.start < sentence.end for sentence in deciding if tells_of_someone(sentence)):
                cancelled.discard("HYPOTHETICAL")  # "is it ok to wait till Monday if I've had chills since Friday?"
            if any(sentence.start <= ent.start < sentence.end for sentence in general):
                cancelled.add("HYPOTHETICAL")
            for label, patterns in _COMPILED.items():
                if any(p.search(ent.text) for p in patterns) and not cancelled - PAST_BY_NATURE.get(label, set()):
                    found.add(label)
        return found


def _default_rules_path() -> str:
    """Return the path of medspaCy's own English ConText rules (negation cues among them)."""
    import medspacy
    return str(Path(medspacy.__file__).resolve().parents[1] / "resources" / "en" / "context_rules.json")


@lru_cache(maxsize=1)
def reader() -> _Reader:
    return _Reader()


_COMPILED = {label: [re.compile(p, re.I) for p in patterns] for label, patterns in FINDINGS.items()}


def situations(texts: list[str], vectors: list[np.ndarray] = ()) -> list[str]:
    """Return the names of the urgent situations a chat describes (its messages, oldest first).

    `vectors` (the question's, as the ranking embedded it) add the second signal: a situation some specific
    finding of which is named, told in words close to one of its descriptions.
    """
    text = " ".join(message.strip() + ("" if message.strip()[-1] in ".!?" else ".") for message in texts
                    if message.strip())
    text = repaired(text.replace("’", "'"))
    named, found = _named(text), None
    if any(needed <= named for _, alternatives in SITUATIONS.values() for needed in alternatives):
        found = reader().findings(text)  # only now: most questions could make no situation
        recognised = [name for name, (_, alternatives) in SITUATIONS.items()
                      if any(needed <= found for needed in alternatives)]
        if recognised:
            return recognised
    close = [name for name, closeness in described(vectors).items()
             if closeness >= DESCRIBED_COSINE and named & SPECIFIC[name]]
    if close:  # the finding named must be stated as present too: "went numb, came back in a minute" is not
        found = reader().findings(text) if found is None else found
    return [name for name in close if found & SPECIFIC[name]]


# The second signal: short descriptions of each situation, compared with the question by the embedding model.
# Never alone: a situation counts by it only when one of its specific findings is named too, and the cosine is
# at least DESCRIBED_COSINE (bench/redflags.py: the lowest that raises no alarm on any set of ours).
DESCRIPTIONS = {
    "infection": ["I have a high fever and chills and my hip is very painful",
                  "feeling very ill and feverish with groin pain", "fever after my hip operation"],
    "fracture": ["I fell and now I cannot stand or walk", "after the fall my leg looks shorter and turned outwards",
                 "an old person fell on their hip and cannot get up"],
    "saddle numbness": ["numbness in my groin and between my legs", "I cannot feel my bottom or genitals"],
    "bladder or bowel": ["I have lost control of my bladder and bowels", "I cannot pass urine at all"],
    "rupture": ["something popped in my hip and now I cannot lift my leg", "sudden severe pain in my groin"],
    "child": ["my child has a fever and refuses to walk", "my son is limping and will not let us move his hip"],
    "hot swollen joint": ["my hip is hot, red, swollen and extremely painful",
                          "the groin is swollen, red and burning hot"],
}
DESCRIBED_COSINE = 0.80
# The findings that tell one situation from the others (a hip and a pain are in every question here).
SPECIFIC = {name: {label for needed in alternatives for label in needed} - {"REGION", "PAIN", "SEVERE"}
            for name, (_, alternatives) in SITUATIONS.items()}


def described(vectors: list[np.ndarray]) -> dict[str, float]:
    """Return each situation's closest description's cosine with any of the question's vectors."""
    if not len(vectors):
        return {}
    closeness = _description_vectors() @ np.array(vectors).T
    return {name: float(closeness[rows].max()) for name, rows in _description_rows().items()}


@lru_cache(maxsize=1)
def _description_vectors() -> np.ndarray:
    from .embeddings import embedder
    return embedder().embed([text for texts in DESCRIPTIONS.values() for text in texts])


@lru_cache(maxsize=1)
def _description_rows() -> dict[str, list[int]]:
    rows, at = {}, 0
    for name, texts in DESCRIPTIONS.items():
        rows[name], at = list(range(at, at + len(texts))), at + len(texts)
    return rows


def _named(text: str) -> set[str]:
    """Return the labels of the findings a text names, whatever their context."""
    return {label for label, patterns in _COMPILED.items() if any(p.search(text) for p in patterns)}


def explain(names: list[str]) -> str:
    """Return what a visitor is told of the situations recognised, in plain words."""
    return " ".join(SITUATIONS[name][0] for name in names)
