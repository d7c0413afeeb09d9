# ruff: noqa: E501  (vocabulary lists read better one per line)
"""Generate the off-domain part of the corpus: what a listening query catches that is not a customer
talking to a brand (issue 13). Writes ``source/messages/32_offdomain.txt``; ``build.py`` expands it.

Deterministic (fixed seed, no I/O but the output file). Every message is composed from several
independent slots (frame, subject, detail, tail, channel, dialect) so texts vary; a candidate
closer than ratio 80 to one already kept is dropped (the train/test near-duplicate rule is 85).

Themes: sport, TV and series, politics, news, religion, fandom, gaming, memes, spam and ads, daily
life (joy, sadness, tiredness), talk about other companies (not complaints to ours), homonyms of the
demo brands (a stadium, a singer, a region), figurative violence (sport, games, jokes, lyrics,
quotes, news of crimes), off-domain hostility and hate not about any brand (abusive), and explicit
threats, incitement and doxxing, without a brand and against a demo brand's staff (threat).

Labels (datasheet): all are ``otro`` with no category; ``relevant`` is false except the threats
aimed at a demo brand or its staff, which name the brand (relevant=true).

Run: ``python data/corpus/offdomain.py && python data/corpus/build.py && python data/corpus/validate.py``
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

OUT = Path(__file__).resolve().parent / "source" / "messages" / "32_offdomain.txt"
SEED = 13
MAX_SIMILARITY = 80.0

DIALECTS = ("mx", "co", "ar", "es", "cl", "pe", "ve", "neutral")
CHANNELS = ("tw", "tw", "tw", "fb", "ig", "yt", "bs", "ma", "tg")
BRANDS = (("telecom", "Conectel"), ("telecom", "Telandes"), ("ecommerce", "MercaPlaza"), ("ecommerce", "Compralia"),
          ("banca", "Banco_Andino"), ("delivery", "RapiMenú"), ("aerolinea", "AeroCéfiro"), ("aerolinea", "VuelaSur"),
          ("energia", "Electra_del_Valle"), ("energia", "Corpoluz"), ("salud", "EPS_Vitalsalud"),
          ("salud", "Clínica_Santa_Brisa"), ("retail", "Tiendas_Ramírez"), ("retail", "Lumina_Cosméticos"),
          ("seguros", "Seguros_Amparo"), ("alcaldia", "Alcaldía_de_San_Telmo"))

TEAMS = ["el Madrid", "el Barça", "el Atleti", "Boca", "River", "el América", "las Chivas", "Nacional", "el Junior",
         "Millonarios", "Colo-Colo", "la U", "Alianza Lima", "Universitario", "el Betis", "el Sevilla", "Racing",
         "Independiente", "Cruz Azul", "Pumas", "Tigres", "el Caracas", "Peñarol", "la Selección", "el Valencia",
         "San Lorenzo", "Rayados", "el Cali", "Santa Fe", "Sporting Cristal"]
PLAYERS = ["Messi", "Vinícius", "Lewandowski", "el Dibu", "Falcao", "James", "Luis Díaz", "Alexis", "Vidal", "Cavani",
           "Suárez", "Pedri", "Gavi", "Lamine", "Julián", "Enzo", "Raphinha", "Griezmann", "Mbappé", "Ochoa",
           "Chicharito", "Guerrero", "Rondón", "el Cuti", "Paredes", "De Paul"]
SERIES = ["La casa de papel", "Juego de Tronos", "Élite", "Breaking Bad", "The Last of Us", "Stranger Things",
          "La Reina del Sur", "El Chavo", "Betty la fea", "Succession", "Merlina", "Narcos", "Los Simpson",
          "Pasapalabra", "MasterChef", "Operación Triunfo", "La Rosa de Guadalupe", "Gran Hermano", "Friends",
          "The Office", "Dark", "La que se avecina", "Aquí no hay quien viva", "El juego del calamar"]
ARTISTS = ["Bad Bunny", "Shakira", "Karol G", "Rosalía", "Taylor Swift", "BTS", "Quevedo", "Aitana", "Peso Pluma",
           "Soda Stereo", "Maná", "Juanes", "Bizarrap", "Tini", "Feid", "Duki", "Lali", "Natalia Lafourcade",
           "Morat", "Camilo", "Rauw Alejandro", "Mon Laferte", "Residente", "Harry Styles"]
GAMES = ["el Fortnite", "el FIFA", "el LoL", "el Valorant", "el Minecraft", "el Elden Ring", "el GTA", "el Zelda",
         "el Mario Kart", "el CoD", "el Free Fire", "el Among Us", "el Counter", "el Clash Royale", "el Dark Souls"]
POLITICIANS = ["el presidente", "la ministra", "el alcalde de la capital", "el senador", "la diputada",
               "el gobernador", "la oposición", "el candidato", "la vicepresidenta", "el congreso", "el partido"]
CITIES = ["Bogotá", "Medellín", "Cali", "Lima", "Arequipa", "Santiago", "Valparaíso", "Buenos Aires", "Rosario",
          "Córdoba", "Madrid", "Sevilla", "Valencia", "Bilbao", "Ciudad de México", "Guadalajara", "Monterrey",
          "Caracas", "Maracaibo", "Quito", "Montevideo", "Puebla", "Barranquilla", "Cusco", "Mendoza"]
FOODS = ["unas arepas", "unos tacos al pastor", "una paella", "un ceviche", "unas empanadas", "un asado",
         "una bandeja paisa", "unos churros", "un ajiaco", "unas pupusas", "un mate", "una tortilla de patatas",
         "unas tequeños", "un pisco sour", "un completo", "unas medialunas", "un tinto", "unos chilaquiles"]
FOODS[12] = "unos tequeños"
PEOPLE = ["mi abuela", "mi hermano", "mi novia", "mi novio", "mi vieja", "mi jefe", "mi prima", "el vecino",
          "mi mejor amiga", "mi hijo", "mi sobrina", "mi compa", "mi suegra", "el profe", "mi roomie", "mi papá"]
HANDLES = ["@pepe_88", "@lau.gomez", "@eltiodelbarrio", "@marianela_r", "@fercho23", "@la_negra_ok", "@juanchoo",
           "@sofi.vb", "@tincho_10", "@caro_mx", "@dani_elrojo", "@vale.rr", "@quique_bcn", "@pao_lima"]
OTHER_COMPANIES = ["Apple", "Samsung", "Netflix", "Spotify", "Tesla", "Amazon", "Google", "Zara", "Nike", "Adidas",
                   "McDonald's", "Starbucks", "Disney", "Nintendo", "Sony", "Microsoft", "Coca-Cola", "Uber",
                   "Mercedes", "Toyota", "IKEA", "Lego", "Airbnb", "OpenAI"]
LAUGH = ["jajaja", "JAJAJAJ", "jsjsjs", "xd", "jajsjs", "😂😂", "🤣", "jaja", "jeje"]
JOY_EMOJI = ["❤️", "😍", "🥰", "🙌", "✨", "🥳", "💙", "😊", "🔥", "💪", "🤩", "💖"]
SAD_EMOJI = ["😢", "😭", "💔", "😞", "🥺", "😔"]
HASHTAGS = ["#Viernes", "#FelizDomingo", "#LunesDeFlojera", "#ElClásico", "#Elecciones", "#DíaDelLibro",
            "#Champions", "#Final", "#OT", "#GH", "#Navidad", "#SemanaSanta", "#Mundial", "#TBT", "#Copa"]

Row = tuple[str, str, str]  # labels ("ot - +1 ."), text, relevant ("0"/"1")


def _tail(rng: random.Random, pool: list[str], p: float = 0.5) -> str:
    return (" " + rng.choice(pool)) if rng.random() < p else ""


def sport(rng: random.Random) -> Row:
    team, other, player = rng.choice(TEAMS), rng.choice(TEAMS), rng.choice(PLAYERS)
    mood = rng.random()
    if mood < 0.45:
        text = rng.choice([
            f"¡Qué golazo de {player}! {team} campeón, no lo puedo creer",
            f"Vamos {team} carajo, ganamos {rng.randint(1, 5)}-{rng.randint(0, 1)} y la afición de fiesta",
            f"Felicidades a {team} por el título, temporada inolvidable",
            f"{player} es de otro planeta, qué partidazo hizo hoy contra {other}",
            f"Lloré con el gol de {player} en el minuto {rng.randint(80, 95)}, qué felicidad",
            f"Orgullosa de mi {team}, remontada histórica ante {other}",
            f"Por fin {team} en la final, {rng.choice(PEOPLE)} y yo saltando en el sofá",
            f"Qué bonito ver a {player} levantar la copa después de tantos años",
        ])
        return f"ot - +{rng.randint(0, 1)} .", text + _tail(rng, JOY_EMOJI + HASHTAGS, 0.6), "0"
    if mood < 0.75:
        text = rng.choice([
            f"{team} juega contra {other} el {rng.choice(['sábado', 'domingo', 'miércoles', 'jueves'])} a las {rng.randint(14, 21)}:00",
            f"Alineación confirmada de {team}: {player} de titular y {rng.choice(PLAYERS)} en el banco",
            f"Quién gana hoy, ¿{team} o {other}? Yo digo empate",
            f"Se lesionó {player}, estará {rng.randint(2, 8)} semanas fuera según el club",
            f"Resumen de la jornada {rng.randint(3, 38)}: {team} {rng.randint(0, 3)}, {other} {rng.randint(0, 3)}",
            f"El fichaje de {player} por {team} estaría cerrado, dicen en la radio",
        ])
        return "ot - 00 .", text + _tail(rng, HASHTAGS, 0.3), "0"
    text = rng.choice([
        f"Qué vergüenza {team}, otra vez perdiendo contra {other}",
        f"El árbitro nos robó el partido, {team} merecía ganar",
        f"{player} no sirve para nada, que lo vendan ya",
        f"Otra eliminación de {team}, estoy harto de este equipo",
        f"Qué tristeza, {team} bajó a segunda después de {rng.randint(20, 90)} años",
        f"Horrible el partido de {team}, me dormí en el segundo tiempo",
    ])
    return f"ot - -{rng.randint(1, 2)} .", text + _tail(rng, [*SAD_EMOJI, "🤬", "😤"], 0.4), "0"


def tv(rng: random.Random) -> Row:
    series, artist = rng.choice(SERIES), rng.choice(ARTISTS)
    if rng.random() < 0.55:
        text = rng.choice([
            f"Terminé {series} y estoy en shock, qué final tan bonito",
            f"El nuevo disco de {artist} es una joya, lo escucho en bucle",
            f"Maratón de {series} con {rng.choice(PEOPLE)} y palomitas, plan perfecto",
            f"Me encanta {artist}, el concierto de anoche fue mágico",
            f"La temporada {rng.randint(2, 6)} de {series} está buenísima, recomendadísima",
            f"Ya tengo entradas para {artist} en {rng.choice(CITIES)}, ¡no me lo creo!",
            f"Qué capítulo el de hoy de {series}, lo amé",
        ])
        return f"ot - +{rng.randint(0, 1)} .", text + _tail(rng, JOY_EMOJI, 0.6), "0"
    if rng.random() < 0.6:
        text = rng.choice([
            f"¿Alguien más viendo {series}? Voy por el capítulo {rng.randint(2, 10)}",
            f"Esta noche estrenan lo nuevo de {artist} a las {rng.randint(18, 23)}:00",
            f"{artist} anuncia gira por {rng.choice(CITIES)} y {rng.choice(CITIES)}",
            f"Dónde puedo ver {series} online, ¿en qué plataforma está?",
            f"Dato curioso: {series} se grabó casi entera en {rng.choice(CITIES)}",
        ])
        return "ot - 00 .", text, "0"
    text = rng.choice([
        f"Qué decepción el final de {series}, arruinaron todo",
        f"No soporto la nueva canción de {artist}, es malísima",
        f"Lloré tanto con el capítulo de {series}, me dejó destrozada",
        f"Cancelaron {series}, estoy triste de verdad",
    ])
    return f"ot - -{rng.randint(0, 1)} .", text + _tail(rng, SAD_EMOJI, 0.5), "0"


def politics_news(rng: random.Random) -> Row:
    who, city = rng.choice(POLITICIANS), rng.choice(CITIES)
    if rng.random() < 0.5:
        text = rng.choice([
            f"{who.capitalize()} anuncia una reforma tributaria que se votará en {rng.choice(['marzo', 'abril', 'mayo', 'junio'])}",
            f"Última hora: sismo de magnitud {rng.randint(4, 6)}.{rng.randint(0, 9)} sacude {city}, sin daños reportados",
            f"Incendio en un edificio de {city}; los bomberos controlaron las llamas",
            f"La inflación bajó al {rng.randint(2, 9)},{rng.randint(0, 9)} % en {rng.choice(['enero', 'febrero', 'octubre', 'noviembre'])}",
            f"Hoy votan {rng.randint(10, 40)} millones de personas; cierre de urnas a las {rng.randint(16, 18)}:00",
            f"Paro de transporte en {city} mañana, confirman los sindicatos",
            f"Se registró una fuerte lluvia en {city}, varias calles inundadas",
            f"El debate de {who} y la oposición fue esta noche en televisión",
            f"Detienen en {city} a una banda dedicada al robo de autopartes",
        ])
        return "ot - 00 .", text, "0"
    text = rng.choice([
        f"{who.capitalize()} miente más de lo que habla, qué vergüenza de gobierno",
        f"Estoy harto de la corrupción, {who} se tiene que ir ya",
        f"Qué tristeza lo que pasa en {city}, nadie hace nada",
        "Voté y me siento orgullosa de mi país, viva la democracia",
        f"No puede ser que {who} siga en el cargo después de todo",
        f"Indignada con {who}, el pueblo no olvida",
    ])
    sentiment = "+1" if "orgullosa" in text else f"-{rng.randint(1, 2)}"
    return f"ot - {sentiment} .", text + _tail(rng, HASHTAGS, 0.3), "0"


def religion_daily(rng: random.Random) -> Row:
    person, food = rng.choice(PEOPLE), rng.choice(FOODS)
    roll = rng.random()
    if roll < 0.25:
        text = rng.choice([
            "Gracias Dios por un día más de vida y salud para mi familia",
            "Que la Virgen nos proteja en este viaje, amén",
            f"Bendiciones para todos en este {rng.choice(['domingo', 'lunes', 'viernes'])} 🙏",
            "Feliz Semana Santa a todos, tiempo de reflexión y paz",
            f"Hoy fui a misa con {person}, me hacía falta",
            "Dios aprieta pero no ahorca, a seguir adelante",
        ])
        return "ot - +0 .", text, "0"
    if roll < 0.6:
        text = rng.choice([
            f"Hoy {person} me preparó {food}, soy muy feliz",
            f"Domingo perfecto: sol, {food} y siesta",
            f"Qué bonito día en {rng.choice(CITIES)}, a disfrutar",
            f"Me encanta cocinar {food} los fines de semana",
            f"Cumpleaños de {person} hoy, te quiero muchísimo",
            f"Aprobé el examen de {rng.choice(['cálculo', 'historia', 'inglés', 'anatomía', 'derecho civil'])}, ¡por fin!",
            f"Primer día de vacaciones en {rng.choice(CITIES)}, vida ✨",
            f"Mi perrito cumple {rng.randint(2, 12)} años hoy, es el amor de mi vida",
            "Empecé a leer un libro nuevo por el #DíaDelLibro y ya me atrapó",
        ])
        return f"ot - +{rng.randint(0, 1)} .", text + _tail(rng, JOY_EMOJI, 0.6), "0"
    if roll < 0.8:
        text = rng.choice([
            f"Qué sueño tengo, no dormí nada por culpa de {person}",
            "Lunes otra vez, no quiero levantarme",
            f"Hace un calor insoportable en {rng.choice(CITIES)} hoy",
            f"Extraño mucho a {person}, ya son {rng.randint(2, 9)} años sin verla",
            "Se murió mi gatita esta mañana, no paro de llorar",
            "Estoy agotada, la semana fue larguísima",
            f"Me duele la cabeza desde ayer, {person} dice que es el estrés",
            "Qué soledad tan grande los domingos por la tarde",
        ])
        return f"ot - -{rng.randint(0, 1)} .", text + _tail(rng, SAD_EMOJI, 0.4), "0"
    text = rng.choice([
        f"¿Alguien sabe una receta fácil de {food.split(' ', 1)[1]}?",
        f"Mañana voy a {rng.choice(CITIES)} a ver a {person}",
        f"Lista de la compra: pan, leche, huevos y {food.split(' ', 1)[1]}",
        "Hoy toca limpiar la casa y luego gimnasio",
        f"¿A qué hora abre el mercado de {rng.choice(CITIES)} los domingos?",
    ])
    return "ot - 00 .", text, "0"


def fandom_gaming_memes(rng: random.Random) -> Row:
    artist, game, series = rng.choice(ARTISTS), rng.choice(GAMES), rng.choice(SERIES)
    roll = rng.random()
    if roll < 0.3:
        text = rng.choice([
            f"STREAM {artist.upper()} NOW 💜 el nuevo single ya está en todas partes",
            f"Las fans de {artist} somos las mejores, nadie nos gana",
            f"Votemos por {artist} en los premios, ¡vamos que se puede!",
            f"{artist} me respondió un comentario, me voy a desmayar",
            f"Feliz cumpleaños {artist}, gracias por tanto 💖",
        ])
        return "ot - +1 .", text, "0"
    if roll < 0.6:
        text = rng.choice([
            f"Llevo {rng.randint(3, 12)} horas jugando {game} y no me aburro",
            f"Por fin subí a {rng.choice(['diamante', 'platino', 'oro', 'maestro'])} en {game}",
            f"¿Alguien para jugar {game} esta noche? Pasen ID",
            f"Nueva actualización de {game}: cambian el mapa y el sistema de rangos",
            f"Perdí {rng.randint(4, 9)} partidas seguidas en {game}, me quiero morir",
            f"Mi hermano me ganó en {game} y ahora no se calla",
        ])
        sentiment = "-1" if ("Perdí" in text or "ganó" in text) else "+0"
        return f"ot - {sentiment} .", text + _tail(rng, LAUGH, 0.4), "0"
    text = rng.choice([
        f"Yo explicando a {rng.choice(PEOPLE)} la trama de {series} {rng.choice(LAUGH)}",
        f"Cuando dices 'solo un capítulo más' y son las 4 am {rng.choice(LAUGH)}",
        f"POV: tu {rng.choice(['mamá', 'abuela', 'tía'])} descubre los stickers de WhatsApp",
        f"No es por presumir pero ya me comí {rng.randint(2, 6)} empanadas hoy {rng.choice(LAUGH)}",
        f"El que tenga un meme mejor que este que lo suba {rng.choice(LAUGH)}",
        f"Mi cara cuando {rng.choice(PEOPLE)} dice que va a cocinar {rng.choice(LAUGH)}",
        f"Nadie: / Absolutamente nadie: / {rng.choice(PEOPLE).capitalize()} a las 7 am con la música a todo volumen",
    ])
    return "ot - +0 .", text, "0"


def spam_companies(rng: random.Random) -> Row:
    company, other = rng.choice(OTHER_COMPANIES), rng.choice(OTHER_COMPANIES)
    roll = rng.random()
    if roll < 0.4:
        text = rng.choice([
            f"🔥 GANA ${rng.randint(200, 900)} DIARIOS desde tu casa, escríbeme al DM 🔥",
            f"Sigue a esta cuenta y participa por un {rng.choice(['iPhone', 'PS5', 'viaje a Cancún', 'televisor 4K'])} 🎁",
            f"Curso de inversión en cripto con {rng.randint(80, 99)}% de éxito garantizado, link en bio",
            f"Vendo {rng.choice(['sofá', 'bicicleta', 'nevera', 'laptop', 'cuna', 'moto'])} en buen estado en {rng.choice(CITIES)}, precio a tratar",
            f"Se busca {rng.choice(['mesero', 'cajera', 'diseñador', 'programadora', 'conductor'])} en {rng.choice(CITIES)}, envía tu CV",
            f"Ofertas de fin de semana: {rng.randint(20, 70)}% en toda la tienda online, no te lo pierdas",
            "Seguidores reales y baratos, 1000 por solo 5 dólares, escríbeme",
            f"Tarot y amarres de amor efectivos, consulta gratis al {rng.randint(3000000, 3999999)}",
        ])
        return "ot - 00 .", text, "0"
    text = rng.choice([
        f"{company} presenta su nuevo producto y las acciones suben un {rng.randint(1, 9)}%",
        f"{company} compra a una startup de {rng.choice(CITIES)} por {rng.randint(2, 90)} millones",
        f"Me compré unas zapatillas {company} y son comodísimas",
        f"¿Qué es mejor, {company} o {other}? Estoy entre los dos",
        f"El anuncio navideño de {company} este año me hizo llorar",
        f"{company} abrirá {rng.randint(2, 30)} tiendas nuevas en {rng.choice(CITIES)}",
        f"Dicen que {company} despedirá a {rng.randint(100, 9000)} empleados este año",
        f"La historia de {company} es fascinante, recomiendo el documental",
    ])
    sentiment = "+1" if any(w in text for w in ("comodísimas", "llorar", "fascinante")) else "00"
    return f"ot - {sentiment} .", text, "0"


def homonyms(rng: random.Random) -> tuple[str, Row]:
    """Things that share a demo brand's name but are not the brand."""
    choices: list[tuple[str, Callable[[], str]]] = [
        ("Conectel", lambda: f"Concierto de {rng.choice(ARTISTS)} en el Estadio Conectel de {rng.choice(CITIES)} el {rng.randint(1, 28)} de {rng.choice(['mayo', 'junio', 'julio'])}"),
        ("Conectel", lambda: f"Qué ambiente en la Arena Conectel, {rng.choice(TEAMS)} jugando de local"),
        ("AeroCéfiro", lambda: f"El céfiro de la tarde en {rng.choice(CITIES)}, qué poema tan bonito leímos hoy en clase"),
        ("Banco_Andino", lambda: f"El paisaje andino desde el banco de la plaza de {rng.choice(['Cusco', 'Quito', 'Mendoza', 'Arequipa'])} es precioso"),
        ("Tiendas_Ramírez", lambda: f"Ramírez anotó de cabeza en el minuto {rng.randint(5, 90)}, qué jugador"),
        ("Tiendas_Ramírez", lambda: f"La profesora Ramírez nos dejó {rng.randint(2, 5)} ensayos para el lunes"),
        ("Lumina_Cosméticos", lambda: "Lumina, la cantante, sacó nuevo tema y está precioso"),
        ("MercaPlaza", lambda: f"Hoy hay feria en la plaza del mercado de {rng.choice(CITIES)}, frutas baratísimas"),
        ("Corpoluz", lambda: f"La luz del atardecer en {rng.choice(CITIES)} hoy fue espectacular"),
        ("Seguros_Amparo", lambda: f"Amparo, mi vecina, cumple {rng.randint(60, 95)} años y le hicimos una fiesta"),
        ("VuelaSur", lambda: "Las golondrinas vuelan al sur cuando llega el frío, qué bonito verlas"),
        ("RapiMenú", lambda: f"Menú rápido para hoy: {rng.choice(FOODS)} y ensalada"),
        ("Clínica_Santa_Brisa", lambda: "La brisa de Santa Marta en la tarde es lo mejor del viaje"),
        ("Telandes", lambda: f"Tela de los Andes tejida a mano en {rng.choice(['Otavalo', 'Cusco', 'Pisac'])}, artesanía preciosa"),
    ]
    brand, make = rng.choice(choices)
    text = make() + _tail(rng, JOY_EMOJI + HASHTAGS, 0.4)
    return brand, ("ot - +0 .", text, "0")


