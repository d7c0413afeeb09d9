"""`cauce train --organisation SLUG`: train that organisation's adapter from its corrections.

Without `--organisation`, `cauce train` retrains the shipped models from the corpus, as before
(`cauce.triage.cli.train`); this command replaces it in the CLI with the extra option.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer


def train(
    corpus: Path = typer.Option(Path("data/corpus"), "--corpus", help="Carpeta del corpus etiquetado"),
    output: Path | None = typer.Option(None, "--output", help="Carpeta de salida de los modelos"),
    organisation: str | None = typer.Option(None, "--organisation", "--organizacion",
                                            help="Entrena el adaptador de esta organización (slug) con sus "
                                                 "correcciones, en vez de los modelos del corpus"),
) -> None:
    """Reentrena los modelos de triage desde el corpus, o el adaptador de una organización."""
    if organisation is None:
        from cauce.triage.cli import train as train_shipped

        train_shipped(corpus=corpus, output=output)
        return
    from sqlalchemy import select

    from cauce.brands.models import Organisation
    from cauce.clitools import fail, open_database
    from cauce.corrections import training
    from cauce.errors import CauceError

    db = open_database()
    with db.session() as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == organisation))
        if org is None:
            fail(f"No existe la organización {organisation!r}.")
        try:
            run = training.train_organisation(session, organisation_id=org.id, trigger="cli",
                                              folder=corpus if corpus.is_dir() else None)
        except CauceError as exc:
            fail(exc.message)
        out = {"organisation": organisation, "version": run.version, "accepted": run.accepted,
               "reason": run.reason, "examples_used": run.examples_used, "metrics": run.metrics}
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    if not run.accepted:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    app.registered_commands = [c for c in app.registered_commands
                               if (c.name or (c.callback.__name__ if c.callback else "")) != "train"]
    app.command("train")(train)
