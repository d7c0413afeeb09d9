# ruff: noqa: E501  (vocabulary lists read better one per line)
"""Generate batch 33 of the corpus: joy and praise in tweet style, and hard negatives for the threat flag
(issue 13). Writes ``source/messages/33_joy_praise.txt``; ``build.py`` expands it.

Why: on real listening streams joy about anything (a goal, a book, an episode, an election result, a
birthday) came out negative or as a complaint, because the corpus taught that emotional, exclamatory,
hashtag-heavy text is a customer's anger. These messages teach the opposite, in our own words (written
here, never copied from EmoEvent or HatEval, which stay evaluation-only):

* celebration and praise of anything — sport, series, music, books, family, food, travel, work,
  civic joy, promotions of events — with the intensifiers tweets use ("épico", "los putos amos",
  "lloré de la emoción", "qué locura", emoji, hashtags, elongations), and joy said with words a
  complaint also uses ("no puede ser más bonito", "otra vez campeones", "nunca me había reído tanto",
  swearing as an intensifier): ``ot - +0/+1``, not relevant;
* praise and thanks addressed to a demo brand: ``fe - +0``, relevant (the brand is named);
* sentences with threat words that are not the author's threat: wishes ("ojalá lo supiéramos"),
  plans ("lo primero que voy a hacer es ir a verlos"), teaching, fear of an attack, fiction: ``ot``,
  no flag, not relevant.

Deterministic (own seed, no I/O but the output file); a candidate closer than ratio 80 to one already
kept is dropped. Batch 32 (``offdomain.py``) is untouched, so its split is unchanged; these messages carry
``rel=`` and count as off-domain, so the headline scores on batches 01–31 keep their test set.

Run: ``python data/corpus/joy.py && python data/corpus/build.py && python data/corpus/validate.py``
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offdomain import (
    ARTISTS,
    BRANDS,
    CHANNELS,
    CITIES,
    DIALECTS,
    FOODS,
    GAMES,
    PEOPLE,
    PLAYERS,
    SERIES,
    TEAMS,
)
from validate import normalise

OUT = Path(__file__).resolve().parent / "source" / "messages" / "33_joy_praise.txt"
SEED = 33
MAX_SIMILARITY = 80.0

JOY_EMOJI = ["❤️", "😍", "🥰", "🙌", "✨", "🥳", "💙", "😊", "🔥", "💪", "🤩", "💖", "😎", "🎉", "👏", "⚽", "📚", "🎶", "🙏", "💛", "😭❤️", "🤗"]
TAGS = ["#DíaDelLibro", "#Champions", "#LaLiga", "#Final", "#FelizViernes", "#FelizDomingo", "#Orgullo", "#Gracias",
        "#TBT", "#Campeones", "#Navidad", "#Concierto", "#Maratón", "#FinDeSemana", "#Graduación", "#Cumple",
        "#Elecciones", "#Vamos", "#BuenosDías", "#Verano", "#Estreno", "#Lectura", "#Familia", "#Viaje"]
INTENSIFIERS = ["qué locura", "no puedo más de la emoción", "se me puso la piel de gallina", "lloré de la emoción",
                "estoy que no quepo de la felicidad", "no me lo creo", "histórico", "épico", "brutal",
                "una maravilla", "qué gozada", "una pasada", "demasiado lindo", "lo más", "de otro planeta",
                "me muero de amor", "qué nivel", "increíble", "inolvidable", "para enmarcar", "tremendo",
                "de locos", "una bendición", "lo mejor que me ha pasado este año"]
CHEERS = ["¡Vamos!", "¡Bravo!", "¡Aguante!", "¡Olé!", "¡Grande!", "¡Qué grande!", "¡Gracias!", "¡Vamoooos!",
          "¡Felicidades!", "¡Enhorabuena!", "¡Salud!", "¡A celebrar!"]
BOOKS = ["Cien años de soledad", "Rayuela", "Pedro Páramo", "El Quijote", "La sombra del viento", "Ficciones",
         "Como agua para chocolate", "La casa de los espíritus", "Patria", "El túnel", "Los detectives salvajes",
         "Nada", "Crónica de una muerte anunciada", "El principito", "Harry Potter", "Mafalda"]
PLACES = ["la playa", "la montaña", "el lago", "el desierto", "la sierra", "el pueblo de mis abuelos", "la costa",
          "el malecón", "el parque", "la finca", "el mirador", "la isla"]
PETS = ["mi perrita", "mi gato", "el cachorro", "mi perro", "la gatita", "el loro de mi abuela"]
EVENTS = ["mi cumple", "la boda de mi hermana", "mi graduación", "el bautizo de mi sobrina", "nuestro aniversario",
          "la fiesta del barrio", "el reencuentro del colegio", "la primera comunión de mi ahijado"]
PRAISE_STAFF = ["el técnico", "la asesora", "el repartidor", "la cajera", "el piloto", "la enfermera", "el conductor",
                "la chica del chat", "el señor de la ventanilla", "el equipo de soporte"]

SWEAR_WORDS = ("puta", "putos", "cago", "pinche", "jodid", "carajo")

Row = tuple[str, str, str]  # labels, text, relevant


def _tail(rng: random.Random) -> str:
    text = f", {rng.choice(INTENSIFIERS)}" if rng.random() < 0.45 else ""
    if rng.random() < 0.5:
        text += " " + "".join(rng.choice(JOY_EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.45:
        text += " " + " ".join(rng.sample(TAGS, rng.randint(1, 2)))
    return text


def _decorate(rng: random.Random, text: str) -> str:
    if rng.random() < 0.2:
        text = f"{rng.choice(CHEERS)} {text}"
    if rng.random() < 0.12:  # tweet shouting and elongation
        text = text.replace("qué ", "quéeee ", 1) if "qué " in text else text.upper() if len(text) < 90 else text
    text = (text + _tail(rng)).strip()
    return text.replace(" de el ", " del ").replace(" a el ", " al ").replace("A el ", "Al ")


def sport(rng: random.Random) -> str:
    team, other, player = rng.choice(TEAMS), rng.choice(TEAMS), rng.choice(PLAYERS)
    return rng.choice([
        f"Golazo de {player} en el {rng.randint(60, 95)}, {team} a la final",
        f"{team} {rng.randint(2, 5)}-{rng.randint(0, 1)} y a semifinales, qué noche",
        f"{player} es el mejor de la historia y me siento afortunado de verlo jugar",
        f"Soy contemporánea de {player}, se lo contaré a mis nietos",
        f"Los putos amos: {team} remonta ante {other}",
        f"Lo de {player} hoy fue arte, qué manera de jugar",
        f"Gran primer tiempo de {team}, dominando a {other} con toque",
        f"{team} campeón después de {rng.randint(3, 20)} años, mi viejo llorando conmigo",
        f"Qué lindo es ser hincha de {team} en noches como esta",
        f"GOOOOOOL de {player}!!! {team} lo da vuelta",
        f"La afición de {team} cantando en el estadio, piel de gallina",
        f"Con este resultado ya me quedo tranquilo, {team} en la siguiente ronda",
        f"{player} llega a {rng.randint(300, 800)} goles, una leyenda viva",
        f"Ver a {team} jugar así da gusto, {other} no la vio",
        f"Partidazo en {rng.choice(CITIES)}, {team} y {other} nos regalaron fútbol del bueno",
        "Feliz por la selección, por fin ganamos de visitante",
    ])


def screen(rng: random.Random) -> str:
    series, artist, game = rng.choice(SERIES), rng.choice(ARTISTS), rng.choice(GAMES)
    return rng.choice([
        f"Capítulo épico de {series}, valió la pena esperar todo el año",
        f"Solo por el episodio de hoy ya valió la pena ver {series} entera",
        f"El final de temporada de {series} me dejó con la boca abierta, qué guion",
        f"Se pelean pero en el fondo se quieren, los hermanos de {series} son lo mejor",
        f"Ese personaje de {series} empezó cayéndome mal y ahora lo adoro",
        f"Concierto de {artist} en {rng.choice(CITIES)}: cantamos todas las canciones, noche perfecta",
        f"Lo nuevo de {artist} no deja de sonar en mi casa",
        f"Por fin me pasé {game}, orgullosísima de mí",
        f"Ya tengo mis entradas para {artist}, cuento los días",
        f"Maratón de {series} con {rng.choice(PEOPLE)}, mantita y chocolate, felicidad pura",
        f"Qué bien actúa la protagonista de {series}, se merece todos los premios",
        f"{artist} sacó disco sorpresa y es buenísimo de principio a fin",
        f"Escuchando a {artist} camino al trabajo y el lunes ya no pesa",
        f"La banda sonora de {series} es preciosa, la escucho para estudiar",
        f"Mañana estreno de {series}, ya tengo las palomitas listas",
    ])


def books_culture(rng: random.Random) -> str:
    book = rng.choice(BOOKS)
    return rng.choice([
        f"Feliz día del libro a quienes encuentran refugio en las páginas, hoy releo {book}",
        f"Empecé {book} y no lo puedo soltar",
        f"Regalé {book} a {rng.choice(PEOPLE)} y le encantó",
        f"Hoy en la librería salí con {rng.randint(2, 6)} libros nuevos, soy feliz",
        f"Leer {book} de joven me cambió la vida, gracias a quien me lo recomendó",
        f"La feria del libro de {rng.choice(CITIES)} estuvo hermosa, volveré el sábado",
        f"Terminé {book} y me quedé con una sonrisa enorme",
        f"¿Cuál es ese libro al que siempre vuelven? El mío es {book}",
        "Mi hija leyó sola su primer libro, qué orgullo",
        f"Club de lectura hoy con {book}, qué buena conversación salió",
        f"Fui al museo de {rng.choice(CITIES)} y quedé enamorada de la exposición",
        "El teatro estaba lleno y la obra fue maravillosa, aplausos de pie",
    ])


def life(rng: random.Random) -> str:
    person, place, pet, event, food = (rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(PETS),
                                       rng.choice(EVENTS), rng.choice(FOODS))
    return rng.choice([
        f"Hoy celebramos {event} y fue un día precioso",
        f"Gracias a todos por los mensajes en {event}, los quiero mucho",
        f"Fin de semana en {place} con {person}, desconexión total",
        f"{pet.capitalize()} aprendió a dar la pata, estoy orgullosa",
        f"Desayuno con {food} y café, así sí empieza bien el día",
        "Aprobé el examen de manejo a la primera, ¡por fin!",
        "Me dieron el trabajo que tanto quería, empiezo el lunes",
        "Primer día de vacaciones y el sol salió para nosotros",
        f"{person.capitalize()} se recuperó y ya está en casa, gracias a Dios",
        f"Atardecer en {place}, no hay filtro que le haga justicia",
        "Nació mi sobrino, bienvenido al mundo pequeño",
        f"Cocinamos {food} en familia y quedó riquísimo",
        f"Cumplimos {rng.randint(2, 40)} años juntos, te amo",
        "Estamos listos para empezar el fin de semana de la mejor manera",
        "Terminé mi primera media maratón, cansada pero feliz",
        "Hoy me gradué, gracias mamá por todo",
        f"Llegó la primavera y {place} está llena de flores",
        f"Tarde de juegos de mesa con {person}, me reí como nunca",
        f"Mi abuela cumplió {rng.randint(80, 99)} y bailó toda la noche",
        f"Después de {rng.randint(2, 10)} años volví a ver a {person}, qué abrazo",
    ])


def civic_promo(rng: random.Random) -> str:
    city = rng.choice(CITIES)
    return rng.choice([
        "Orgullosa de mi país por votar en paz, ganó la democracia",
        f"Qué alegría ver a tanta gente joven votando hoy en {city}",
        "Los jóvenes salimos a la calle por el clima y fue precioso, ¡ahora o nunca!",
        "Eternamente agradecida a quienes hicieron posible este resultado",
        "Han ganado la tolerancia y la convivencia, bravo",
        f"Inauguraron la biblioteca del barrio en {city}, qué buena noticia",
        f"Récord de donantes de sangre en {city}, qué gente solidaria",
        "Te esperamos mañana para desayunar, hay pan recién horneado y buena música",
        f"Este sábado feria gastronómica en {city}, entrada libre, ¡los esperamos!",
        "Vive la final con nosotros en pantalla gigante, habrá sorteos",
        f"Celebramos {rng.randint(5, 50)} años del club con una fiesta en {city}",
        f"Noche de museos gratis en {city}, plan perfecto para el viernes",
        f"El hospital de {city} recibió equipos nuevos gracias a la colecta, gracias a todos",
        f"Ojalá más gente se sume a limpiar las playas, hoy fuimos {rng.randint(20, 300)} voluntarios",
    ])


ADJECTIVES = ["espectacular", "bonito", "perfecto", "emocionante", "hermoso", "bueno", "brillante", "precioso"]


def joy_in_complaint_words(rng: random.Random) -> str:
    """Joy said with words a complaint also uses (negation, "otra vez", swearing as intensifier)."""
    team, player, series, artist = rng.choice(TEAMS), rng.choice(PLAYERS), rng.choice(SERIES), rng.choice(ARTISTS)
    adjective = rng.choice(ADJECTIVES)
    return rng.choice([
        f"No puede ser más {adjective} lo de {player}",
        f"No puede ser tan {adjective} el capítulo de {series}, no estoy llorando",
        f"Otra vez {team} campeón y otra vez {player} la figura",
        f"Una vez más {artist} demostrando por qué es la mejor",
        f"Nunca me había reído tanto como con {series}",
        f"Nunca me había alegrado tanto de no dormir, valió la pena ver {series}",
        f"Me cago en todo, qué obra maestra el final de {series}",
        f"{series} es la puta mejor cosa que han hecho en televisión",
        f"Pinche {player}, hasta jugando feo es hermoso verlo",
        f"Jodido {artist}, me hizo llorar de felicidad en el concierto",
        f"Sin palabras, {team} nos dejó sin aliento",
        f"No me lo puedo creer, {team} lo hizo otra vez",
        f"Qué barbaridad lo de {player}, es de otro mundo",
        f"Estoy muerta de la emoción con lo nuevo de {artist}",
        f"Me mató de amor el final de {series}",
        f"Hasta cuándo nos va a seguir haciendo felices {player}",
        f"Necesitamos más gente como {rng.choice(PEOPLE)} en este mundo",
        f"Ganó mi candidata, por fin una buena noticia para {rng.choice(CITIES)}",
        f"Nadie me quita lo bailado con {artist} anoche",
        f"Ni en mis mejores sueños imaginé ver a {team} así",
    ])


def brand_praise(rng: random.Random, brand: str) -> str:
    staff = rng.choice(PRAISE_STAFF)
    return rng.choice([
        f"Gracias {brand}, {staff} fue súper amable y me resolvió todo en minutos",
        f"Felicitaciones a {staff} de {brand}, así da gusto ser cliente",
        f"{brand} nunca me falla, otra vez todo perfecto",
        f"Quiero agradecer a {brand} por la rapidez, quedé encantada",
        f"Qué buen servicio el de {brand} hoy, {staff} un amor",
        f"Diez de diez para {brand}, llegó antes de lo previsto y en perfecto estado",
        f"Mil gracias {brand}, me salvaron el día",
        f"Llevo {rng.randint(2, 12)} años con {brand} y sigo feliz, recomendadísimos",
        f"Bravo {brand}, la app nueva es comodísima",
        f"Hoy {staff} de {brand} se pasó de atento, ojalá todos fueran así",
        f"{brand} sos lo más, gracias por la paciencia",
        f"Me encantó la atención de {brand}, volveré sin duda",
    ])


def not_a_threat(rng: random.Random) -> tuple[str, str]:
    """(sentiment+anger, text): threat words that are not the author's threat."""
    person, artist, city = rng.choice(PEOPLE), rng.choice(ARTISTS), rng.choice(CITIES)
    return rng.choice([
        ("00", "Ojalá lo supiéramos, nadie nos explica nada"),
        ("00", f"Ojalá supiera qué pasó con {person}, no contesta"),
        ("+0", f"Juro que con mi primer sueldo lo primero que voy a hacer es ir a ver a {artist}"),
        ("+0", f"Lo primero que voy a hacer cuando llegue a {city} es comerme {rng.choice(FOODS)}"),
        ("00", "A mi hija le voy a enseñar a trabajar y a no depender de nadie"),
        ("+0", f"Le voy a enseñar a {person} a nadar este verano"),
        ("-1", f"Con tanta inseguridad en {city} cualquier día nos ponen una bomba en el metro, qué miedo"),
        ("-1", f"Tengo miedo de que nos hagan algo al salir del concierto, {city} está fea de noche"),
        ("00", "En la película el villano dice que los va a matar a todos y al final pierde"),
        ("00", "Voy a ir a verlos al estadio el domingo, ya tengo la camiseta"),
        ("00", "Vamos a romper la piñata a las seis, traigan a los niños"),
        ("-0", "Se van a arrepentir los que no vieron el partido, fue un espectáculo"),
        ("00", f"Mañana me voy a cargar de energía en {city}, necesito vacaciones"),
        ("00", f"Le voy a pegar una llamada a {person} a ver si viene a cenar"),
        ("+0", f"Hoy le doy una sorpresa a {person}, no le digan nada"),
        ("00", f"El noticiero dijo que detuvieron al que amenazaba a los vecinos de {city}"),
        ("00", "En el videojuego hay que matar al dragón para pasar de nivel"),
        ("-0", "Me dan ganas de tirar el celular por la ventana, se me borraron las fotos"),
    ])


