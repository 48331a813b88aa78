"""`rag` command line: index, search, ask, remove, info, eval. Mistakes are one-line errors, exit code 1."""

from __future__ import annotations

import json
import logging
import os
import sys
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


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start a new index instead of adding to the current one.")
@click.pass_context
@_friendly
def index_cmd(ctx: click.Context, paths: tuple[Path, ...], rebuild: bool):
    """Index files (.txt/.md in UTF-8, UTF-16, GB18030/GBK, Big5; .pdf, .docx, .html; scans) or directories of them."""
    files = loading.expand(list(paths))
    sources = [loading.read(f) for f in files]  # read all first: a bad file stops before anything is written
    engine = _engine(ctx)
    with click.progressbar(length=len(sources), label="indexing", file=sys.stderr) as bar:
        results = engine.add(sources, progress=bar.update, rebuild=rebuild)
    for r in results:
        click.echo(f"{r.status:9} {r.doc_id}: {r.articles} articles, {r.chunks} chunks")
    click.echo(f"build {engine.snapshot().build_id}")


@cli.command()
@click.argument("query")
@click.option("-k", "--top-k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), help="Override the search mode.")
@click.option("--doc", "doc_ids", multiple=True, help="Only search these documents (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@_friendly
def search(ctx: click.Context, query: str, top_k: int, mode: str | None, doc_ids: tuple[str, ...], as_json: bool):
    """Search the index."""
    from dataclasses import replace

    if not query.strip():
        raise click.ClickException("the query is empty")
    engine = _engine(ctx)
    config = replace(engine.config, mode=mode) if mode else None
    result = engine.search(query, top_k, list(doc_ids) or None, config)
    if as_json:
        click.echo(json.dumps({"results": [_hit_json(h) for h in result.hits], "timings_ms": result.timings_ms},
                              ensure_ascii=False, indent=2))
        return
    for n, hit in enumerate(result.hits, 1):
        c = hit.chunk
        click.echo(f"{n:2}. [{hit.score:.4f}] {c.doc_id} [{c.start}:{c.end}] {c.title}")
        click.echo(f"    {c.text[:120].replace(chr(10), ' ')}")


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
        click.echo(json.dumps({"backend": _backend_line(ctx.obj["settings"]), "manifest": snap.manifest, "documents": [d.__dict__ for d in docs]},
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
        click.echo(f"  {d.doc_id}  {d.articles} articles, {d.chunks} chunks, {d.chars} chars")


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
@click.pass_context
@_friendly
def eval_cmd(ctx: click.Context, dataset: Path, url: str | None, api_key: str | None, only: str, chunk_sizes: str,
             report_dir: Path):
    """Score retrieval (and answers) on a question set and write a report."""
    from rag.evaluation import datasets, evaluate, report
    from rag.evaluation.answers import answer_table, evaluate_answers

    data = datasets.load(dataset)
    if url:
        from rag.engine import search_config

        search = evaluate.remote_searcher(url, api_key)
        base = search_config(ctx.obj["settings"])
        passages = None
        engine = None
    else:
        engine = _engine(ctx)
        search = evaluate.local_searcher(engine)
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
    answers = evaluate_answers(data, engine) if engine is not None else None
    if answers:
        click.echo(answer_table(answers))
    written = report.write(report_dir, data, reports, answers)
    click.echo(f"report: {written}")


def main():  # pragma: no cover
    cli(prog_name="rag")


if __name__ == "__main__":  # pragma: no cover
    main()
