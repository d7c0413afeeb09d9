"""Build data/replies/labelled_replies.jsonl: realistic Spanish brand replies, good and bad.

Each reply is composed from hand-written parts (30 cases across 10 countries and 6 channels)
and, for bad ones, one hand-written fault. The label comes from how the reply was built —
never from running the guard. Fault phrasings are split in two halves (dev / test) so the
test split measures phrasings the guard's lexicon was not tuned on.

Run: .venv/bin/python benchmarks/replies/build_labelled_set.py
"""

# Long lines are hand-written Spanish replies; wrapping them would hurt reading them as data.
# ruff: noqa: E501
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[2] / "data" / "replies" / "labelled_replies.jsonl"
SEED = 20261123
_ALT = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")


def voiced(text: str, voice: str) -> str:
    return _ALT.sub(lambda m: m.group(1) if voice == "tu" else m.group(2), text)


@dataclass(frozen=True)
class Case:
    brand: str
    country: str
    voice: str
    channel: str
    name: str
    handle: str
    agent: str
    mention: str
    topic: str  # with [tú|usted] alternations
    role: str = "cliente"


CASES = (
    Case("Conectel", "CO", "usted", "twitter", "Jorge Restrepo", "@jorgeres", "Laura",
         "@ConectelCO llevo 4 días sin internet y nadie me da razón", "la falla de internet en [tu|su] casa"),
    Case("Lumina Cosméticos", "ES", "tu", "instagram", "Marta Gil", "@marta.gil", "Andrés",
         "Mi pedido lleva dos semanas sin moverse del almacén, ¿alguien me explica?",
         "[tu|su] pedido que sigue en el almacén"),
    Case("Banco Andino", "MX", "usted", "twitter", "Ricardo Fuentes", "@rfuentes", "Sofía",
         "Me aparece un cargo de $2,300 que no reconozco en mi tarjeta @BancoAndino",
         "el cargo que no [reconoces|reconoce] en [tu|su] tarjeta"),
    Case("Rapidito", "AR", "tu", "twitter", "Lucas Benítez", "@lucasbenitez", "Mateo",
         "el repartidor marcó entregado y nunca vino, me quedé sin cenar @RapiditoAR",
         "el pedido marcado como entregado que nunca llegó"),
    Case("Alcaldía de San Telmo", "CO", "usted", "facebook", "Gloria Cárdenas", "@gloriac", "Valentina",
         "Llevamos 6 días sin recolección de basura en el barrio La Esperanza",
         "la recolección de basura en [tu|su] barrio"),
    Case("AeroSur", "PE", "usted", "twitter", "Carlos Quispe", "@cquispe", "Diego",
         "Perdieron mi maleta en el vuelo Lima-Cusco y nadie responde", "[tu|su] maleta extraviada"),
    Case("StreamMax", "CL", "tu", "bluesky", "Francisca Soto", "@fran.soto", "Camila",
         "Me cobraron dos veces la suscripción de este mes", "el doble cobro de [tu|su] suscripción"),
    Case("Supermercados Dalia", "MX", "tu", "facebook", "Alejandra Núñez", "@alenunez", "Javier",
         "Compré leche en la sucursal Coyoacán y venía vencida, pésimo", "la leche vencida que [compraste|compró]"),
    Case("Seguros Tauro", "ES", "usted", "mastodon", "Pilar Navarro", "@pilarnav", "Lucía",
         "El seguro no me cubre la reparación del coche aunque está en la póliza",
         "la cobertura de la reparación de [tu|su] coche"),
    Case("EnergíaNorte", "CL", "usted", "twitter", "Rodrigo Muñoz", "@rodrimunoz", "Tomás",
         "Tercer corte de luz esta semana en Ñuñoa, ¿qué está pasando?", "los cortes de luz en [tu|su] sector"),
    Case("ModaViva", "CO", "tu", "instagram", "Daniela Ospina", "@dani.ospina", "Paula",
         "El vestido que compré se descosió al primer lavado 😡", "el vestido que se descosió"),
    Case("TeleRed", "AR", "usted", "twitter", "Marcelo Giménez", "@marcegimenez", "Nicolás",
         "Quiero dar de baja el servicio y me ponen mil trabas", "[tu|su] solicitud de baja"),
    Case("FarmaPlus", "PE", "tu", "facebook", "Rosa Huamán", "@rosahuaman", "Laura",
         "En la sucursal de Miraflores me atendieron pésimo, ni me miraron",
         "la atención que [recibiste|recibió] en Miraflores"),
    Case("CasaHogar", "ES", "tu", "twitter", "Sergio Ramos", "@sergior", "Andrés",
         "El sofá llegó con una pata rota y me dicen que espere 3 semanas", "el sofá que llegó dañado"),
    Case("MetroBus", "CO", "usted", "twitter", "Andrea Vargas", "@andreavargas", "Sofía",
         "La tarjeta del MetroBus me descontó dos pasajes en la misma entrada",
         "el doble descuento en [tu|su] tarjeta"),
    Case("GymFit", "MX", "tu", "instagram", "Fernanda López", "@ferlopez", "Mateo",
         "Cancelé la membresía hace dos meses y me siguen cobrando", "los cobros después de cancelar la membresía"),
    Case("TecnoMarket", "CL", "tu", "twitter", "Ignacio Rojas", "@nachorojas", "Valentina",
         "El celular que compré no prende y no me aceptan la garantía", "la garantía de [tu|su] celular"),
    Case("Hotel Playa Azul", "MX", "usted", "facebook", "Patricia Mendoza", "@patymendoza", "Diego",
         "Reservé vista al mar y me dieron una habitación con vista al estacionamiento",
         "la habitación que no correspondía a [tu|su] reserva"),
    Case("AguasClaras", "PE", "usted", "twitter", "Miguel Torres", "@migueltorres", "Camila",
         "Llevamos dos días sin agua en San Juan de Lurigancho", "la falta de agua en [tu|su] zona"),
    Case("LibroMundo", "ES", "tu", "mastodon", "Irene Castro", "@irene", "Javier",
         "El libro llegó con veinte páginas en blanco", "el libro que llegó con páginas en blanco"),
    Case("Conectel", "CO", "usted", "twitter", "Kevin Arias", "@kevin_no_paga", "Lucía",
         "Conectel = estafa, son unos ladrones todos, nadie los use 🤡", "lo que [comentas|comenta] del servicio",
         role="troll"),
    Case("Rapidito", "AR", "tu", "twitter", "Julieta Paz", "@julipaz", "Tomás",
         "Otra vez ustedes, siempre lo mismo, pésimo servicio, nunca aprenden", "[tu|su] último pedido",
         role="hostil"),
    Case("Banco Andino", "MX", "usted", "twitter", "Héctor Salas", "@hsalas", "Paula",
         "Me bloquearon la tarjeta en pleno viaje y no puedo pagar el hotel", "el bloqueo de [tu|su] tarjeta"),
    Case("Lumina Cosméticos", "ES", "tu", "instagram", "Nuria Vidal", "@nuriavidal", "Nicolás",
         "El sérum se derramó entero dentro de la caja 😭", "el sérum que llegó derramado"),
    Case("EnergíaNorte", "CL", "usted", "bluesky", "Claudia Reyes", "@claureyes", "Laura",
         "Me llegó una boleta de $180.000, el triple de lo normal", "el monto de [tu|su] boleta"),
    Case("Alcaldía de San Telmo", "CO", "usted", "twitter", "Édgar Pineda", "@edgarpineda", "Andrés",
         "Radiqué un derecho de petición hace 20 días y nada", "[tu|su] derecho de petición"),
    Case("StreamMax", "CL", "tu", "twitter", "Benjamín Lagos", "@benjalagos", "Sofía",
         "La app se cierra cada vez que pongo una serie, ya la reinstalé", "la app que se cierra"),
    Case("AeroSur", "PE", "usted", "facebook", "Lucía Paredes", "@luciaparedes", "Mateo",
         "Cancelaron mi vuelo y no me ofrecen reembolso", "el reembolso de [tu|su] vuelo cancelado"),
    Case("CasaHogar", "ES", "tu", "bluesky", "Álvaro Ortega", "@alvaroortega", "Valentina",
         "Pedí la devolución hace un mes y el dinero no aparece", "[tu|su] devolución pendiente"),
    Case("TeleRed", "AR", "usted", "mastodon", "Silvina Acosta", "@silviacosta", "Diego",
         "Pago 300 megas y me llegan 15, hace una semana", "la velocidad de [tu|su] conexión"),
)

