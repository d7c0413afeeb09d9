"""A fictional population for the demo stream: names, handles, dialects and a heavy-tailed reach.

The population is built from a seed, so the same seed always yields the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Dialect = Literal["mx", "co", "ar", "es", "cl", "pe"]
DIALECTS: tuple[Dialect, ...] = ("mx", "co", "ar", "es", "cl", "pe")
Role = Literal["cliente", "hostil", "troll", "periodista", "influencer", "campana"]


@dataclass(frozen=True)
class SimPerson:
    handle: str  # without the leading "@"
    name: str
    followers: int
    dialect: Dialect
    role: Role = "cliente"


_FIRST = {
    "mx": ("Guadalupe", "José Luis", "Ximena", "Fernanda", "Juan Carlos", "Itzel", "Alejandro",
           "Citlali", "Rodrigo", "Mariana", "Diego", "Paola", "Emiliano", "Yesenia", "Uriel"),
    "co": ("Andrés Felipe", "Luisa Fernanda", "Juliana", "Santiago", "Camilo", "Valentina",
           "Jhon Jairo", "Natalia", "Sebastián", "Yuliana", "Mauricio", "Daniela", "Wilson"),
    "ar": ("Martín", "Florencia", "Agustina", "Nicolás", "Lucía", "Facundo", "Milagros",
           "Joaquín", "Micaela", "Tomás", "Romina", "Gonzalo", "Camila"),
    "es": ("Lucía", "Jorge", "Marta", "Álvaro", "Nerea", "Iker", "Carmen", "Pablo", "Ainhoa",
           "Javier", "Rocío", "Sergio", "Irene"),
    "cl": ("Francisca", "Benjamín", "Constanza", "Matías", "Javiera", "Vicente", "Catalina",
           "Cristóbal", "Antonia", "Ignacio", "Fernanda", "Felipe"),
    "pe": ("Rosa", "Luis Ángel", "Milagros", "Renzo", "Kiara", "Piero", "Fiorella", "Jhonatan",
           "Alessandra", "Gianfranco", "Yessica", "Christian"),
}
_LAST = {
    "mx": ("Hernández", "García", "Martínez", "López", "González", "Ramírez", "Cruz", "Flores",
           "Xicoténcatl", "Mendoza", "Aguilar", "Juárez"),
    "co": ("Rodríguez", "Gómez", "Restrepo", "Ospina", "Cárdenas", "Zapata", "Quintero",
           "Bermúdez", "Valencia", "Giraldo", "Mosquera", "Arango"),
    "ar": ("Fernández", "Pereyra", "Sosa", "Romero", "Acosta", "Benítez", "Giménez", "Rossi",
           "Ferrari", "Medina", "Ledesma", "Quiroga"),
    "es": ("Sánchez", "Pérez", "Gutiérrez", "Navarro", "Iglesias", "Ortega", "Etxeberria",
           "Vidal", "Castro", "Moreno", "Serrano", "Puig"),
    "cl": ("Muñoz", "Rojas", "Díaz", "Soto", "Contreras", "Silva", "Sepúlveda", "Araya",
           "Fuentes", "Valenzuela", "Tapia", "Carrasco"),
    "pe": ("Quispe", "Mamani", "Huamán", "Flores", "Chávez", "Vargas", "Rojas", "Torres",
           "Castillo", "Ramos", "Salazar", "Condori"),
}
_HANDLE_SUFFIX = ("", "_", "88", "92", "01", "_oficial", "x", "13", "_real", "2024", "77", "_")
_HANDLE_PREFIX = ("", "", "", "la_", "el_", "soy", "yo", "its")

# Characters every simulator run shares: they drive the hostile, troll and crisis scenarios.
JOURNALIST = SimPerson("vale_ocampo_noticias", "Valeria Ocampo · Periodista", 184_000, "co",
                       "periodista")
INFLUENCER = SimPerson("sofi.glow", "Sofi Glow ✨", 426_000, "mx", "influencer")
HOSTILE = SimPerson("justicia_al_cliente", "El Cliente Estafado", 2_340, "co", "hostil")
TROLL = SimPerson("don_sarcasmo_", "Don Sarcasmo 🤡", 870, "ar", "troll")


def _ascii(text: str) -> str:
    table = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")
    return "".join(c for c in text.translate(table).lower() if c.isalnum() or c == "_")


def _followers(rng: random.Random) -> int:
    # Pareto-like heavy tail: most people have tens or hundreds, a few have tens of thousands.
    value = int(30 * (rng.paretovariate(1.1) - 1) * rng.uniform(0.5, 3.0))
    return min(value, 90_000)


def build_population(seed: int, size: int = 600) -> tuple[SimPerson, ...]:
    """`size` ordinary people spread over all dialects, with unique handles."""
    if size < len(DIALECTS):
        raise ValueError("la población de demo necesita al menos una persona por dialecto")
    rng = random.Random(f"people-{seed}")
    people: list[SimPerson] = []
    seen = {JOURNALIST.handle, INFLUENCER.handle, HOSTILE.handle, TROLL.handle}
    for index in range(size):
        dialect = DIALECTS[index % len(DIALECTS)]
        first = rng.choice(_FIRST[dialect])
        last = rng.choice(_LAST[dialect])
        base = _ascii(rng.choice(_HANDLE_PREFIX) + first.split()[0] + rng.choice(("", "_", ".")) +
                      last) + rng.choice(_HANDLE_SUFFIX)
        handle = base
        while handle in seen:
            handle = f"{base}{rng.randint(1, 999)}"
        seen.add(handle)
        name = f"{first} {last}" if rng.random() < 0.8 else first
        people.append(SimPerson(handle, name, _followers(rng), dialect))
    return tuple(people)


def campaign_account(rng: random.Random, index: int) -> SimPerson:
    """A throw-away account of a coordinated campaign: generic name, few followers."""
    stem = rng.choice(("usuario", "user", "cliente", "ciudadano", "vecino", "real", "anon"))
    return SimPerson(f"{stem}{rng.randint(1000, 99999)}_{index}", stem.capitalize(),
                     rng.randint(0, 40), rng.choice(DIALECTS), "campana")
