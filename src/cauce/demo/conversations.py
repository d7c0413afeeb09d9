"""Conversations with more than one voice: other people replying inside a customer's thread.

Each scenario is a short thread (who says what, answering which earlier message) with the truth
the system must keep: whose case the thread is, and which of the others need a case of their own.
The demo stream plays them (`stream.py`), and the routing tests run them through the shipped
triage model (`tests/cases/test_conversations.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cauce.mentions.schemas import AuthorIn, MentionIn, MetricsIn


@dataclass(frozen=True)
class Speaker:
    handle: str  # without '@'
    name: str
    followers: int
    role: str  # the truth: cliente, hostil, troll, ninguno, marca (the brand's own account)


@dataclass(frozen=True)
class Line:
    who: str
    text: str
    reply_to: int | None = None  # index of the earlier line it answers; None opens the thread
    minutes: float = 0.0  # after the thread opened
    pqr_type: str = "otro"  # the truth, for triage evaluation


@dataclass(frozen=True)
class Conversation:
    key: str
    speakers: dict[str, Speaker]
    lines: tuple[Line, ...]
    customer: str  # whose case the thread is

    def speaker(self, who: str) -> Speaker:
        return self.speakers[who]

    def others(self) -> list[str]:
        return [w for w in self.speakers if w != self.customer]

    def mentions(self, *, brand: str, start: datetime, id_prefix: str = "", suffix: str = "",
                 channel: str = "twitter", brand_handle: str | None = None) -> list[MentionIn]:
        """The thread as mentions; `suffix` makes the people new (one more run of the same scenario);
        `brand_handle` is the brand's own account, the author of its lines."""
        ids = [f"{id_prefix}{self.key}-{i}" for i in range(len(self.lines))]
        out = []
        for i, line in enumerate(self.lines):
            who = self.speakers[line.who]
            own = who.role == "marca"  # the brand's account keeps its handle in every run
            handle = (brand_handle or who.handle).lstrip("@") if own else f"{who.handle}{suffix}"
            out.append(MentionIn(
                id=ids[i], created_at=start + timedelta(minutes=line.minutes), channel=channel, brand=brand,
                author=AuthorIn(handle=f"@{handle}", name=who.name, followers=who.followers), text=line.text,
                in_reply_to=ids[line.reply_to] if line.reply_to is not None else None,
                conversation_id=ids[0], metrics=MetricsIn(likes=3 * i, reposts=i, replies=len(self.lines) - i),
                url=f"https://x.example/{handle}/status/{ids[i]}",
            ))
        return out


TROLL_IN_THREAD = Conversation(
    key="troll-en-hilo",
    speakers={
        "marcela": Speaker("marcela_rios", "Marcela Ríos", 340, "cliente"),
        "don": Speaker("don_burlon", "Don Burlón", 2100, "troll"),
    },
    lines=(
        Line("marcela", "@Conectel llevo dos días sin internet en Chapinero y nadie me da razón. Ya llamé tres "
                        "veces a la línea de soporte. ¿Cuándo vuelve el servicio?", pqr_type="queja"),
        Line("don", "Jajaja pobre ilusa, esperando que Conectel le conteste. Siga llorando, bola de llorones 🤡🤡",
             reply_to=0, minutes=6),
        Line("don", "Jajaja sigan esperando sentados, payasos, aquí nadie les va a resolver nada, idiotas",
             reply_to=1, minutes=9),
        Line("marcela", "@Conectel sigo sin internet, trabajo desde casa y necesito una solución hoy, por favor "
                        "respondan", reply_to=0, minutes=25, pqr_type="queja"),
    ),
    customer="marcela",
)

TWO_CUSTOMERS = Conversation(
    key="dos-clientes",
    speakers={
        "julian": Speaker("julian_c", "Julián Castro", 180, "cliente"),
        "paola": Speaker("paola_m", "Paola Mejía", 95, "cliente"),
    },
    lines=(
        Line("julian", "@Conectel desde anoche no tengo internet en Suba, el módem tiene la luz roja. ¿Hay una "
                       "falla en la zona?", pqr_type="queja"),
        Line("paola", "A mí también me pasa, estoy en Suba Rincón y tampoco tengo internet desde ayer. @Conectel "
                      "necesito que lo arreglen ya", reply_to=0, minutes=12, pqr_type="queja"),
        Line("julian", "@Conectel ya son 14 horas sin servicio, ¿me van a descontar estos días de la factura?",
             reply_to=0, minutes=40, pqr_type="reclamo"),
    ),
    customer="julian",
)

