"""One tokenizer for passages and questions.

Each word is lowercased, split if it is two words run together ("thefemoral"),
corrected if it is a misspelling of a corpus word ("strech"), dropped if it is a
stopword, and stemmed. Lay phrases from the synonyms file then add the article's
word ("thigh bone" adds "femur"). The corpus vocabulary decides what counts as a
known word, so a Tokenizer is built with the index and saved inside it.
"""
from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

import symspellpy
import wordninja
from nltk.stem.snowball import SnowballStemmer

from ..errors import BadSynonyms

SYNONYMS_FILE = "synonyms.toml"
WORD = re.compile(r"[^\W_]+")
APOSTROPHES = re.compile(r"(?<=[^\W_])['’‘`](?=[^\W_])")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Return the shipped stopword list."""
    text = (Path(__file__).parent / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.split())


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """Return symspellpy's shipped English frequency list (word -> count): real words, not typos."""
    path = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
    pairs = (line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return {word: int(count) for word, count in pairs}


@lru_cache(maxsize=1)
def _english_counts() -> tuple[int, int]:
    """Return the total count of symspellpy's English frequency list and its smallest count."""
    counts = english_words().values()
    return sum(counts), min(counts)


def rarity(word: str) -> float:
    """Return how rare a word is in English: log10(all words' count / its count) in symspellpy's frequency list
    ("the" 1.4, "acupuncture" 5.3); a word the list lacks (a name, a typo) counts as rare as its rarest word (7.6)."""
    total, smallest = _english_counts()
    return math.log10(total / english_words().get(word, smallest))


# Words whose analysis a Tokenizer remembers: the corpus's vocabulary and then some.
MAX_CACHED_WORDS = 500_000


_SNOWBALL = SnowballStemmer("english").stem


@lru_cache(maxsize=1)
def irregular_forms() -> dict[str, str]:
    """Return the shipped irregular verb forms (made -> make), which the stemmer cannot reduce."""
    text = (Path(__file__).parent / "irregular.txt").read_text(encoding="utf-8")
    return dict(line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def stem(word: str) -> str:
    """Return a word's stem, irregular verb forms first reduced to their base form."""
    return _SNOWBALL(irregular_forms().get(word, word))


def words(text: str) -> list[str]:
    """Return the lowercased words of a text, apostrophes removed ("it's" -> "its"), "%" as "percent"."""
    # The checks skip work most text does not need: the index splits every sentence of a corpus.
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # ASCII text is already NFKC
    text = text.lower().replace("%", " percent ")
    if "'" in text or "`" in text or not text.isascii():  # the other apostrophes are not ASCII
        text = APOSTROPHES.sub("", text)
    return WORD.findall(text)


def read_synonyms(corpus_dir: Path) -> dict[str, list[str]]:
    """Return the corpus's synonyms file as {article word: [lay words]}, or {} without one.

    Raises BadSynonyms when the file is not valid TOML of that shape.
    """
    path = Path(corpus_dir) / SYNONYMS_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BadSynonyms(f"{path}: not valid TOML ({error}); fix the line it names") from None
    for key, value in data.items():
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise BadSynonyms(f'{path}: "{key}" must be a list of strings, like {key} = ["lay word", "another"]')
    return data


class Tokenizer:
    """Turns text into index terms, knowing the corpus's words (`vocabulary`: word -> count)."""

    def __init__(self, vocabulary: dict[str, int], synonyms: dict[str, list[str]] | None = None):
        self.vocabulary = vocabulary
        self.synonyms = synonyms or {}
        self._word_cache: dict[str, tuple[str, ...]] = {}
        self._repairs: dict[str, list[str]] = {}  # unknown word -> its repair, for terms and spelled() alike
        self._splitter = None
        self._speller = None
        self._phrases = self._compile_synonyms()
        self._longest_phrase = max((len(key) for key in self._phrases), default=1)
        self._phrase_starts = {key[0] for key in self._phrases}

    def to_dict(self) -> dict:
        """Return the state to save with the index."""
        return {"vocabulary": self.vocabulary, "synonyms": self.synonyms}

    @classmethod
    def from_dict(cls, state: dict) -> "Tokenizer":
        """Rebuild a Tokenizer saved by to_dict."""
        return cls(state["vocabulary"], state["synonyms"])

    def tokenize(self, text: str) -> list[str]:
        """Return the index terms of a text."""
        return self.terms_of_words(words(text))

    def terms_of_words(self, text_words: list[str]) -> list[str]:
        """Return the index terms of a text already split by words() (the index splits each sentence once).

        A lay phrase from the synonyms file adds its article word's terms.
        """
        known = self._word_cache  # looked up inline: this runs for every word of a corpus
        stems = [stem for word in text_words for stem in (known[word] if word in known else self.analyse_word(word))]
        if self._phrase_starts.isdisjoint(stems):
            return stems
        added, i = [], 0
        while i < len(stems):
            size = self._phrase_at(stems, i) if stems[i] in self._phrase_starts else 0
            if size:
                added.extend(self._phrases[tuple(stems[i:i + size])])
            i += size or 1
        return stems + added  # BM25 counts terms; their order does not matter

    def _phrase_at(self, stems: list[str], i: int) -> int:
        """Return the length of the longest synonym phrase starting at stems[i], 0 if none."""
        for size in range(min(self._longest_phrase, len(stems) - i), 0, -1):
            if tuple(stems[i:i + size]) in self._phrases:
                return size
        return 0

    def analyse_word(self, word: str) -> tuple[str, ...]:
        """Return the stem of each part of one lowercased word: split, corrected, stopwords dropped."""
        cached = self._word_cache.get(word)
        if cached is None:
            if word in stopwords():
                cached = ()
            else:
                parts = [word] if self.is_known(word) else self.repair(word)
                cached = tuple(stem(part) for part in parts if part not in stopwords())
            if len(self._word_cache) >= MAX_CACHED_WORDS:
                # Questions bring endless new words: start afresh rather than grow without bound.
                self._word_cache.clear()
            self._word_cache[word] = cached
        return cached

    def spelled(self, text: str) -> str:
        """Return a text with each misspelled or run-together word repaired ("wat nerve works the illiacus"
        -> "wat nerve works the iliacus"), for the semantic model, which knows no corpus words."""
        def repaired(match: re.Match) -> str:
            word = match.group(0).lower()
            if word in stopwords() or self.is_known(word):
                return match.group(0)
            return " ".join(self.repair(word))
        return WORD.sub(repaired, text)

    def is_known(self, word: str) -> bool:
        """Tell whether a word is a real word: a number, English, or recurring in the corpus."""
        return word.isdigit() or word in english_words() or self.vocabulary.get(word, 0) >= 2

    def repair(self, word: str) -> list[str]:
        """Return an unknown word as the corpus word it misspells, else as the words run together in it."""
        repaired = self._repairs.get(word)
        if repaired is None:
            corrected = self.correct(word)
            repaired = [corrected] if corrected != word else (len(word) >= 6 and self.split(word)) or [word]
            if len(self._repairs) >= MAX_CACHED_WORDS:
                self._repairs.clear()  # as the word cache: questions bring endless new words
            self._repairs[word] = repaired
        return repaired

    def split(self, word: str) -> list[str] | None:
        """Return the words of a run-together word ("causehip" -> cause, hip), or None if it is not one."""
        if self._splitter is None:
            self._splitter = _CorpusLanguageModel([w for w, n in self.vocabulary.items() if n >= 2])
        parts = self._splitter.split(word)
        known = lambda part: part in english_words() or self.vocabulary.get(part, 0) >= 2  # noqa: E731
        if len(parts) < 2 or not all(known(p) and (len(p) > 1 or p in "ai") for p in parts):
            return None
        return parts if max(map(len, parts)) >= 3 else None

    def correct(self, word: str) -> str:
        """Return the corpus word closest to a misspelled word, or the word itself."""
        if word in self.vocabulary or len(word) < 4 or not word.isalpha():
            return word
        if self._speller is None:
            self._speller = symspellpy.SymSpell(max_dictionary_edit_distance=2)
            for known, count in self.vocabulary.items():
                if len(known) >= 3 and known.isalpha():
                    self._speller.create_dictionary_entry(known, count)
        distance = 1 if len(word) <= 7 else 2
        found = self._speller.lookup(word, symspellpy.Verbosity.TOP, max_edit_distance=distance)
        return found[0].term if found else word

    def _compile_synonyms(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Map each lay phrase's stems to the stems of the article word it stands for."""
        phrases = {}
        for canonical, alternatives in self.synonyms.items():
            target = tuple(stem for word in words(canonical) for stem in self.analyse_word(word))
            for alternative in alternatives:
                key = tuple(stem for word in words(alternative) for stem in self.analyse_word(word))
                if key and target and key != target:
                    phrases[key] = tuple(stem for stem in target if stem not in key)
        return {key: added for key, added in phrases.items() if added}


@lru_cache(maxsize=1)
def _english_by_frequency() -> tuple[str, ...]:
    """Return wordninja's English words, most frequent first."""
    costs = wordninja.DEFAULT_LANGUAGE_MODEL._wordcost
    return tuple(sorted(costs, key=costs.get))


class _CorpusLanguageModel(wordninja.LanguageModel):
    """wordninja's English model with the corpus's recurring words ranked first, so that
    "theiliacus" splits into "the iliacus" and not "the ilia cus"."""

    def __init__(self, corpus_words: list[str]):
        ranked = list(dict.fromkeys([*corpus_words, *_english_by_frequency()]))
        # wordninja's own cost: Zipf's law over the ranked list.
        self._wordcost = {word: math.log((rank + 1) * math.log(len(ranked))) for rank, word in enumerate(ranked)}
        self._maxword = max(len(word) for word in ranked)
