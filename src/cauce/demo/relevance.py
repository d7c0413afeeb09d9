"""What the demo brands tell triage about themselves (brands.triage_settings), and the noise the
simulator posts about them: a homonym, sport in a stadium that carries the brand's name, sector news.

All invented. Conectel shares its name with an amateur football club (Deportivo Conectel), an
electrical contractor in Lima (Conectel Ingeniería) and a line of electrical connectors sold in
hardware stores; its name is on a stadium (Conectel Arena) and on a football cup (Copa Conectel); its
shares trade on the stock exchange (market news is not customer care either).
"""

from __future__ import annotations

from typing import Any

CONECTEL_CATEGORIES: dict[str, list[str]] = {
    "portabilidad": [
        "Quiero pasarme a otro operador y no me dan el código de portabilidad",
        "Solicité la portabilidad de mi número hace ocho días y sigue sin hacerse",
        "Me traje mi línea desde otra compañía y llevo tres días sin poder llamar",
        "¿Cuánto se demora la portabilidad? Ya radiqué la solicitud con mi cédula",
        "Me negaron la portación del número diciendo que tengo una deuda que ya pagué",
    ],
    "cobertura y señal": [
        "En mi barrio no hay señal 4G, el celular vive en 3G o sin servicio",
        "Dentro de la casa no entra la señal, tengo que salir al patio para hablar",
        "Se caen todas las llamadas en la autopista, la cobertura es pésima",
        "Desde ayer no tengo señal en el celular en todo el municipio",
        "Compré el plan y en mi vereda no llega la cobertura que me prometieron",
    ],
    "velocidad de internet": [
        "Pago 300 megas y el test de velocidad me da 20",
        "El internet está lentísimo en las noches, no carga ni un video",
        "La fibra va muy lenta desde la semana pasada, el wifi no rinde",
        "Contraté 500 megas para teletrabajar y la conexión es lentísima",
        "Las páginas se demoran en cargar y las videollamadas se congelan",
    ],
    "facturación": [
        "Me cobraron dos veces la factura de este mes",
        "En la factura aparece un cargo por un servicio que nunca pedí",
        "Me subieron el valor del plan sin avisarme",
        "Pagué a tiempo y me llegó la factura con intereses de mora",
        "Cancelé el servicio y me siguen cobrando el plan",
    ],
    "instalación y visitas": [
        "El técnico no llegó a la instalación y perdí el día esperando",
        "Llevo dos semanas esperando que vengan a instalar la fibra",
        "Agendaron la visita técnica para el martes y nadie vino",
        "Me cambiaron la cita de instalación tres veces",
        "El instalador dejó el cableado a medias y no volvió",
    ],
    "equipos": [
        "El módem se reinicia solo a cada rato",
        "El decodificador no enciende y no puedo ver televisión",
        "El router que me dieron tiene la luz roja prendida",
        "Necesito que me cambien el módem porque se recalienta",
        "El control del decodificador no funciona y me quieren cobrar uno nuevo",
    ],
}

TRIAGE_SETTINGS: dict[str, dict[str, Any]] = {
    "conectel": {
        "terms": ["Conectel Hogar", "Conectel Móvil", "Conectel Fibra", "Conectel TV"],
        # Stadium and cup naming rights, and market news: talk about them is not customer care.
        "exclusion_terms": ["Conectel Arena", "Copa Conectel", "acciones de Conectel"],
        "homonyms": ["Deportivo Conectel", "Conectel Ingeniería", "conectores Conectel"],
        "categories": [{"name": name, "examples": examples} for name, examples in CONECTEL_CATEGORIES.items()],
    },
}

# (kind, author handle, author name, followers, text): what a listening stream on «Conectel» also finds.
CONECTEL_NOISE: tuple[tuple[str, str, str, int, str], ...] = (
    ("homonym", "@LigaBogotana", "Liga Aficionada de Bogotá", 5400,
     "¡Final de infarto! El Deportivo Conectel le ganó 2-1 al Atlético Suba con gol en el último minuto ⚽"),
    ("sport", "@hincha_azul", "Andrés Hincha", 890,
     "Qué partidazo anoche en el Conectel Arena, el estadio a reventar y Millonarios remontó en el segundo tiempo"),
    ("news", "@NoticiasTIC", "Noticias TIC", 120000,
     "Las acciones de Conectel suben 3 % en la Bolsa de Valores de Colombia tras la subasta de espectro 5G "
     "que MinTIC abrió hoy"),
    ("homonym", "@empleos_lima", "Empleos Lima", 2300,
     "Conectel Ingeniería S.A.C. busca electricistas con experiencia en tableros industriales en Lima. "
     "Envía tu CV"),
    ("sport", "@futbolcolombia", "Fútbol Colombia", 45000,
     "Sorteo de la Copa Conectel: así quedaron los cruces de octavos de final"),
    ("homonym", "@ferreteria_el_tornillo", "Ferretería El Tornillo", 310,
     "Llegaron las regletas y conectores Conectel de 3/4, a precio de promoción esta semana"),
)