BRIGADE = Conversation(
    key="brigada",
    speakers={
        "sofia": Speaker("sofia_ortiz", "Sofía Ortiz", 260, "cliente"),
        "b1": Speaker("el_verdugo77", "El Verdugo", 40, "troll"),
        "b2": Speaker("patriota_libre_co", "Patriota Libre", 35, "troll"),
        "b3": Speaker("la_voz_real", "La Voz Real", 22, "troll"),
        "b4": Speaker("anti_lloron", "Anti Llorones", 18, "troll"),
        "b5": Speaker("cuenta_nueva_2026", "Cuenta Nueva", 3, "troll"),
    },
    lines=(
        Line("sofia", "@Conectel me cobraron dos veces la factura de noviembre y en la línea no me dan solución. "
                      "Necesito el reembolso.", pqr_type="reclamo"),
        Line("b1", "Jajaja otra llorona más, váyase a llorar a otro lado 🤡", reply_to=0, minutes=3),
        Line("b2", "Qué oso, la pobre no sabe ni leer una factura, ridícula", reply_to=0, minutes=4),
        Line("b3", "Esta señora es una mentirosa, seguro ni paga. Payasa", reply_to=0, minutes=5),
        Line("b4", "Jajaja la pobre cree que le van a devolver la plata, ingenua. Llore más, idiota",
             reply_to=0, minutes=6),
        Line("b5", "Bola de idiotas los clientes de Conectel, se merecen que les roben 🤡🤡", reply_to=0, minutes=7),
    ),
    customer="sofia",
)

HOSTILE_EX_CUSTOMER = Conversation(
    key="ex-cliente-hostil",
    speakers={
        "lucia": Speaker("lucia_fibra", "Lucía Gómez", 150, "cliente"),
        "ex": Speaker("nunca_mas_conectel", "Hernán Pardo", 820, "hostil"),
    },
    lines=(
        Line("lucia", "¡Gracias @Conectel! El técnico llegó puntual y ya tengo la fibra funcionando perfecto en "
                      "casa. Excelente servicio 👏", pqr_type="felicitacion"),
        Line("ex", "Disfrútalo mientras dure. Yo fui cliente de Conectel seis años y al cancelar me cobraron una "
                   "multa ilegal. Son unos ladrones, nunca más", reply_to=0, minutes=20, pqr_type="queja"),
        Line("ex", "Conectel les roba a sus clientes, les puse una queja en la SIC y todavía nada. No se dejen "
                   "engañar", reply_to=1, minutes=22),
    ),
    customer="lucia",
)

QUOTED_INSULT = Conversation(
    key="insulto-citado",
    speakers={"rosa": Speaker("rosa_villa", "Rosa Villa", 210, "cliente")},
    lines=(
        Line("rosa", "@Conectel su técnico me dijo «vieja estúpida, no sabe ni prender un módem» cuando vino a mi "
                     "casa. Exijo que tomen medidas, es inaceptable que traten así a una clienta.", pqr_type="queja"),
    ),
    customer="rosa",
)

BRAND_REPLY = Conversation(
    key="respuesta-de-la-marca",
    speakers={
        "andres": Speaker("andres_lopez", "Andrés López", 130, "cliente"),
        "marca": Speaker("conectel", "Conectel", 250000, "marca"),
    },
    lines=(
        Line("andres", "@Conectel hace una semana pedí el cambio de plan y todavía me siguen cobrando el anterior. "
                       "¿Qué pasa?", pqr_type="reclamo"),
        Line("marca", "Hola Andrés, qué pena la demora. Te escribimos por mensaje directo para revisar tu plan. "
                      "Camila", reply_to=0, minutes=30),
        Line("andres", "Gracias, ya les respondí el mensaje directo con mis datos.", reply_to=1, minutes=45),
    ),
    customer="andres",
)

SCENARIOS: tuple[Conversation, ...] = (TROLL_IN_THREAD, TWO_CUSTOMERS, BRIGADE, HOSTILE_EX_CUSTOMER, QUOTED_INSULT,
                                       BRAND_REPLY)