GREETINGS = ("Hola, {name}.", "¡Hola, {name}!", "Hola {name} 🙂", "Buen día, {name}.", "{name}, hola.",
             "{handle} hola,")
SIGNATURES = ("— {agent}", "^{agent}", "Saludos, {agent}.", "{agent}, equipo {brand}", "Un abrazo, {agent}.")

# Good bodies by kind: (text, visibility, at_fault).
GOOD: dict[str, tuple[str, ...]] = {
    "first": (
        "Lamentamos mucho {topic}. Ya lo estamos revisando con el área encargada y [te|le] contamos hoy mismo qué encontramos.",
        "Qué mala experiencia {topic}, [te|le] entendemos. Abrimos un caso y [te|le] escribimos apenas tengamos respuesta.",
        "Gracias por avisarnos de {topic}. Ya lo pasamos al equipo técnico; aunque tome algo de tiempo, no [te|le] vamos a dejar sin respuesta.",
        "Recibimos [tu|su] reporte sobre {topic} y ya estamos en eso. En cuanto sepamos la causa [te|le] avisamos por aquí.",
        "Sentimos lo de {topic}. Estamos investigando qué pasó y [te|le] mantenemos [al tanto|al tanto] de cada avance.",
        "Vimos [tu|su] mensaje sobre {topic}: ya lo escalamos con prioridad y hoy [te|le] damos una primera respuesta.",
    ),
    "dm_ask": (
        "Para revisar {topic}, ¿nos [envías|envía] por DM el número de pedido? Así lo vemos de inmediato.",
        "Queremos resolver {topic}. [Escríbenos|Escríbanos] por mensaje privado con [tu|su] número de cliente y lo revisamos hoy.",
        "Para no exponer [tus|sus] datos, [compártenos|compártanos] por DM el número de la factura y revisamos {topic}.",
        "Revisemos {topic} con calma: [mándanos|mándenos] un correo a ayuda@marca.example con [tu|su] número de contrato.",
    ),
    "apology": (
        "[Te|Le] pedimos disculpas por {topic}: fue un error nuestro. Ya hicimos el reembolso completo y ajustamos el proceso para que no se repita.",
        "Nos equivocamos con {topic} y lo sentimos mucho. Aplicamos la garantía y reforzamos el control de calidad en bodega.",
        "Mil disculpas por {topic}; la falla fue nuestra. Ya corregimos el cobro y [te|le] sumamos un mes sin costo como compensación.",
        "Lo sentimos de verdad: {topic} fue culpa nuestra. El técnico irá mañana y revisamos la ruta para que no vuelva a pasar.",
    ),
    "not_at_fault": (
        "Revisamos {topic} con el área responsable: el servicio funcionó dentro de lo contratado. El detalle está en https://ayuda.example/condiciones y vamos a explicarlo mejor en la web.",
        "Ya tenemos el resultado sobre {topic}: la póliza no incluye ese caso, como indica la cláusula 4 publicada en https://ayuda.example/poliza. Vamos a hacer más visible esa condición.",
        "Gracias por la espera. Sobre {topic}, comprobamos que el cobro corresponde al consumo registrado; [puedes|puede] ver el desglose en https://ayuda.example/consumo.",
    ),
    "follow_up": (
        "Hace unas semanas [nos escribiste|nos escribió] por {topic}. Gracias a [tu|su] reclamo cambiamos de proveedor y ya no se ha repetido.",
        "Queríamos [contarte|contarle] que, después de {topic}, reforzamos el equipo y hoy respondemos en menos de una hora.",
    ),
    "move_private": (
        "Queremos resolver {topic} bien y con [tus|sus] datos protegidos; sigamos por DM, ya [te|le] escribimos.",
        "Para atender {topic} con el detalle que merece, ¿continuamos por mensaje privado? Allí revisamos todo.",
    ),
    "troll_first": (
        "Leímos [tu|su] mensaje sobre {topic}. Si [tuviste|tuvo] un problema concreto, con gusto lo revisamos por DM.",
        "Si hay algo puntual sobre {topic} que podamos resolver, [escríbenos|escríbanos] por privado y lo vemos con calma.",
    ),
    "firm_warning": (
        "Queremos ayudar con {topic}, pero no permitimos insultos en este espacio. Si continúan, aplicaremos las normas de la comunidad.",
        "Entendemos la molestia por {topic}; aun así, pedimos respeto. Los mensajes ofensivos se ocultan según nuestras normas publicadas.",
    ),
}
KIND_VISIBILITY = {"apology": "private", "not_at_fault": "private", "follow_up": "private"}
KIND_AT_FAULT = {"apology": True, "not_at_fault": False}

