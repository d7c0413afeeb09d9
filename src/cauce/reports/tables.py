"""The dashboard's numbers as tables with Spanish headers: shown on the page, exported as CSV/XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cauce import vocabulary as labels
from cauce.cases import lifecycle
from cauce.reports.service import DIMENSIONS, Dashboard, TimeRow

OUTCOME_LABELS = {**lifecycle.OUTCOMES, "sin_resultado": "Sin resultado"}
CRISIS_LABELS = {"calma": "Sin crisis", "active": "En crisis", "watch": "En vigilancia"}
ROOT_CAUSE_LABELS = {"proposed": "Propuesta", "confirmed": "Confirmada"}


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    # Column indexes holding shares (0..1): pages show them as %, exports as percentage numbers.
    percent_columns: tuple[int, ...] = ()

    def without(self, *headers: str) -> Table:
        """The same table minus some columns (the printed report keeps only what fits on A4)."""
        keep = [i for i, h in enumerate(self.headers) if h not in headers]
        return Table(self.key, self.title, [self.headers[i] for i in keep],
                     [[row[i] for i in keep] for row in self.rows],
                     tuple(n for n, i in enumerate(keep) if i in self.percent_columns))

    def export_rows(self) -> list[list[Any]]:
        return [[_percent(v) if i in self.percent_columns else v for i, v in enumerate(row)] for row in self.rows]


def _percent(value: Any) -> Any:
    return None if value is None else round(float(value) * 100, 1)


DIMENSION_TITLES = {"brand": "Tiempos por marca", "channel": "Tiempos por canal", "agent": "Tiempos por agente",
                    "area": "Tiempos por área"}
TABLE_KEYS = {"brand": "marcas", "channel": "canales", "agent": "agentes", "area": "areas"}


def _time_table(key: str, title: str, first: str, rows: list[TimeRow], with_targets: bool) -> Table:
    headers = [first, "Casos", "Con 1.ª respuesta", "1.ª respuesta mediana (min)", "1.ª respuesta p90 (min)",
               "1.ª respuesta en meta (%)", "Resueltos", "Resolución mediana (h)", "Resolución p90 (h)",
               "Resolución en meta (%)"]
    if with_targets:
        headers += ["Meta 1.ª respuesta (min hábiles)", "Meta resolución de quejas (h hábiles)"]
    body = []
    for r in rows:
        line: list[Any] = [r.label, r.cases, r.responded, r.first_response_median_min, r.first_response_p90_min,
                           r.first_response_within_target, r.resolved, r.resolution_median_h, r.resolution_p90_h,
                           r.resolution_within_target]
        if with_targets:
            line += [r.target_first_response_min, r.target_resolution_h]
        body.append(line)
    return Table(key, title, headers, body, (5, 9))


def _local(iso: str | None, d: Dashboard) -> datetime | None:
    """A timestamp of the dashboard in its report's time zone (pages format it with babel, exports as dates)."""
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(d.period.get("timezone") or "UTC"))


def tables(d: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard, by the key used in export URLs."""
    out: dict[str, Table] = {}
    for dimension, first in DIMENSIONS.items():
        key = TABLE_KEYS[dimension]
        out[key] = _time_table(key, DIMENSION_TITLES[dimension], first, d.by_dimension[dimension],
                               with_targets=dimension == "brand")
    v = d.volumes
    types = list(v.by_type)
    out["volumen"] = Table("volumen", "Volumen diario por tipo de PQR",
                           ["Día", "Total", *[labels.label(labels.PQR_TYPES, t) for t in types], "Pico"],
                           [[day, v.totals[i], *[v.by_type[t][i] for t in types], "sí" if day in v.spike_days else ""]
                            for i, day in enumerate(v.days)])
    out["tipos"] = Table("tipos", "Casos por tipo de PQR", ["Tipo de PQR", "Casos"],
                         [[labels.label(labels.PQR_TYPES, k), n] for k, n in v.type_totals.items()])
    out["categorias"] = Table("categorias", "Quejas por categoría", ["Categoría", "Casos"],
                              [[labels.label(labels.CATEGORIES, k), n] for k, n in v.category_totals.items()])
    out["pendientes"] = Table("pendientes", "Casos abiertos por estado (ahora)", ["Estado", "Casos abiertos"],
                              [[lifecycle.STATES.get(s, s), n] for s, n in d.live.backlog.items()])
    clock_labels = d.labels["clocks"]
    out["vencidos"] = Table("vencidos", "Casos con plazos vencidos (ahora)",
                            ["Caso", "Título", "Marca", "Estado", "Plazos vencidos", "Vencido hace (min)"],
                            [[w.id, w.title, w.brand, lifecycle.STATES.get(w.status, w.status),
                              ", ".join(clock_labels.get(c, c) for c in w.clocks), w.overdue_minutes]
                             for w in d.live.worst])
    s = d.satisfaction
    out["satisfaccion"] = Table("satisfaccion", "Satisfacción (CSAT)", ["Calificación", "Respuestas"],
                                [[f"{score} de 5", n] for score, n in sorted(s.distribution.items(), reverse=True)])
    r = d.resolution
    out["resultados"] = Table("resultados", "Resultado de los casos cerrados", ["Resultado", "Casos"],
                              [[OUTCOME_LABELS.get(k, k), n] for k, n in r.outcomes.items()])
    if d.root_causes is not None:
        out["causas"] = Table("causas", "Principales causas raíz",
                              ["Causa raíz", "Marca", "Categoría", "Estado", "Casos"],
                              [[c.label, c.brand, labels.label(labels.CATEGORIES, c.category),
                                ROOT_CAUSE_LABELS.get(c.status, c.status), c.cases] for c in d.root_causes])
    if d.crises is not None:
        out["crisis"] = Table("crisis", "Estado de crisis por marca",
                              ["Marca", "Estado", "Crisis en curso", "Desde", "Crisis en el periodo"],
                              [[c.brand, CRISIS_LABELS.get(c.status, c.status), c.title or "", _local(c.since, d),
                                c.crises_in_period] for c in d.crises])
    return out
