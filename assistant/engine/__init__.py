"""The question-answering engine: corpus -> chunking -> text + embeddings -> index -> answer.

No Flask here, and nothing from assistant.web or assistant.store: the web app and the command line build on it.
"""