def generate(total: int = 1100) -> list[tuple[str, str, Row]]:
    """(sector, brand, row) in a fixed order."""
    rng = random.Random(SEED)
    sectors = {b: s for s, b in BRANDS}

    def joy(make: Callable[[random.Random], str]) -> Callable[[], tuple[str | None, Row]]:
        def row() -> tuple[str | None, Row]:
            text = _decorate(rng, make(rng))
            swearing = any(word in text.casefold() for word in SWEAR_WORDS)  # swearing as an intensifier
            return None, (f"ot - +{rng.choice('0001')} {'w' if swearing else '.'}", text, "0")

        return row

    def praise() -> tuple[str | None, Row]:
        brand = rng.choice(BRANDS)[1]
        return brand, ("fe - +0 .", _decorate(rng, brand_praise(rng, brand.replace("_", " "))), "1")

    def negative_example() -> tuple[str | None, Row]:
        mood, text = not_a_threat(rng)
        sentiment = {"+": "+", "0": "0", "-": "-"}[mood[0]]
        return None, (f"ot - {sentiment}{mood[1]} .", text, "0")

    themes: list[tuple[float, Callable[[], tuple[str | None, Row]]]] = [
        (0.20, joy(sport)), (0.17, joy(screen)), (0.12, joy(books_culture)), (0.22, joy(life)),
        (0.10, joy(civic_promo)), (0.13, praise), (0.06, negative_example), (0.14, joy(joy_in_complaint_words)),
    ]
    weights = [w for w, _ in themes]
    kept: list[tuple[str, str, Row]] = []
    normalised: list[str] = []
    attempts = 0
    while len(kept) < total and attempts < total * 40:
        attempts += 1
        brand, (labels, text, relevant) = rng.choices(themes, weights)[0][1]()
        key = normalise(text)  # the validator's folding: emoji and punctuation do not make a text new
        if normalised and process.extractOne(key, normalised, scorer=fuzz.ratio, score_cutoff=MAX_SIMILARITY):
            continue
        normalised.append(key)
        brand = brand or rng.choice(BRANDS)[1]
        labels += f" d={rng.choice(DIALECTS)} ch={rng.choice(CHANNELS)} b={brand} rel={relevant}"
        kept.append((sectors[brand], brand, (labels, text, relevant)))
    return kept


def main() -> None:
    rows = generate()
    lines = ["# Generated by data/corpus/joy.py: do not edit by hand (re-run the script).",
             "# sector=telecom brand=Conectel dialect=neutral channel=twitter lang=es"]
    current = ""
    for sector, brand, (labels, text, _) in rows:
        if sector != current:
            lines.append(f"# sector={sector} brand={brand} dialect=neutral channel=twitter lang=es")
            current = sector
        lines.append(f"{labels} | {text}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT.name}: {len(rows)} messages")


if __name__ == "__main__":
    main()
