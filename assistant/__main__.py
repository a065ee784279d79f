"""`python -m assistant` runs the command line."""
import sys

try:
    from .cli import main
except ModuleNotFoundError as error:
    if (error.name or "").partition(".")[0] == __package__:
        raise  # a module of ours is missing: a bug, not a missing install
    # A Python outside the project's .venv (the system's, say): say how to reach the command, not a traceback.
    sys.exit(f"python -m assistant: {error.name} is not installed for {sys.executable}; run `make run` (or "
             "`make index`) in the checkout first, then `.venv/bin/assistant --help` (or `. .venv/bin/activate`)")

main()