def figurative_violence(rng: random.Random) -> Row:
    team, game, player = rng.choice(TEAMS), rng.choice(GAMES), rng.choice(PLAYERS)
    text = rng.choice([
        f"{team} tiene que matar el partido en la segunda parte",
        f"{player} fusiló al portero, qué golazo",
        f"Masacre en {game}: les disparé a todos y gané la ronda",
        f"Anoche maté al jefe final de {game} después de {rng.randint(10, 60)} intentos",
        f"Me muero de risa con {rng.choice(PEOPLE)} {rng.choice(LAUGH)}",
        f"Estoy matando el tiempo antes del partido de {team}",
        f"Te voy a matar a besos cuando vuelvas, {rng.choice(['amor', 'mi vida', 'bebé'])}",
        f"{rng.choice(PEOPLE).capitalize()} me va a matar si llego tarde otra vez {rng.choice(LAUGH)}",
        f"Este calor me está matando en {rng.choice(CITIES)}",
        f"La canción de {rng.choice(ARTISTS)} es una bomba, la escucho todo el día",
        f"En {rng.choice(SERIES)} el villano grita 'te voy a matar' y yo gritando con él",
        f"Muere un hombre en {rng.choice(CITIES)} tras una pelea, informa la policía",
        f"{team} salió a matar desde el minuto uno, partidazo",
        "Matar dos pájaros de un tiro: voy al súper y paso por la farmacia",
        f"Mato por {rng.choice(FOODS)} ahora mismo",
        f"La defensa de {team} fue una masacre, nos metieron {rng.randint(4, 7)}",
        f"Reventamos el estadio cantando, {team} de mi vida",
        f"En {game} le volé la cabeza al francotirador desde lejísimos",
        "Estoy muerta de cansancio, me voy a dormir",
        "Ese vestido está de muerte, me lo compro",
    ])
    return f"ot - {rng.choice(['+1', '00', '+0'])} .", text, "0"


