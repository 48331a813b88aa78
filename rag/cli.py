"""`rag` command line: index, search, ask, remove, info, eval. Mistakes are one-line errors, exit code 1."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict
from functools import wraps
from pathlib import Path

import click

from rag.config import Settings
from rag.ingest import loading


def _engine(ctx: click.Context):
    from rag.engine import Engine

    if "engine" not in ctx.obj:
        ctx.obj["engine"] = Engine(ctx.obj["settings"])
    return ctx.obj["engine"]


def _friendly(fn):
    """Turn the errors a user can cause into one line on stderr and exit status 1."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from rag.indexing.index import IndexStateError

        try:
            return fn(*args, **kwargs)
        except (loading.LoadError, IndexStateError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
        except KeyError as exc:
            raise click.ClickException(exc.args[0] if exc.args else str(exc)) from None

    return wrapper


@click.group()
@click.option("--index-dir", type=click.Path(path_type=Path), help="Index directory (default: $RAG_INDEX_DIR or ./index).")
@click.option("--model", help="Embedding model: the bundled default or a sentence-transformers name/path.")
@click.pass_context
def cli(ctx: click.Context, index_dir: Path | None, model: str | None):
    """Ask questions of Chinese newspaper pages and get answers that cite their sources."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.getLogger("jieba").setLevel(logging.WARNING)
    overrides = {k: v for k, v in {"index_dir": index_dir, "model": model}.items() if v is not None}
    try:
        ctx.obj = {"settings": Settings(**overrides)}
    except Exception as exc:  # pydantic's ValidationError: a bad RAG_* variable
        raise click.ClickException(f"invalid settings: {exc}") from None


def _filter_options(fn):
    """The search scope options shared by `search`, `ask` and `eval`."""
    options = [
        click.option("--collection", "collections", multiple=True, help="Search this collection (repeatable; "
                     "default: the default collection)."),
        click.option("--doc", "doc_ids", multiple=True, help="Only search these documents (repeatable)."),
        click.option("--date-from", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after (YYYY-MM-DD)."),
        click.option("--date-to", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before (YYYY-MM-DD)."),
        click.option("--paper", "papers", multiple=True, help="Only this paper (repeatable)."),
        click.option("--page", "pages", multiple=True, type=click.IntRange(1), help="Only this page, 版次 (repeatable)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _filters(collections, doc_ids, date_from, date_to, papers, pages):
    from rag.search.filters import Filters
    from rag.types import DEFAULT_COLLECTION

    return Filters(collections=tuple(collections) or (DEFAULT_COLLECTION,), doc_ids=tuple(doc_ids) or None,
                   date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
                   papers=tuple(papers), pages=tuple(pages))


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start a new index instead of adding to the current one.")
@click.option("--collection", default="default", show_default=True,
              help="The collection the files go into (create it first with `rag collections create`).")
@click.pass_context
@_friendly
def index_cmd(ctx: click.Context, paths: tuple[Path, ...], rebuild: bool, collection: str):
    """Index files (.txt/.md in UTF-8, UTF-16, GB18030/GBK, Big5; .pdf, .docx, .html; scans) or directories of them.

    Newspaper metadata comes from a sidecar NAME.json beside a file, else from what its text prints."""
    from rag.ingest.metadata import described, from_sidecar, sidecar_for

    files = loading.expand(list(paths))
    # Read all first: a bad file (or sidecar) stops before anything is written.
    sources = []
    for f in files:
        sidecar = sidecar_for(f)
        sources.append(described(loading.read(f), collection, sidecar=from_sidecar(sidecar) if sidecar else None))
    engine = _engine(ctx)
    with click.progressbar(length=len(sources), label="indexing", file=sys.stderr) as bar:
        results = engine.add(sources, progress=bar.update, rebuild=rebuild)
    engine.wait()  # the sentence vectors and merges that follow a write, before the process exits
    for r in results:
        click.echo(f"{r.status:9} {r.doc_id}: {r.articles} articles, {r.chunks} chunks")
    click.echo(f"build {engine.snapshot().build_id}")


@cli.command()
@click.argument("query")
@click.option("-k", "--top-k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), help="Override the search mode.")
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@_friendly
def search(ctx: click.Context, query: str, top_k: int, mode: str | None, as_json: bool, **scope):
    """Search the index."""
    from dataclasses import replace

    if not query.strip():
        raise click.ClickException("the query is empty")
    engine = _engine(ctx)
    config = replace(engine.config, mode=mode) if mode else None
    result = engine.search(query, top_k, _filters(**scope), config)
    if as_json:
        click.echo(json.dumps({"results": [_hit_json(h) for h in result.hits], "timings_ms": result.timings_ms},
                              ensure_ascii=False, indent=2))
        return
    for n, hit in enumerate(result.hits, 1):
        c = hit.chunk
        click.echo(f"{n:2}. [{hit.score:.4f}] {c.doc_id} [{c.start}:{c.end}] {c.title}")
        click.echo(f"    {c.text[:120].replace(chr(10), ' ')}")


@cli.command()
@click.argument("question")
@click.option("-k", "--top-k", default=5, show_default=True, type=click.IntRange(1, 20),
              help="Passages the answer is drawn from.")
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@_friendly
def ask(ctx: click.Context, question: str, top_k: int, as_json: bool, **scope):
    """Answer a question from the documents, citing where each part comes from (or say that they do not)."""
    from rag.answering.pipeline import QuestionAnswerer

    if not question.strip():
        raise click.ClickException("the question is empty")
    qa = QuestionAnswerer.from_settings(_engine(ctx), ctx.obj["settings"])
    result = qa.ask(question, top_k, _filters(**scope))
    answer = result.answer
    if as_json:
        click.echo(json.dumps(_answer_json(answer, result.timings_ms), ensure_ascii=False, indent=2))
        return
    click.echo(answer.text)
    if answer.short_answer:
        click.echo(f"\nshort answer: {answer.short_answer.text} [{answer.short_answer.n}]")
    cited = answer.related if answer.refused else answer.citations
    if cited:
        click.echo("\nclosest passages:" if answer.refused else "\nsources:")
    for c in cited:
        ch = c.hit.chunk
        a, b = c.highlight
        click.echo(f"[{c.n}] {ch.doc_id} [{ch.start}:{ch.end}] {ch.title}: {ch.text[a:b].replace(chr(10), ' ')}")


def _answer_json(answer, timings_ms: dict) -> dict:
    """The answer as /ask returns it (its fields, not its HTTP envelope)."""
    s = answer.short_answer

    def cited(items):
        return [{**_hit_json(c.hit), "n": c.n, "highlight": list(c.highlight)} for c in items]

    return {"answer": answer.text, "refused": answer.refused,
            "refusal_reason": answer.refusal_reason.value if answer.refusal_reason else None,
            "short_answer": {"text": s.text, "n": s.n, "start": s.start, "end": s.end} if s else None,
            "citations": cited(answer.citations), "related": cited(answer.related), "timings_ms": timings_ms}


def _hit_json(hit) -> dict:
    c = hit.chunk
    return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "article_id": c.article_id, "title": c.title,
            "text": c.text, "start": c.start, "end": c.end, "score": hit.score,
            "scores": {"dense": hit.dense, "lexical": hit.lexical}}


@cli.command()
@click.argument("doc_ids", nargs=-1, required=True)
@click.pass_context
@_friendly
def remove(ctx: click.Context, doc_ids: tuple[str, ...]):
    """Remove documents by id (the file name)."""
    for doc in _engine(ctx).remove(list(doc_ids)):
        click.echo(f"removed {doc.doc_id}: {doc.articles} articles, {doc.chunks} chunks")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_friendly
def info(ctx: click.Context, as_json: bool):
    """Show the current build: model, counts, documents."""
    snap = _engine(ctx).snapshot()
    docs = snap.store.documents()
    if as_json:
        click.echo(json.dumps({"backend": _backend_line(ctx.obj["settings"]), "manifest": snap.manifest,
                               "documents": [asdict(d) for d in docs]},
                              ensure_ascii=False, indent=2))
        return
    m = snap.manifest
    click.echo(f"backend    {_backend_line(ctx.obj['settings'])}")
    click.echo(f"build      {m['build_id']}  ({m['created_at']})")
    click.echo(f"model      {m['model']['name']}  dim {m['model']['dim']}")
    click.echo(f"vectors    {m['vector_index']['kind']}  {m['counts']['vectors']}")
    click.echo(f"counts     {m['counts']['documents']} documents, {m['counts']['articles']} articles, "
               f"{m['counts']['chunks']} chunks")
    for d in docs:
        click.echo(f"  {d.doc_id}  [{d.collection}]  {d.articles} articles, {d.chunks} chunks, {d.chars} chars"
                   + (f"  {d.meta.paper or ''} {d.meta.date or ''} {f'第{d.meta.page}版' if d.meta.page else ''}"
                      if d.meta.paper or d.meta.date or d.meta.page else ""))


@cli.group()
def collections():
    """List, create and delete collections (separate archives in one index)."""


@collections.command("list")
@click.pass_context
@_friendly
def collections_list(ctx: click.Context):
    for c in _engine(ctx).snapshot().store.collections():
        click.echo(f"{c.name:20} {c.documents} documents, {c.chunks} chunks  {c.description}")


@collections.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the collection holds.")
@click.pass_context
@_friendly
def collections_create(ctx: click.Context, name: str, description: str):
    c = _engine(ctx).create_collection(name, description)
    click.echo(f"created {c.name}")


@collections.command("delete")
@click.argument("name")
@click.pass_context
@_friendly
def collections_delete(ctx: click.Context, name: str):
    """Delete a collection and every document in it."""
    c = _engine(ctx).delete_collection(name)
    click.echo(f"deleted {c.name}: {c.documents} documents, {c.chunks} chunks")


def _backend_line(settings) -> str:
    if settings.backend == "milvus":
        return f"milvus  {settings.milvus_uri}  collection {settings.milvus_collection}"
    return f"embedded  {settings.index_dir}"


@cli.command()
@click.option("--to", "target", type=click.Choice(["milvus"]), required=True,
              help="The backend to copy the embedded index into (RAG_MILVUS_URI, RAG_MILVUS_COLLECTION).")
@click.pass_context
@_friendly
def migrate(ctx: click.Context, target: str):
    """Copy the embedded index (chunks, vectors, documents) into Milvus without re-embedding."""
    from rag.engine import Engine
    from rag.indexing.index import Index, NoIndex
    from rag.indexing.store import Store

    settings = ctx.obj["settings"]
    index = Index(settings.index_dir, None)
    if not index.store_path.exists():
        raise NoIndex(f"no embedded index at {settings.index_dir} to migrate")
    engine = Engine(settings.model_copy(update={"backend": target}))
    store = Store(index.store_path, readonly=True)
    try:
        with click.progressbar(length=len(store.documents()), label="migrating", file=sys.stderr) as bar:
            results = engine.backend.migrate_from(store, progress=bar.update)
    finally:
        store.close()
    for r in results:
        click.echo(f"{r.status:9} {r.doc_id}: {r.articles} articles, {r.chunks} chunks")
    click.echo(f"backend {_backend_line(engine.settings)}, build {engine.snapshot().build_id}")


@cli.command("eval")
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="Evaluate a running server instead of the local index.")
@click.option("--api-key", envvar="RAG_API_KEY", help="Bearer key for --url.")
@click.option("--only", type=click.Choice(["default", "all"]), default="all", show_default=True,
              help="'default': only the configured setup; 'all': the retrieval ablations too.")
@click.option("--chunk-sizes", default="", help="Also re-chunk at these sizes, e.g. 150,300,400 (local only).")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), default=Path("eval/reports"),
              show_default=True, help="Where the Markdown report, chart and misses go.")
@_filter_options
@click.pass_context
@_friendly
def eval_cmd(ctx: click.Context, dataset: Path, url: str | None, api_key: str | None, only: str, chunk_sizes: str,
             report_dir: Path, **scope):
    """Score retrieval (and answers) on a question set and write a report; --collection and the filters
    scope every question."""
    from rag.evaluation import datasets, evaluate, report
    from rag.evaluation.answers import answer_table, evaluate_answers

    data = datasets.load(dataset)
    filters = _filters(**scope)
    if url:
        from rag.engine import search_config

        search = evaluate.remote_searcher(url, api_key, filters=filters)
        base = search_config(ctx.obj["settings"])
        passages = None
        engine = None
    else:
        engine = _engine(ctx)
        search = evaluate.local_searcher(engine, filters)
        base = engine.config
        store = engine.snapshot().store
        passages = {c.chunk_id: c.text for c in store.chunks_by_id(store.chunk_rows()).values()}
    configs = {"default": base} if only == "default" else {**evaluate.variants(base), "default": base}
    reports = []
    for name, config in configs.items():
        click.echo(f"running {name} ...", err=True)
        reports.append(evaluate.evaluate_retrieval(data, search, config, name, passages))
    if chunk_sizes and engine is not None:
        import tempfile

        sizes = [int(s) for s in chunk_sizes.split(",") if s.strip()]
        with tempfile.TemporaryDirectory() as tmp:
            reports += evaluate.chunk_size_variants(engine, sizes, base, data, tmp)
    click.echo(evaluate.table(reports))
    answers = evaluate_answers(data, engine, filters=filters) if engine is not None else None
    if answers:
        click.echo(answer_table(answers))
    written = report.write(report_dir, data, reports, answers)
    click.echo(f"report: {written}")


def main():  # pragma: no cover
    cli(prog_name="rag")


if __name__ == "__main__":  # pragma: no cover
    main()
