"""Exceptions the library raises for problems a user can fix; str(e) says how."""


class AssistantError(Exception):
    """Base class: a problem with the user's input or files, not a bug."""


class BadQuestion(AssistantError, ValueError):
    """The question (or its history or top_k) is blank, too long or of the wrong type."""


class CorpusNotFound(AssistantError):
    """The corpus directory does not exist or holds no readable document."""


class BadDocument(AssistantError, ValueError):
    """A source file cannot be used: binary, empty, not UTF-8, too large or an unsupported type."""


class DocumentExists(AssistantError):
    """A document of that name, or with the same content, is already in the corpus."""


class NameTaken(DocumentExists):
    """A document of that name is already in the corpus: replacing it would update it."""


class DocumentNotFound(AssistantError, LookupError):
    """No document of that name is in the corpus."""


class LastDocument(AssistantError):
    """The document is the corpus's only one, and a corpus must keep at least one."""


class IndexUnavailable(AssistantError):
    """The index file is missing, unreadable or was written by another version."""


class BadSynonyms(AssistantError, ValueError):
    """The synonyms or sources file in the corpus directory cannot be parsed."""


class BadQuestionFile(AssistantError, ValueError):
    """A questions file (JSON Lines) cannot be read or has a malformed line."""


class BadSetting(AssistantError, ValueError):
    """A setting (option, environment variable or config key) has a value the server cannot use."""


class ModelUnavailable(AssistantError):
    """The sentence-embedding model or its tokenizer is missing or is not the expected file."""


class NotWritten(Exception):
    """A file could not be written (a full disk, no permission); str(e) says which and why.

    Not an AssistantError: the input is fine, the machine is not (exit status 1, HTTP 500).
    """


class StoreUnavailable(AssistantError):
    """The feedback database cannot be reached or was written by a newer version."""


class BadTaught(AssistantError, ValueError):
    """A taught question (or the taught questions file) is malformed, or its passage cannot be found."""


class TaughtNotFound(AssistantError, LookupError):
    """No taught question has that id."""
