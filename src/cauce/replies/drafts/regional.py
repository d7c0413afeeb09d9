"""Regional touches per brand country: how people greet, close and name the private channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Regional:
    greetings: tuple[str, ...]
    closings: tuple[str, ...]
    dm: str  # how the private channel is said locally


_DEFAULT = Regional(
    greetings=("Hola, {name}.", "¡Hola, {name}!", "{name}, hola."),
    closings=("Un saludo.", "Quedamos atentos.", ""),
    dm="por DM",
)

REGIONS: dict[str, Regional] = {
    "CO": Regional(("Hola, {name}.", "¡Hola, {name}!", "Buen día, {name}."),
                   ("Quedamos atentos.", "Un saludo.", ""), "por DM"),
    "MX": Regional(("¡Hola, {name}!", "Hola, {name}.", "¡Qué tal, {name}!"),
                   ("Quedamos al pendiente.", "Saludos.", ""), "por DM"),
    "ES": Regional(("¡Hola, {name}!", "Hola, {name}.", "Buenas, {name}."),
                   ("Un saludo.", "Un abrazo.", ""), "por mensaje privado (MD)"),
    "AR": Regional(("¡Hola, {name}!", "Hola, {name}.", "{name}, ¡hola!"),
                   ("Saludos.", "Un abrazo.", ""), "por DM"),
    "UY": Regional(("¡Hola, {name}!", "Hola, {name}."), ("Saludos.", ""), "por DM"),
    "CL": Regional(("¡Hola, {name}!", "Hola, {name}."), ("Saludos.", "Quedamos atentos.", ""), "por DM"),
    "PE": Regional(("¡Hola, {name}!", "Hola, {name}."), ("Quedamos atentos.", "Saludos.", ""), "por DM"),
}

EN = Regional(("Hi {name},", "Hello {name},"), ("Best,", ""), "via DM")
# One signature format per language, so a brand always signs the same way: the agent's first name
# (people are less hostile with a person, PLAYBOOK §3) and the brand. Brands may set their own.
SIGNATURES = ("— {agent}, de {brand}",)
SIGNATURES_EN = ("— {agent}, {brand}",)


def regional_for(country: str | None, language: str) -> Regional:
    if language == "en":
        return EN
    return REGIONS.get((country or "").upper(), _DEFAULT)
