"""A short phrase naming the person's problem ("el cobro doble de tu factura") from the mention.

Ordered rules over the folded mention text; the first match wins, then the case category,
then a neutral phrase. Phrases use "[tú|usted]" alternations resolved by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cauce.replies.tone.normalize import words


@dataclass(frozen=True)
class Topic:
    phrase: str  # full phrase, with [tú|usted] alternations
    short: str  # used when the channel limit is tight


_RULES_ES: tuple[tuple[str, str, str], ...] = (
    # (pattern on folded words, phrase, short phrase)
    (r"(dos veces|doble|duplicad|repetid).{0,40}(factur|tarjeta)"
     r"|(factur|tarjeta).{0,40}(dos veces|doble|duplicad)",
     "el cobro doble en [tu|su] {obj}", "el cobro doble"),
    (r"(cobr|carg|factur|debit).{0,40}(dos veces|doble|duplicad)|(dos veces|doble).{0,30}(cobr|carg)",
     "el cobro doble que [te|le] hicimos", "el cobro doble"),
    (r"(cobr|factur).{0,50}de mas", "el cobro de más en [tu|su] {obj}", "el cobro de más"),
    (r"roaming", "el cobro de roaming en [tu|su] factura", "el cobro de roaming"),
    (r"no (lo )?reconozco|no reconoce", "el cargo que no [reconoces|reconoce]", "ese cargo"),
    (r"cajero", "el dinero que retuvo el cajero", "el cajero"),
    (r"comision", "la comisión que [te|le] cobramos", "la comisión"),
    (r"anualidad", "el cobro de la anualidad", "la anualidad"),
    (r"intereses", "los intereses que [te|le] estamos cobrando", "los intereses"),
    (r"suscri.{0,40}(no (la )?pedi|sin pedir)|(no pedi|sin pedir).{0,40}suscri",
     "la suscripción que no [pediste|pidió]", "la suscripción"),
    (r"(cobr|factur|debit).{0,60}(que cancele|ya cancele|cancele hace|di de baja)",
     "los cobros de un servicio que [ya cancelaste|ya canceló]", "esos cobros"),
    (r"aduana", "el cobro de aduana de [tu|su] pedido", "el cobro de aduana"),
    (r"devolucion|reembols|devuelv", "[tu|su] reembolso pendiente", "[tu|su] reembolso"),
    (r"(tarifa|precio|cobr).{0,40}(subi|aument|otro|sin avisar)|(subi|aument).{0,20}(tarifa|precio)",
     "el cambio en el precio que [te|le] cobramos", "el cambio de precio"),
    (r"cupon.{0,30}no se aplic|no .{0,10}aplic.{0,20}cupon", "el cupón que no se aplicó", "el cupón"),
    (r"propina", "el cobro de la propina", "la propina"),
    (r"predial|impuesto", "el cobro de [tu|su] impuesto", "[tu|su] impuesto"),
    (r"multa", "la multa que [te|le] llegó", "la multa"),
    (r"entregado.{0,40}(nunca|no) (llego|vino|recibi)|marco entregado",
     "el pedido marcado como entregado que no [recibiste|recibió]", "[tu|su] entrega"),
    (r"pedido de otra persona|pedido equivocado|no era (mi|lo que)", "el pedido equivocado que [recibiste|recibió]",
     "[tu|su] pedido"),
    (r"(tecnico|visita|instalacion).{0,60}(no (llego|vino|vinieron)|nunca)"
     r"|(no llego|nunca vin).{0,30}(tecnico|visita)",
     "la visita técnica que no se cumplió", "la visita técnica"),
    (r"(fria|aplastad|derramad)", "el estado en que llegó [tu|su] pedido", "[tu|su] pedido"),
    (r"(sim|router|tarjeta nueva|plastico|paquete|pedido|envio|compra|certificado|transferencia|orden)"
     r".{0,60}(no (ha )?llega|nunca llego|no llego|sin llegar|sin moverse|en camino|no se actualiza"
     r"|no lo han entregado|y nada|tercera semana)",
     "[tu|su] {obj} que aún no llega", "[tu|su] {obj}"),
    (r"tracking|rastreo|seguimiento", "el seguimiento de [tu|su] envío", "[tu|su] envío"),
    (r"(mis datos|mi foto).{0,40}(sin (mi )?permiso)", "el uso de [tus|sus] datos sin permiso", "[tus|sus] datos"),
    (r"\bapp\b|aplicacion", "la falla de la app", "la app"),
    (r"pagina web|la web", "la falla de la página web", "la página web"),
    (r"(sin|no tengo|no hay) (internet|servicio|se[nñ]al|datos|agua|luz)|internet|se[nñ]al|megas|se cae",
     "la falla en [tu|su] servicio de {obj}", "la falla del servicio"),
    (r"token|banca en linea|iniciar sesion|contrase[nñ]a", "el acceso a [tu|su] cuenta en línea", "[tu|su] acceso"),
    (r"bloquearon.{0,20}tarjeta", "el bloqueo de [tu|su] tarjeta", "el bloqueo"),
    (r"alergi|reaccion", "la reacción que [te|le] causó el producto", "la reacción al producto"),
    (r"(llego|vino) (abiert|rot|da[nñ]ad|defectuos)|defectuos|se rompio|no prende|no funciona|se da[nñ]o"
     r"|se reinicia|da[nñ]ad",
     "el {obj} que está fallando", "el {obj}"),
    (r"color|\btono\b", "el color que no coincide con la foto", "el color"),
    (r"rancio|huele|vencid|caducad", "el estado del producto que [recibiste|recibió]", "el producto"),
    (r"portabilidad|cancelar|darme de baja|dar de baja|permanencia|\bbaja\b",
     "[tu|su] solicitud de cancelación", "la cancelación"),
    (r"no (me )?(quiere|quieren) cubrir|no (aplica|cubre)", "[tu|su] solicitud de cobertura", "la cobertura"),
    (r"seguro.{0,40}(sin (mi )?autoriz|no autorice)|contrataron un seguro",
     "el seguro que no [autorizaste|autorizó]", "el seguro"),
    (r"tasa", "el aumento de la tasa de [tu|su] crédito", "la tasa"),
    (r"suscri", "la suscripción que no [pediste|pidió]", "la suscripción"),
    (r"condiciones|terminos", "el cambio de condiciones sin aviso", "las condiciones"),
    (r"colgo|me colgaron|(me )?trat(o|aron) (pesimo|mal)|mala manera|insult|grosero",
     "el trato que [recibiste|recibió]", "el trato recibido"),
    (r"nadie (contesta|responde)|en visto|sin responder|horas en la linea|transfieren|esper|no responden"
     r"|no me han respondido|ticket|mensajes automaticos",
     "la falta de respuesta que [tuviste|tuvo]", "la demora en responder"),
    (r"garantia", "[tu|su] solicitud de garantía", "la garantía"),
    (r"bache|huecos|hueco|la via", "el estado de la vía", "la vía"),
    (r"(alumbrado|semaforo).{0,40}(apagad|no funciona|dan)", "el {obj} que no funciona", "el {obj}"),
    (r"basura|recoleccion", "la recolección de basura en [tu|su] barrio", "la recolección"),
    (r"derecho de peticion|radique", "[tu|su] derecho de petición sin respuesta", "[tu|su] petición"),
    (r"ruido", "el ruido en [tu|su] sector", "el ruido"),
    (r"arboles|tala", "la tala de árboles en el parque", "la tala"),
    (r"\bobra\b", "la obra detenida", "la obra"),
    (r"spam|sms|sospechos|fraude|estafa|phishing", "los mensajes sospechosos a nombre de {brand}", "esos mensajes"),
    (r"vacio mi cuenta|me robaron|fraude", "los movimientos que no [reconoces|reconoce] en [tu|su] cuenta",
     "esos movimientos"),
    (r"pelo|comida", "el problema con [tu|su] comida", "[tu|su] pedido"),
)

_OBJECTS = (
    ("factur", "factura"), ("tarjeta", "tarjeta"), ("router", "router"), ("sim", "SIM"),
    ("plastico", "tarjeta"), ("paquete", "paquete"), ("certificado", "certificado"),
    ("transferencia", "transferencia"), ("decodificador", "decodificador"), ("celular", "celular"),
    ("equipo", "equipo"), ("labial", "labial"), ("crema", "producto"), ("serum", "producto"),
    ("internet", "internet"), ("datos", "datos"), ("agua", "agua"), ("luz", "luz"),
    ("semaforo", "semáforo"), ("alumbrado", "alumbrado"), ("envio", "envío"), ("compra", "compra"),
    ("orden", "orden"), ("pedido", "pedido"),
)

_BY_CATEGORY = {
    "cobro": ("el cobro que [nos reportas|nos reporta]", "el cobro"),
    "entrega": ("[tu|su] entrega pendiente", "[tu|su] entrega"),
    "contrato": ("lo que [nos cuentas|nos cuenta] de [tu|su] contrato", "[tu|su] contrato"),
    "producto": ("la falla que [nos reportas|nos reporta]", "la falla"),
    "atencion": ("la atención que [recibiste|recibió]", "la atención"),
    "garantia": ("[tu|su] solicitud de garantía", "la garantía"),
}
_FALLBACK = Topic("lo que [nos cuentas|nos cuenta]", "[tu|su] caso")
_FALLBACK_EN = Topic("the issue you reported", "your case")
_EN = (
    (r"charg|bill|refund", "the charge on your account", "the charge"),
    (r"order|package|deliver|shipping", "your order that hasn't arrived", "your order"),
    (r"app|login|password", "the problem with the app", "the app"),
    (r"broken|defect|damag", "the damaged product", "the product"),
)


def _object(folded: str, default: str) -> str:
    for needle, noun in _OBJECTS:
        if re.search(rf"\b{needle}", folded):
            return noun
    return default


def extract_topic(mention_text: str, category: str | None, *, language: str = "es",
                  brand: str = "la marca") -> Topic:
    """The problem in a few words, taken from the mention, or from the category."""
    folded = words(mention_text[:5000])
    if language == "en":
        for pattern, phrase, short in _EN:
            if re.search(pattern, folded):
                return Topic(phrase, short)
        return _FALLBACK_EN
    for pattern, phrase, short in _RULES_ES:
        if re.search(pattern, folded):
            obj = _object(folded, "servicio" if "servicio de {obj}" in phrase else "pedido")
            if "servicio de {obj}" in phrase and obj not in {"internet", "datos", "agua", "luz"}:
                obj = "internet" if "internet" in folded or "megas" in folded else "datos"
            return Topic(phrase.replace("{obj}", obj).replace("{brand}", brand),
                         short.replace("{obj}", obj).replace("{brand}", brand))
    if category in _BY_CATEGORY:
        phrase, short = _BY_CATEGORY[category]
        return Topic(phrase, short)
    return _FALLBACK