# --- faults: (phrase, expected rule(s), expected severity) split dev/test by position -------
DATA_PUBLIC = (  # replaces the body's second sentence in a PUBLIC reply
    "¿Nos [compartes|comparte] [tu|su] número de pedido para revisarlo?",
    "[Déjanos|Déjenos] aquí abajo [tu|su] número de cédula y lo validamos.",
    "¿Cuál es [tu|su] dirección? Así enviamos al técnico.",
    "[Confírmanos|Confírmenos] los últimos cuatro dígitos de la tarjeta y la fecha de vencimiento.",
    "[Envíanos|Envíenos] [tu|su] RUT y un teléfono de contacto para escalarlo.",
    "Por favor [indícanos|indíquenos] [tu|su] CURP para ubicar el caso.",
    "[Respóndenos|Respóndanos] en este hilo con el número de orden.",
    "Necesitamos [tu|su] correo y [tu|su] número de celular para abrir el caso.",
    "[Pásanos|Pásenos] [tu|su] DNI y lo revisamos ya mismo.",
    "[Comparte|Comparta] en los comentarios el número de guía del envío.",
    "¿[Me regalas|Me regala] el número de la línea afectada?",
    "[Escribe|Escriba] por aquí [tu|su] número de cuenta y lo verificamos.",
    "[Dinos|Díganos] [tu|su] número de documento para buscar la reserva.",
    "[Tu|Su] número de pedido, por favor, así lo buscamos.",
)
DATA_OK = (  # near-misses: the data go through a private channel, or nothing is asked
    "¿Nos [escribes|escribe] por DM [tu|su] número de pedido?",
    "[Envíanos|Envíenos] por mensaje privado [tu|su] número de cédula y lo validamos.",
    "Por seguridad no [compartas|comparta] datos de la tarjeta en público; ya [te|le] escribimos por DM.",
    "[Escríbenos|Escríbanos] a ayuda@marca.example con [tu|su] número de contrato.",
    "[Llámanos|Llámenos] al 01 8000 123 456 y [ten|tenga] a mano [tu|su] número de cliente.",
    "[Tu|Su] pedido ya salió de bodega y llega mañana.",
    "Revisamos el cobro en [tu|su] tarjeta y ya está reversado.",
    "Nunca [te|le] pediremos [tu|su] contraseña por redes sociales.",
)
SARCASM = (
    "Qué raro que no [te|le] haya llegado, a todos los demás sí.",
    "Felicidades por descubrir que el envío tiene costo.",
    "No me [digas|diga], otra vez lo mismo.",
    "Bienvenid[o|o] al mundo real: estas cosas tardan.",
    "Gracias por la clase de atención al cliente.",
    "Pobrecit[o|o], tres días sin servicio, qué drama.",
    "Vaya sorpresa, alguien que no lee los correos.",
    "Quién lo hubiera dicho, un cliente que se queja un lunes.",
    "Tremendo descubrimiento el [tuyo|suyo].",
    "Si no [te|le] gusta, [puedes|puede] irte a la competencia.",
)
LAUGH = ("Jajaja tranqui, ya llegará.", "jeje paciencia, ya casi.", "Jajajaja lo revisamos.",
         "xD ya lo vemos.")
