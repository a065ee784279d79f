"""`python -m assistant` runs the command line."""
from .cli import main

main()
