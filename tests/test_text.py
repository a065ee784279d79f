"""The one tokenizer: run-together words, misspellings, synonyms, stopwords, stemming."""
import pytest

from assistant.config import bundled_dir
from assistant.engine.corpus import load_corpus
from assistant.engine.text import Tokenizer, read_synonyms, words


@pytest.fixture(scope="module")
def tokenizer():
    from collections import Counter

    corpus = bundled_dir("corpus")
    vocabulary = Counter(word for document in load_corpus(corpus) for word in words(document.text))
    return Tokenizer(dict(vocabulary), read_synonyms(corpus))


@pytest.mark.parametrize("scraped, clean", [
    ("thefemoral nerveat", "the femoral nerve at"),
    ("causehip pain", "cause hip pain"),
    ("lumbar side-glidingis helpful", "lumbar side gliding is helpful"),
    ("theiliacus, thepsoasmajor", "the iliacus, the psoas major"),
])
def test_run_together_words_are_split(tokenizer, scraped, clean):
    assert tokenizer.tokenize(scraped) == tokenizer.tokenize(clean)


@pytest.mark.parametrize("typo, right", [
    ("strech", "stretch"), ("flexers", "flexors"), ("ilopsoas", "iliopsoas"), ("illiacus", "iliacus"),
])
def test_misspellings_of_corpus_words_are_corrected(tokenizer, typo, right):
    assert tokenizer.tokenize(typo) == tokenizer.tokenize(right)


def test_spelled_repairs_the_text_the_semantic_model_reads(tokenizer):
    # The model knows no corpus words: it must read "stretch", not "strech"; other words stay as typed.
    assert tokenizer.spelled("Wat's a good Strech for my illiopsoas?") == "Wat's a good stretch for my iliopsoas?"
    assert tokenizer.spelled("theiliacus origin") == "the iliacus origin"
    assert tokenizer.spelled("How do I stretch my hip flexors?") == "How do I stretch my hip flexors?"


def test_real_words_are_not_corrected_to_corpus_words(tokenizer):
    assert tokenizer.tokenize("bake") != tokenizer.tokenize("back")
    assert tokenizer.tokenize("capital") == ["capit"]


@pytest.mark.parametrize("lay, article", [
    ("thigh bone", "femur"), ("lower back", "lumbar"), ("hip flexors", "iliopsoas"),
])
def test_lay_words_add_the_article_word(tokenizer, lay, article):
    assert set(tokenizer.tokenize(article)) <= set(tokenizer.tokenize(lay))


def test_a_lay_phrase_adds_its_article_word_once(tokenizer):
    assert sorted(tokenizer.tokenize("my thigh bone")) == ["bone", "femur", "thigh"]


def test_stopwords_go_and_words_are_stemmed(tokenizer):
    assert tokenizer.tokenize("What are the stretches for my hips?") == ["stretch", "hip"]


def test_irregular_verbs_meet_their_base_form(tokenizer):
    assert tokenizer.tokenize("made up of") == tokenizer.tokenize("make up")


def test_synonyms_file_is_extensible(tmp_path):
    (tmp_path / "synonyms.toml").write_text('psoas = ["loin muscle"]\n')
    tokenizer = Tokenizer({"psoas": 3}, read_synonyms(tmp_path))
    assert "psoa" in tokenizer.tokenize("my loin muscle")


def test_a_broken_synonyms_file_names_the_problem(tmp_path):
    from assistant.errors import BadSynonyms

    (tmp_path / "synonyms.toml").write_text("psoas = loin\n")
    with pytest.raises(BadSynonyms, match="synonyms.toml"):
        read_synonyms(tmp_path)


def test_the_word_cache_is_bounded(tokenizer, monkeypatch):
    import assistant.engine.text

    monkeypatch.setattr(assistant.engine.text, "MAX_CACHED_WORDS", 50)
    before = tokenizer.tokenize("stretch the psoas")
    tokenizer.tokenize(" ".join(f"word{n}x" for n in range(200)))
    assert len(tokenizer._word_cache) <= 50
    assert tokenizer.tokenize("stretch the psoas") == before