BLAME = (
    "Quizá no [leíste|leyó] nuestra página de envíos.",
    "Si [hubieras|hubiera] leído los términos, [sabrías|sabría] que esto no aplica.",
    "Es [tu|su] culpa por no actualizar la app.",
    "[Deberías haber|Debería haber] revisado la talla antes de comprar.",
    "Eso [te|le] pasa por comprar en temporada alta.",
    "La política está clarísima en la web.",
    "No es nuestro problema si la transportadora se demora.",
    "El error fue [tuyo|suyo] al escribir la dirección.",
    "[Aprende|Aprenda] a leer las condiciones antes de reclamar.",
    "Nadie [te|le] obligó a elegir el envío económico.",
)
ARGUING = (
    "Eso no es cierto, el técnico sí fue.",
    "[Te equivocas|Se equivoca]: nunca [te|le] cobramos dos veces.",
    "[Estás exagerando|Está exagerando], solo fueron dos días.",
    "Ningún otro cliente se ha quejado de esto.",
    "Nuestro producto es perfecto, el problema debe ser otro.",
    "Es mentira que nadie [te|le] haya respondido.",
    "Eso es imposible, nuestro sistema no falla.",
    "[Estás inventando|Está inventando]; tenemos el registro.",
)
PASSIVE = (
    "Como ya [te|le] dijimos, el reembolso tarda diez días.",
    "Según [tú|usted], el paquete nunca llegó.",
    "Por enésima vez: el plazo es de 72 horas.",
    "Con todo respeto, eso lo explicamos en la web.",
    "Supuestamente el técnico no fue, lo vamos a verificar.",
    "Como [te|le] hemos dicho varias veces, hay que esperar.",
    "Una vez más [te|le] explicamos que el trámite es presencial.",
    "Entendemos que no [entiendas|entienda] el proceso.",
)
MOCK_EMOJI = ("🙄", "💅", "🤡", "🙃", "😒", "😏", "👏👏")
TIMID = (
    "Lamentamos si [te sentiste|se sintió] incómod[o|o] con lo ocurrido.",
    "Perdón si algo no salió como [esperabas|esperaba].",
    "Disculpa cualquier inconveniente que esto pudo causar.",
    "Sentimos que [pienses|piense] que el servicio falló.",
    "Lamentamos cualquier molestia que [hayas|haya] podido tener.",
    "Si [te|le] hemos causado alguna molestia, lo sentimos.",
)
GENERIC = (
    "Gracias por [tu|su] comentario, lo tendremos en cuenta.",
    "Lamentamos las molestias ocasionadas, estamos para [ayudarte|ayudarle].",
    "Gracias por [contactarnos|contactarnos]. [Tu|Su] opinión es muy importante para nosotros.",
    "Hemos recibido [tu|su] mensaje y en breve [te|le] responderemos.",
    "Tomamos nota. Trabajamos día a día para mejorar.",
    "Agradecemos [tus|sus] comentarios. Disculpa las molestias.",
)
LONG_TAIL = (" Además, queremos contarte que estamos trabajando con todas las áreas para revisar cada detalle"
             " de lo ocurrido, documentar el caso y asegurarnos de que recibas una respuesta completa,"
             " clara y oportuna, con las medidas que vamos a tomar y los plazos de cada una.")


