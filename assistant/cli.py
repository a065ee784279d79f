"""The `assistant` command line: ask, reindex, eval (and serve, add, remove, feedback, unanswered)."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from .config import (DEFAULT_REPORT_LIMIT, DEFAULT_TOP_K, MAX_DAYS, MAX_REPORT_LIMIT, MAX_TOP_K, contact, default_corpus_dir,
                     default_database_url, default_index_path, retention_days)
from .engine import index as index_module
from .engine.answer import answer
from .engine.documents import add_documents, corpus_lock, remove_document
from .engine.evaluate import evaluate, load_questions
from .engine import taught as taught_module
from .engine.reply import citation_label
from .engine.safety import LOW_CONFIDENCE_NOTE, with_contact
from .errors import AssistantError, BadQuestion, NameTaken, NotWritten, StoreUnavailable

JSONL_LINE = 'each line must be a JSON object like {"question": "How do I stretch my hip flexors?", "history": []}'
# Show a progress bar when a build reads at least this many documents (or embeds this many batches).
PROGRESS_THRESHOLD = 200


class InputError(click.ClickException):
    """A problem with the user's input or files: one line, exit status 2, no traceback."""

    exit_code = 2


class AssistantGroup(click.Group):
    """Turns the library's exceptions into one-line messages instead of tracebacks."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StoreUnavailable as error:  # not the user's input: a server down, exit status 1
            raise click.ClickException(str(error)) from None
        except AssistantError as error:
            raise InputError(str(error)) from None
        except NotWritten as error:  # the library has put back what it changed
            raise click.ClickException(f"{error}; nothing changed: the corpus and the index are as they were") from None
        except BrokenPipeError:
            raise  # output piped into `head`: click exits quietly
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}") from None


@dataclass
class Settings:
    """Where the corpus and index are, as the global options set them."""

    corpus: Path
    index_path: Path

    def load_index(self) -> index_module.Index:
        """Return the index, building it first when it is missing, unreadable or out of date."""
        index, report = index_module.load_or_build(self.corpus, self.index_path, progress=progress_bar)
        if report:
            click.echo(f"Index built: {summary(report)}", err=True)
        return index


def progress_bar(items, label="Indexing"):
    """Yield the items (documents, or batches of sentences to embed), with a progress bar on stderr when many."""
    items = list(items)
    if len(items) < PROGRESS_THRESHOLD:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


def summary(report: index_module.BuildReport) -> str:
    """Return a build report as one line."""
    changes = ", ".join(f"{len(names)} {what}" for what, names in
                        [("added", report.added), ("updated", report.updated),
                         ("removed", report.removed), ("unchanged", report.unchanged)])
    line = f"{report.documents} documents, {report.passages} passages in {report.seconds:.2f} s ({changes})"
    if report.taught or report.unanchored:
        line += f"; {report.taught} taught questions"
    return line + "".join(f"\nWarning: {unanchored_line(t)}" for t in report.unanchored)


def unanchored_line(taught) -> str:
    """Return the warning for a taught question whose quote no passage holds any more."""
    return (f"taught question {taught.id} ({taught.question!r}) is attached to no passage: '{taught.source}' holds "
            f"no passage with {taught.quote!r}; teach it again (`assistant teach`) or remove it (`assistant untaught "
            f"{taught.id}`)")


@click.group(cls=AssistantGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", type=click.Path(path_type=Path, file_okay=False), envvar="ASSISTANT_CORPUS",
              help="Folder of source articles (.txt, .md, .html). Default: the bundled articles.  [env: ASSISTANT_CORPUS]")
@click.option("--index", "index_path", type=click.Path(path_type=Path, dir_okay=False), envvar="ASSISTANT_INDEX",
              help="Index file. Default: a file in your user data folder.  [env: ASSISTANT_INDEX]")
@click.version_option(package_name="iliopsoas-assistant")
@click.pass_context
def cli(ctx, corpus, index_path):
    """Answer questions about the hip flexors (iliopsoas) with cited passages from our articles.

    \b
    Examples:
      assistant ask "How do I stretch my hip flexors?"
      assistant ask "How long do I hold it?" --history "How do I stretch the psoas?"
      assistant reindex
      assistant eval --questions questions.jsonl
    """
    corpus = corpus or default_corpus_dir()
    ctx.obj = Settings(corpus=corpus, index_path=index_path or default_index_path(corpus))


@cli.command()
@click.argument("question", nargs=-1)
@click.option("--history", "-H", multiple=True, metavar="Q", help="An earlier question of the chat (repeatable, oldest first).")
@click.option("--top-k", "-k", type=click.IntRange(1, MAX_TOP_K), default=DEFAULT_TOP_K, show_default=True,
              help="How many passages to return.")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
@click.option("--jsonl", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help='Answer many: one {"question": ..., "history": [...]} a line ("-" for stdin); one result a line out.')
@click.pass_obj
def ask(settings: Settings, question, history, top_k, as_json, jsonl):
    """Answer QUESTION with the best passages from the articles, each cited.

    The words of QUESTION need no quotes: `assistant ask psoas pain` asks "psoas pain".
    """
    question = " ".join(question) if question else None  # a shell splits an unquoted question into words
    if (question is None) == (jsonl is None):
        raise click.UsageError("give a QUESTION or --jsonl FILE (one of the two)")
    index = settings.load_index()
    if jsonl is not None:
        try:
            ask_many(index, jsonl, top_k)
        except UnicodeDecodeError:
            raise InputError(f"{getattr(jsonl, 'name', 'stdin')} is not UTF-8 text; save it as UTF-8") from None
        return
    result = with_contact(answer(index, question, list(history), top_k), contact())
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else render(result))


def ask_many(index, lines, top_k: int) -> None:
    """Answer one JSON request a line; a bad line gets {"error": ...} in its place, and exit status 2 at the end."""
    failed = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            result = with_contact(answer(index, *read_request(line), top_k), contact())
        except AssistantError as error:
            failed.append(f"line {number}: {error}")
            result = {"error": failed[-1]}
        click.echo(json.dumps(result, ensure_ascii=False))
    if failed:
        more = f" (and {len(failed) - 1} more; see the error objects in the output)" if len(failed) > 1 else ""
        raise InputError(f"{getattr(lines, 'name', 'stdin')}, {failed[0]}{more}")


def read_request(line: str) -> tuple:
    """Return the question and history of one line of a --jsonl file.

    Raises BadQuestion saying how to write the line.
    """
    try:
        request = json.loads(line.rstrip("\r\n"))  # without its newline, an error's column is the file's
    except json.JSONDecodeError as error:
        raise BadQuestion(f"not JSON ({error.msg} at column {error.colno}); {JSONL_LINE}") from None
    if not isinstance(request, dict):
        raise BadQuestion(JSONL_LINE)
    return request.get("question"), request.get("history") or []


def render(result: dict) -> str:
    """Return a result as readable text: urgent advice first, the answer, numbered cited passages, the disclaimer."""
    out = []
    if result["urgent"]:
        out += [click.style("URGENT: ", fg="red", bold=True) + result["answer"], ""]
    elif result["found"]:
        out += [click.style(result["answer"], bold=True), ""]
        if result["confidence"] == "low":
            out += [click.style(LOW_CONFIDENCE_NOTE, fg="yellow"), ""]
    else:
        out += [result["answer"], ""]
    for number, passage in enumerate(result["passages"], 1):
        citation = passage["citation"]
        where = citation_label(citation, " > ")  # the title once when an article's first heading repeats it
        out += [f"[{number}] {passage['text']}",
                click.style(f"    {where} ({citation['source']}, characters {citation['start']}-{citation['end']})",
                            dim=True), ""]
    out.append(click.style(result["disclaimer"], italic=True))
    return "\n".join(out)


@cli.command()
@click.option("--full", is_flag=True, help="Re-read every document, not only new or changed ones.")
@click.pass_obj
def reindex(settings: Settings, full):
    """Rebuild the index from the corpus folder (only new or changed files are chunked again).

    A running server picks up the new index on its next request.
    """
    with corpus_lock(settings.corpus):
        report = index_module.reindex(settings.corpus, settings.index_path, progress=progress_bar, full=full)
    click.echo(f"Indexed {summary(report)} -> {settings.index_path}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--replace", is_flag=True, help="Update documents that already have the same file name.")
@click.pass_obj
def add(settings: Settings, files, replace):
    """Copy FILES (.txt, .md, .html) into the corpus and reindex.

    Nothing is copied unless every file passes the checks (plain UTF-8 text, not
    empty, under the size limit, not already in the corpus).
    """
    items = []
    for path in files:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        if any(name == path.name for name, _ in items):
            raise InputError(f"{path}: another file named {path.name} is already being added; the corpus keeps one "
                             "file per name, so rename one of them")
        items.append((path.name, path.read_bytes()))
    try:
        report = add_documents(settings.corpus, items, lambda: _reindex(settings), replace=replace)
    except NameTaken as error:
        raise InputError(f"{error}; use --replace to update it") from None
    done = [(verb, [name for name, _ in items if name in names]) for verb, names in
            [("Added", report.added), ("Updated", report.updated), ("Unchanged (the same text)", report.unchanged)]]
    click.echo(" ".join(f"{verb}: {', '.join(names)}." for verb, names in done if names) + f" Indexed {summary(report)}")


@cli.command()
@click.argument("name")
@click.pass_obj
def remove(settings: Settings, name):
    """Take the document NAME (its file name) out of the corpus and reindex."""
    report = remove_document(settings.corpus, name, lambda: _reindex(settings))
    click.echo(f"Removed {name}. Indexed {summary(report)}")


def _reindex(settings: Settings) -> index_module.BuildReport:
    return index_module.reindex(settings.corpus, settings.index_path, progress=progress_bar)


@cli.command("eval")
@click.option("--questions", "-q", "questions_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="JSON Lines file: id, question, optional history, expect (answer|none|urgent), evidence.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures and misses as JSON.")
@click.pass_obj
def eval_command(settings: Settings, questions_path, as_json):
    """Measure answer quality on a question file: hit@1, hit@3, MRR, answerable questions refused, out-of-scope
    accuracy, red flags."""
    questions = load_questions(questions_path)
    index = settings.load_index()
    for taught in index_module.unanchored(index):
        click.echo(f"Warning: {unanchored_line(taught)}", err=True)
    figures = evaluate(index, questions)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    for key, value in figures.items():
        if key != "misses":
            click.echo(f"{key:<24}{value}")
    if figures["misses"]:
        click.echo(f"\nmisses ({len(figures['misses'])}):")
        for miss in figures["misses"]:
            click.echo(f"  {miss['id']:<10} {miss['why']}: {miss['question']}\n{'':13}top: {miss['top']}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.pass_obj
def serve(settings: Settings, host, port):
    """Serve the chat page and the JSON API with a production WSGI server (waitress)."""
    from .web.server import run  # imported here so `ask` does not load Flask

    settings.load_index()  # build it now if needed, so the first request is fast
    run(settings.corpus, settings.index_path, host, port)


def report_options(command):
    """Add the options the feedback and unanswered commands share."""
    for option in reversed([
        click.option("--since", "since_days", type=click.IntRange(1, MAX_DAYS), metavar="DAYS",
                     help="Only answers given in the last DAYS days. Default: all the database holds (the "
                          "server deletes those older than ASSISTANT_RETENTION_DAYS; this command only reads)."),
        click.option("--limit", type=click.IntRange(1, MAX_REPORT_LIMIT), default=DEFAULT_REPORT_LIMIT, metavar="N",
                     show_default=True, help="How many to list at most."),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (as the admin API returns it)."),
        click.option("--database", "database_url", metavar="URL", envvar="ASSISTANT_DATABASE_URL",
                     help="The database the server records to, as a SQLAlchemy URL (sqlite:///path/to/file.db, "
                          "postgresql://user:password@host/dbname). Default: feedback.db in your user data folder.  "
                          "[env: ASSISTANT_DATABASE_URL]"),
    ]):
        command = option(command)
    return command


def print_report(database_url: str | None, report, render, since_days: int | None, limit: int, as_json: bool):
    """Print report(store, since_days, limit) from the database at `database_url` (or the default): as JSON, or
    as render(report, since_days) prints it.

    Raises BadSetting when the URL or ASSISTANT_RETENTION_DAYS cannot be used, StoreUnavailable when
    the database cannot be reached.
    """
    from .store import Store  # imported here so `ask` does not load SQLAlchemy

    store = Store(database_url or default_database_url(), retention_days())
    try:
        data = report(store, since_days, limit)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        render(data, since_days)


@cli.command()
@report_options
def feedback(since_days, limit, as_json, database_url):
    """List the answers rated down most often, with their questions, passages and comments.

    People rate answers with the thumbs under each answer in the chat (POST /api/feedback).
    The same answer (the same passages, or the same fallback) given to several questions
    counts as one; its questions are listed with how often each was asked. This only
    reads: the server deletes answers older than its ASSISTANT_RETENTION_DAYS.
    """
    from .store import feedback_report

    print_report(database_url, feedback_report, render_feedback, since_days, limit, as_json)


def render_feedback(report: dict, since_days: int | None) -> None:
    """Print a feedback report as text: each answer, its passages, its questions and comments."""
    if not report["answers"]:
        click.echo(f"No answer was rated down{within(since_days)}.")
    for rated in report["answers"]:
        click.echo(click.style(f"{rated['down']} down, {rated['up']} up: ", bold=True) + rated["answer"])
        if rated["passages"]:
            click.echo(f"  passages: {', '.join(rated['passages'])}")
        for asked in rated["questions"]:
            after = f"  (after: {' / '.join(asked['history'])})" if asked["history"] else ""
            click.echo(f"  asked {asked['count']}x: {asked['question']}{after}")
        for comment in rated["comments"]:
            click.echo(f"  comment: {comment}")
        click.echo()


@cli.command()
@report_options
def unanswered(since_days, limit, as_json, database_url):
    """List the most frequent questions the articles did not answer, similar ones grouped.

    A question counts when its answer had found: false (no good match) or confidence: low.
    Urgent questions (a fall, a sudden weakness) are listed apart, after them: they got the
    urgent-care advice, and no article should answer them instead.
    Questions with the same words once stopwords are dropped and words are stemmed
    ("How do I stretch my psoas?", "psoas stretches") are one group, shown by its most
    frequent wording. This only reads: the server deletes answers older than its
    ASSISTANT_RETENTION_DAYS.
    """
    from .store import unanswered_report

    print_report(database_url, unanswered_report, render_unanswered, since_days, limit, as_json)


def render_unanswered(report: dict, since_days: int | None) -> None:
    """Print an unanswered report as text: each group's count and wording, then its other wordings; the urgent
    questions apart, after them."""
    if not report["questions"]:
        click.echo(f"No question went unanswered{within(since_days)}.")
    for question in report["questions"]:
        render_group(question, f"  ({question['not_found']} not found, {question['low_confidence']} low confidence; "
                               f"last {question['last_asked']})")
    urgent = report["urgent"]
    if urgent["count"]:
        click.echo(click.style(f"\n{urgent['count']} urgent question(s){within(since_days)}, answered with the "
                               "urgent-care advice (not gaps for an article):", bold=True))
        for question in urgent["questions"]:
            render_group(question, f"  (last {question['last_asked']})")


def render_group(question: dict, details: str) -> None:
    """Print a group of similar questions: its count and most frequent wording with details, then its other wordings."""
    click.echo(click.style(f"{question['count']:>4}  {question['question']}", bold=True) + details)
    for variant in question["variants"][1:]:
        click.echo(f"{variant['count']:>10}  {variant['question']}")


def within(since_days: int | None) -> str:
    """Return " in the last N days", or "" for all that are kept."""
    return f" in the last {since_days} days" if since_days else ""


@cli.command()
@click.argument("question", nargs=-1)
@click.option("--passage", "-p", metavar="ID", help="The passage that answers it, by the id `ask --json` gives "
              "(e.g. 'file.txt:120-340').")
@click.option("--quote", metavar="TEXT", help="Instead of --passage: a few exact words of the answer (with --source).")
@click.option("--source", metavar="FILE", help="The document the --quote is in (its file name).")
@click.option("--history", "-H", multiple=True, metavar="Q",
              help="An earlier question of the chat, for a follow-up wording (repeatable, oldest first).")
@click.option("--not-answered", is_flag=True, help="Teach it as a question the articles do not answer: the assistant "
              "then says \"no good match\" to questions like it.")
@click.option("--list", "listing", is_flag=True, help="List the taught questions instead of teaching one.")
@click.option("--json", "as_json", is_flag=True, help="With --list: print them as JSON.")
@click.pass_obj
def teach(settings: Settings, question, passage, quote, source, history, not_answered, listing, as_json):
    """Teach the assistant a visitor's wording QUESTION, attached to the passage that answers it (or, with
    --not-answered, as a question the articles do not answer).

    The question joins the corpus folder's questions.jsonl; a running server uses it after its next reindex
    check, with no restart.

    \b
    Examples:
      assistant ask --json "wich nerve controls the iliacus"     # find the passage id
      assistant teach "wich nerve controls the iliacus" --passage anatomy.txt:1200-1450
      assistant teach "and how long do I hold it?" -H "how do I stretch my hip flexors?" --passage ...
      assistant teach "how much does a session cost?" --not-answered
      assistant teach --list
    """
    if listing:
        return list_taught(settings, as_json)
    question = " ".join(question).strip()
    if not question:
        raise click.UsageError('give the visitor\'s QUESTION, e.g. assistant teach "wich nerve controls the iliacus" '
                               "--passage ID (or --list to see what is taught)")
    if not_answered:
        if passage or quote or source:
            raise click.UsageError("--not-answered takes no --passage, --quote or --source: the articles do not "
                                   "answer it")
        new = taught_module.check_taught({"question": question, "history": list(history), "not_answered": True})
        report = taught_module.teach(settings.corpus, new, lambda: _reindex(settings))
        click.echo(f"Taught {new.id}: {new.question!r} as not answered by the articles. Indexed {summary(report)}")
        return
    if bool(passage) == bool(quote):
        raise click.UsageError("say which passage answers it: --passage ID, or --quote TEXT with --source FILE "
                               "(or --not-answered)")
    if quote and not source:
        raise click.UsageError("--quote needs --source FILE: the document the quote is in")
    if passage:
        source, quote = taught_module.passage_anchor(settings.load_index(), passage)
    new = taught_module.check_taught({"question": question, "history": list(history), "source": source,
                                     "quote": quote})
    report = taught_module.teach(settings.corpus, new, lambda: _reindex(settings))
    click.echo(f"Taught {new.id}: {new.question!r} -> {new.source}: {new.quote!r}. Indexed {summary(report)}")


def list_taught(settings: Settings, as_json: bool) -> None:
    """Print the taught questions, each with the passages its quote anchors it to."""
    index = settings.load_index()
    rows = index_module.taught_listing(index)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Nothing is taught yet: `assistant teach QUESTION --passage ID` teaches a visitor's wording.")
    for row in rows:
        where = ", ".join(row["passages"]) or click.style("attached to no passage (its quote is gone)", fg="red")
        follow = f"  (after: {' / '.join(row['history'])})" if row["history"] else ""
        anchor = ("not answered by the articles" if row["not_answered"]
                  else f"{row['source']}: {row['quote']!r} -> {where}")
        click.echo(f"{row['id']}  {row['question']}{follow}\n{'':12}{anchor}")


@cli.command()
@click.argument("taught_id", metavar="ID")
@click.pass_obj
def untaught(settings: Settings, taught_id):
    """Remove the taught question ID (`assistant teach --list` shows the ids) and reindex."""
    removed, report = taught_module.untaught(settings.corpus, taught_id, lambda: _reindex(settings))
    click.echo(f"Removed {removed.id}: {removed.question!r}. Indexed {summary(report)}")


def main() -> None:
    """Run the command line (the `assistant` console script)."""
    cli(prog_name="assistant")
