"""`cauce triage` and `cauce train` (registered into the main CLI by `cauce.cli`)."""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import typer

DEFAULT_BATCH = 256


def _open_input(path: str) -> IO[str]:
    if path == "-":
        binary = typer.get_binary_stream("stdin")
    else:
        file = Path(path)
        if not file.is_file():
            typer.echo(f"No existe el archivo de entrada: {path}", err=True)
            raise typer.Exit(2)
        binary = file.open("rb")
    # Bad bytes become U+FFFD instead of aborting the stream; only "\n" ends a line.
    return io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="\n")


def _open_output(path: str) -> IO[str]:
    if path == "-":
        return typer.get_text_stream("stdout")
    try:
        return Path(path).open("w", encoding="utf-8")
    except OSError as exc:
        typer.echo(f"No se puede escribir el archivo de salida {path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc


def micro_batches(stream: IO[str], max_batch: int) -> Iterator[list[str]]:
    """Lines grouped into batches of whatever has already arrived (at most `max_batch`).

    A reader thread keeps reading while the pipeline works: a fast producer gets large,
    vectorised batches; a slow, interactive one gets each line answered as soon as it comes.
    """
    lines: queue.Queue[str | None] = queue.Queue(maxsize=max_batch * 8)

    def read() -> None:
        try:
            for line in stream:
                lines.put(line[:-1] if line.endswith("\n") else line)
        finally:
            lines.put(None)

    threading.Thread(target=read, name="triage-reader", daemon=True).start()
    while True:
        first = lines.get()
        if first is None:
            return
        batch = [first]
        finished = False
        while len(batch) < max_batch:
            try:
                item = lines.get_nowait()
            except queue.Empty:
                break
            if item is None:
                finished = True
                break
            batch.append(item)
        yield batch
        if finished:
            return


def triage(
    input: str = typer.Option("-", "--input", "-i", help="JSONL de menciones ('-' = entrada estándar)"),
    output: str = typer.Option("-", "--output", "-o", help="JSONL de resultados ('-' = salida estándar)"),
    details: bool = typer.Option(False, "--details", help="Añade evidencia, impacto y versión del modelo"),
    batch_size: int = typer.Option(DEFAULT_BATCH, "--batch-size", min=1, max=4096,
                                   help="Máximo de menciones por lote"),
) -> None:
    """Evalúa menciones JSONL en orden, sin base de datos: una línea de resultado por línea de entrada."""
    from cauce.triage.pipeline import load_default
    from cauce.triage.stream import StreamTriage

    source = _open_input(input)
    engine = StreamTriage(load_default(), details=details)
    sink = _open_output(output)
    try:
        for batch in micro_batches(source, batch_size):
            for result in engine.process(batch):
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
            sink.flush()
    finally:
        if output != "-":
            sink.close()


def train(
    corpus: Path = typer.Option(Path("data/corpus"), "--corpus", help="Carpeta del corpus etiquetado"),
    output: Path | None = typer.Option(None, "--output", help="Carpeta de salida de los modelos"),
) -> None:
    """Reentrena los modelos de triage desde el corpus, de forma determinista."""
    from cauce.triage.pipeline import MODELS_DIR
    from cauce.triage.train import TrainingError, train_and_save

    try:
        meta = train_and_save(corpus, output or MODELS_DIR)
    except TrainingError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(meta, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command("triage")(triage)
    app.command("train")(train)