def split_of(pool: tuple[str, ...], phrase: str) -> str:
    return "dev" if pool.index(phrase) % 2 == 0 else "test"


class Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.rows: list[dict[str, Any]] = []

    def frame(self, case: Case, body: str, *, greet: bool = True, sign: bool = True) -> str:
        parts = []
        if greet:
            parts.append(self.rng.choice(GREETINGS).format(name=case.name.split()[0], handle=case.handle))
        parts.append(body)
        if sign:
            parts.append(self.rng.choice(SIGNATURES).format(agent=case.agent, brand=case.brand))
        sep = "\n" if case.channel in {"facebook", "instagram"} and self.rng.random() < 0.4 else " "
        return sep.join(parts)

    def good_body(self, case: Case, kind: str, template: str | None = None) -> str:
        template = template or self.rng.choice(GOOD[kind])
        body = voiced(template, case.voice).replace("{topic}", voiced(case.topic, case.voice))
        return body.replace(" de el ", " del ")

    def context(self, case: Case, kind: str, **extra: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "visibility": KIND_VISIBILITY.get(kind, "public"), "channel": case.channel, "voice": case.voice,
            "recipient_name": case.name, "recipient_handle": case.handle, "agent_name": case.agent,
            "at_fault": KIND_AT_FAULT.get(kind), "author_role": case.role, "troll_confirmed": False,
            "public_replies_sent": 0, "should_be_private": False, "recent_replies_to_others": [],
            "mention_text": case.mention,
        }
        ctx.update(extra)
        return ctx

    def add(self, text: str, ctx: dict[str, Any], verdict: str, rules: list[str], split: str, note: str) -> None:
        self.rows.append({"id": f"r{len(self.rows) + 1:04d}", "text": text, "visibility": ctx["visibility"],
                          "context": ctx, "expected_verdict": verdict, "expected_rules": sorted(set(rules)),
                          "split": split, "note": note})

    def with_sentence(self, case: Case, kind: str, sentence: str) -> str:
        body = self.good_body(case, kind)
        first = re.split(r"(?<=[.!?])\s+", body)[0]
        return self.frame(case, f"{first} {voiced(sentence, case.voice)}")