HATE_TARGETS = ["las feministas", "los inmigrantes", "los venezolanos", "esos políticos", "los de la oposición",
                "los hinchas de " + "{team}", "las mujeres que opinan de fútbol", "los gays", "los veganos",
                "los del gobierno", "los gitanos", "los argentinos", "esos panchitos", "los árbitros"]
INSULTS = ["hijos de puta", "hijas de puta", "malparidos", "malparidas", "imbéciles", "idiotas", "gilipollas",
           "pendejos", "pendejas", "cerdas", "basuras", "escorias", "ratas", "parásitos", "subnormales", "tarados",
           "zorras", "mierdas", "hdp", "putas", "retrasados", "payasas", "cabronas", "boludas", "pelotudas"]


def hostility(rng: random.Random) -> Row:
    """Off-domain hostility and hate not about a brand: abusive, no threat."""
    target = rng.choice(HATE_TARGETS).replace("{team}", rng.choice(TEAMS))
    insult, handle = rng.choice(INSULTS), rng.choice(HANDLES)
    text = rng.choice([
        f"{target.capitalize()} son unos {insult}, todos iguales",
        f"{handle} cállate {insult.rstrip('s')}, no sabes nada de fútbol",
        f"Qué asco me dan {target}, {insult}",
        f"{handle} eres un{'a' if insult.endswith(('as', 'a')) else ''} {insult.rstrip('s')} y encima {'mentirosa' if insult.endswith(('as', 'a')) else 'mentiroso'}",
        f"Fuera {target} de mi país, {insult}",
        f"{target.capitalize()} no merecen nada, {insult} todos",
        f"{handle} vete a la mierda, {insult.rstrip('s')}",
        f"Ojalá se callen {target}, panda de {insult}",
    ])
    return f"ot - -{rng.randint(2, 3)} a", text, "0"