def build() -> list[dict[str, Any]]:
    b = Builder()
    rng = b.rng
    others = [c for c in CASES if c.role == "cliente"]

    def recent_for(case: Case, n: int, avoid: str | None = None) -> list[str]:
        """Replies the brand sent to other people, never with the template this reply uses
        (a shared template with another topic is itself a near-duplicate)."""
        picks = [c for c in others if c is not case]
        templates = [t for t in GOOD["first"] if t != avoid]
        return [b.frame(c, b.good_body(c, "first", rng.choice(templates))) for c in rng.sample(picks, n)]

    for index, case in enumerate(CASES):
        case_split = "dev" if index % 2 == 0 else "test"
        kinds = ["first", "dm_ask", "apology", "not_at_fault", "follow_up"]
        if case.role == "troll":
            kinds = ["troll_first", "move_private", "firm_warning"]
        elif case.role == "hostil":
            kinds = ["first", "move_private", "firm_warning"]
        # good replies, with realistic background replies to other people
        for kind in kinds:
            template = rng.choice(GOOD[kind])
            ctx = b.context(case, kind, recent_replies_to_others=recent_for(case, rng.randint(0, 3), template))
            b.add(b.frame(case, b.good_body(case, kind, template)), ctx, "ok", [], case_split, f"good:{kind}")

        def pick(pool: tuple[str, ...]) -> str:
            return rng.choice(pool)

        # public personal data / near-miss
        for _ in range(2):
            phrase = pick(DATA_PUBLIC)
            b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "block",
                  ["public-personal-data"], split_of(DATA_PUBLIC, phrase), "bad:data-public")
        phrase = pick(DATA_OK)
        b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "ok", [],
              split_of(DATA_OK, phrase), "near:data-private")
        if index % 3 == 0:  # same request is fine in a private reply
            phrase = pick(DATA_PUBLIC)
            b.add(b.with_sentence(case, "first", phrase), b.context(case, "first", visibility="private"), "ok",
                  [], split_of(DATA_PUBLIC, phrase), "near:data-in-private")
        # tone
        phrase = pick(SARCASM)
        b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "block", ["sarcasm"],
              split_of(SARCASM, phrase), "bad:sarcasm")
        if index % 2 == 0:
            phrase = pick(LAUGH)
            b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "warn", ["sarcasm"],
                  split_of(LAUGH, phrase), "bad:laughter")
        phrase = pick(BLAME)
        b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "block", ["blame-shifting"],
              split_of(BLAME, phrase), "bad:blame")
        phrase = pick(ARGUING)
        b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "block", ["arguing"],
              split_of(ARGUING, phrase), "bad:arguing")
        phrase = pick(PASSIVE)
        b.add(b.with_sentence(case, "first", phrase), b.context(case, "first"), "warn", ["passive-aggressive"],
              split_of(PASSIVE, phrase), "bad:passive-aggressive")
        emoji = pick(MOCK_EMOJI)
        b.add(b.frame(case, b.good_body(case, "first") + " " + emoji), b.context(case, "first"), "block",
              ["mocking-emoji"], split_of(MOCK_EMOJI, emoji), "bad:emoji")
        # personal touch
        if case.role == "cliente":
            b.add(b.frame(case, b.good_body(case, "first"), greet=False), b.context(case, "first"), "warn",
                  ["missing-greeting"], case_split, "bad:no-greeting")
            b.add(b.frame(case, b.good_body(case, "dm_ask"), sign=False), b.context(case, "dm_ask"), "warn",
                  ["missing-signature"], case_split, "bad:no-signature")
            # at fault without apology: the body explains the fix but never says sorry
            fix = voiced("Ya revisamos {topic}: hicimos el ajuste y [te|le] devolvimos el valor completo.", case.voice)
            b.add(b.frame(case, fix.replace("{topic}", voiced(case.topic, case.voice))),
                  b.context(case, "apology"), "warn", ["missing-apology"], case_split, "bad:no-apology")
            phrase = pick(TIMID)
            timid = b.frame(case, voiced(phrase, case.voice) + " " + voiced(
                "Ya corregimos {topic}.", case.voice).replace("{topic}", voiced(case.topic, case.voice)))
            b.add(timid, b.context(case, "apology"), "block", ["timid-apology"], split_of(TIMID, phrase),
                  "bad:timid-apology-at-fault")
            if index % 3 == 1:
                b.add(timid, b.context(case, "not_at_fault"), "warn", ["timid-apology"],
                      split_of(TIMID, phrase), "bad:timid-apology")
            # looks automatic: generic, and a copy of what someone else got
            phrase = pick(GENERIC)
            b.add(b.frame(case, voiced(phrase, case.voice)), b.context(case, "first"), "warn", ["looks-automatic"],
                  split_of(GENERIC, phrase), "bad:generic")
            template = rng.choice(GOOD["first"])
            body = b.good_body(case, "first", template)
            other = rng.choice([c for c in others if c is not case])
            # half the cases (in both splits): a verbatim copy; the other half: the topic swapped
            copy_body = body if (index // 2) % 2 == 0 else body.replace(voiced(case.topic, case.voice),
                                                                   voiced(other.topic, case.voice))
            copy = b.frame(other, copy_body)
            background = recent_for(case, 2, template)
            b.add(b.frame(case, body), b.context(case, "first", recent_replies_to_others=[copy, *background]),
                  "warn", ["looks-automatic"], case_split, "bad:near-duplicate")
            # near-miss: generic courtesy plus the concrete problem is fine
            fine = voiced("Lamentamos las molestias con {topic}; ya lo estamos revisando y [te|le] avisamos hoy.",
                          case.voice).replace("{topic}", voiced(case.topic, case.voice))
            b.add(b.frame(case, fine), b.context(case, "first", recent_replies_to_others=recent_for(case, 3)), "ok",
                  [], case_split, "near:courtesy-with-topic")
            # voice against the brand
            wrong = "usted" if case.voice == "tu" else "tu"
            body = voiced(rng.choice(GOOD["first"]), wrong).replace("{topic}", voiced(case.topic, wrong))
            if re.search(r"\b([Tt]e|[Ll]e|[Tt]u|[Ss]u)\b", body):
                b.add(b.frame(case, body), b.context(case, "first"), "warn", ["voice-mixed"], case_split,
                      "bad:voice")
        # thread policy
        if case.role == "troll":
            body = b.frame(case, b.good_body(case, "troll_first"))
            b.add(body, b.context(case, "troll_first", troll_confirmed=True, public_replies_sent=1), "block",
                  ["troll-second-public"], "dev", "bad:troll-second-public")
            b.add(body, b.context(case, "troll_first", troll_confirmed=True, public_replies_sent=2), "block",
                  ["troll-second-public"], "test", "bad:troll-second-public")
            b.add(body, b.context(case, "troll_first", troll_confirmed=True, public_replies_sent=1,
                                  visibility="private"), "ok", [], "test", "near:troll-private")
            b.add(body, b.context(case, "troll_first", troll_confirmed=False, public_replies_sent=1), "ok", [],
                  "dev", "near:troll-unconfirmed")
        heated = b.frame(case, b.good_body(case, "first"))
        if "DM" not in heated and "privado" not in heated:
            b.add(heated, b.context(case, "first", should_be_private=True), "warn", ["should-be-private"],
                  case_split, "bad:should-be-private")
        b.add(b.frame(case, b.good_body(case, "move_private")), b.context(case, "first", should_be_private=True),
              "ok", [], case_split, "near:moves-to-private")
        # length: the same long reply blocks on a 280/300 channel, fits on Facebook
        long_text = b.frame(case, b.good_body(case, "first") + voiced(LONG_TAIL, case.voice))
        if case.channel in {"twitter", "bluesky"}:
            b.add(long_text, b.context(case, "first"), "block", ["channel-length"], case_split, "bad:length")
            b.add(long_text, b.context(case, "first", channel="facebook"), "ok", [], case_split, "near:length-fb")
    # hostile / odd input that must still be judged sensibly
    c = CASES[0]
    b.add("Hola,\u200b Jorge. Lamentamos mucho la falla de internet en su casa; ya la estamos revisando. — Laura",
          b.context(c, "first"), "ok", [], "dev", "odd:zero-width")
    b.add("Ｑｕé ｒａｒｏ ｑｕｅ no le haya llegado, Jorge. — Laura", b.context(c, "first"), "block", ["sarcasm"],
          "test", "odd:fullwidth-sarcasm")
    b.add("Hola, Jorge. <script>alert(1)</script> Revisamos la falla de internet en su casa. — Laura",
          b.context(c, "first"), "ok", [], "test", "odd:html")
    b.add("Hola, Jorge 🙏 Lamentamos la falla de internet en su casa; el equipo técnico ya va en camino. — Laura 🙂",
          b.context(c, "first"), "ok", [], "dev", "odd:kind-emoji")
    return b.rows


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    by_split = {s: sum(1 for r in rows if r["split"] == s) for s in ("dev", "test")}
    by_verdict = {v: sum(1 for r in rows if r["expected_verdict"] == v) for v in ("ok", "warn", "block")}
    print(f"{len(rows)} replies -> {OUT} {by_split} {by_verdict}")


if __name__ == "__main__":
    main()