THREAT_VICTIMS = ["ese político", "la diputada", "el árbitro", "mi ex", "el vecino del cuarto", "esa periodista",
                  "el jefe de mi hermana", "los del partido", "ese youtuber", "el entrenador", "esa feminazi",
                  "el concejal"]


def threats(rng: random.Random, brand: str | None) -> Row:
    """Explicit threats, incitement and doxxing; with a brand they aim at its staff or premises."""
    weapon = rng.choice(["un cuchillo", "un bate", "una pistola", "un machete", "gasolina", "un fierro"])
    if brand is None:
        victim = rng.choice(THREAT_VICTIMS)
        text = rng.choice([
            f"A {victim} le voy a pegar un tiro en cuanto lo vea",
            f"Hay que matarlos a todos, empezando por {victim}",
            f"Sé dónde vive {victim} y a qué hora sale, ya verá",
            f"Le voy a partir la cara a {victim} con {weapon}",
            f"Que alguien le meta un balazo a {victim}, se lo merece",
            f"Esta es la dirección de {victim}: calle {rng.randint(2, 120)} #{rng.randint(1, 90)}-{rng.randint(1, 99)}, vayan a visitarlo",
            f"Ojalá te maten {rng.choice(INSULTS)}, {rng.choice(HANDLES)}",
            f"{rng.choice(HANDLES)} te voy a buscar y te voy a reventar, ya sé dónde trabajas",
            f"Cuando tomemos el poder vamos a fusilar a {rng.choice(HATE_TARGETS).replace('{team}', rng.choice(TEAMS))}",
            f"Voy a ir con {weapon} a la casa de {victim}, no sale vivo",
            f"Salgamos a cazar a {rng.choice(HATE_TARGETS).replace('{team}', rng.choice(TEAMS))} esta noche",
            f"Le doy cuatro tiros a {victim} y se acaba el problema",
            f"A {victim} habría que colgarlo de un poste",
            f"Voy a publicar el teléfono y la dirección de {victim} para que lo encuentren",
        ])
        return f"ot - -3 {'at' if any(i in text for i in INSULTS) else 't'}", text, "0"
    name = brand.replace("_", " ")
    staff = rng.choice(["el gerente", "la cajera", "el asesor", "la supervisora", "el técnico", "el repartidor",
                        "los del call center", "la recepcionista"])
    text = rng.choice([
        f"A {staff} de {name} le voy a pegar un tiro cuando salga",
        f"Voy a quemar la sucursal de {name} con {weapon} y todo",
        f"Ya tengo la dirección de {staff} de {name}, que se cuide",
        f"Hay que prenderle fuego a {name}, quién se apunta esta noche",
        f"Le voy a partir la cara a {staff} de {name} con {weapon}",
        f"Sé a qué hora sale {staff} de {name}, lo voy a esperar afuera",
        f"Pongan una bomba en la oficina de {name}, se lo merecen",
        f"Voy a publicar el teléfono personal de {staff} de {name}",
    ])
    return "ot - -3 t", text, "1"


PREFIXES = ["Uf,", "Bueno,", "Oigan,", "Ay,", "Gente,", "Hoy:", "Amigos,", "A ver,", "Confirmado:", "Ojo:",
            "Atención:", "Nada,", "Che,", "Parce,", "Wey,", "Tío,", "Mira,", "Hilo:", "Pues", "En fin,"]
COMMENTS = {
    "+": ["qué felicidad", "no puedo estar más contenta", "lo mejor de la semana", "la vida es bella",
          "me alegró el día", "gracias universo", "esto es lo que necesitaba", "qué buena onda",
          "ando feliz", "no me lo creo todavía", "a disfrutar se ha dicho", "vamos con todo",
          "se me salen las lágrimas de la emoción", "un día para recordar", "qué orgullo", "lo amo"],
    "0": ["¿ustedes qué opinan?", "ya veremos", "lo dejo por aquí", "dato", "por si a alguien le sirve",
          "fuente: la radio", "más info en la tarde", "eso es todo", "pasen la voz", "cualquier cosa aviso",
          "saquen sus conclusiones", "a las 8 hay más", "lo leí en el periódico", "así está la cosa"],
    "-": ["qué día", "no puedo más", "ya ni sé", "vaya semana", "esto da pena", "qué bajón",
          "paciencia", "me quiero ir a dormir", "nada sale bien", "estoy cansadísima", "qué rabia",
          "así no se puede", "todo mal", "me tiene amargada", "la verdad duele"],
    "t": ["no es broma", "ya están avisados", "lo juro", "se van a acordar de mí", "que se preparen",
          "ni la policía lo va a salvar", "van a ver quién soy", "cuenten los días"],
    "a": ["todos lo saben", "y punto", "lo digo y lo repito", "que se vayan", "no hay más que decir",
          "asco de gente", "vergüenza"],
}


def decorate(rng: random.Random, labels: str, text: str) -> str:
    """A prefix and a mood comment, so texts built on one frame still differ."""
    flags = labels.split()[3]
    mood = "t" if "t" in flags else "a" if "a" in flags else labels.split()[2][0]
    if rng.random() < 0.35:
        text = f"{rng.choice(PREFIXES)} {text[0].lower()}{text[1:]}"
    if rng.random() < 0.65:
        text = f"{text.rstrip('.')}, {rng.choice(COMMENTS[mood])}"
    return text


def generate(total: int = 3400) -> list[tuple[str, str, Row]]:
    """(sector, brand, row) in a fixed order."""
    rng = random.Random(SEED)
    themes: list[tuple[float, Callable[[], tuple[str | None, Row]]]] = [
        (0.15, lambda: (None, sport(rng))),
        (0.11, lambda: (None, tv(rng))),
        (0.12, lambda: (None, politics_news(rng))),
        (0.14, lambda: (None, religion_daily(rng))),
        (0.11, lambda: (None, fandom_gaming_memes(rng))),
        (0.09, lambda: (None, spam_companies(rng))),
        (0.05, lambda: homonyms(rng)),
        (0.08, lambda: (None, figurative_violence(rng))),
        (0.07, lambda: (None, hostility(rng))),
        (0.05, lambda: (None, threats(rng, None))),
        (0.03, lambda: (rng.choice(BRANDS)[1], threats(rng, rng.choice(BRANDS)[1]))),
    ]
    weights = [w for w, _ in themes]
    kept: list[tuple[str, str, Row]] = []
    normalised: list[str] = []
    sectors = dict((b, s) for s, b in BRANDS)
    attempts = 0
    while len(kept) < total and attempts < total * 30:
        attempts += 1
        _, make = rng.choices(themes, weights)[0]
        brand, row = make()
        labels, text, relevant = row
        text = decorate(rng, labels, text).replace(" de el ", " del ").replace(" a el ", " al ")
        text = text.replace("A el ", "Al ").replace(" un retrasado y encima mentirosa", " un retrasado y encima mentiroso")
        if relevant == "1":  # the threat names the brand it was generated for
            brand = next(b for b in sectors if b.replace("_", " ") in text)
        brand = brand or rng.choice(BRANDS)[1]
        key = " ".join(text.casefold().split())
        if normalised and process.extractOne(key, normalised, scorer=fuzz.ratio, score_cutoff=MAX_SIMILARITY):
            continue
        normalised.append(key)
        overrides = f" d={rng.choice(DIALECTS)} ch={rng.choice(CHANNELS)} b={brand} rel={relevant}"
        kept.append((sectors[brand], brand, (labels + overrides, text, relevant)))
    return kept


def main() -> None:
    rows = generate()
    lines = ["# Generated by data/corpus/offdomain.py: do not edit by hand (re-run the script).",
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
