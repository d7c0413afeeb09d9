"""Spanish phrase parts the simulator composes mentions from (data only, no logic).

Slots filled by compose.py: {brand} (name, handle, hashtag or misspelling), {product}, {agency},
{amount}, {order}, {days}, {hours}. Parts are combined, so whole messages rarely repeat.
"""

from __future__ import annotations

from types import MappingProxyType

CATEGORIES: tuple[str, ...] = ("cobro", "entrega", "contrato", "producto", "atencion",
                               "garantia", "otro")

# --- complaint cores: sector -> category -> what went wrong (first person) -------------------
_TELECOM = {
    "cobro": (
        "me cobraron {amount} de más en la factura de este mes",
        "me siguen cobrando un plan que cancelé hace {days} días",
        "aparece un cobro de roaming y yo no he salido del país",
        "me facturaron dos veces el mismo mes",
        "me subieron la tarifa sin avisar",
    ),
    "entrega": (
        "el técnico no llegó a la instalación y esperé todo el día",
        "me prometieron el router nuevo hace {days} días y nada",
        "agendaron la visita técnica tres veces y nunca vinieron",
        "la SIM que pedí nunca llegó",
    ),
    "contrato": (
        "me renovaron la permanencia sin mi autorización",
        "no me dejan hacer la portabilidad a otro operador",
        "quiero cancelar y me ponen mil trabas",
        "me cambiaron las condiciones del contrato sin consultarme",
    ),
    "producto": (
        "llevo {days} días sin internet en la casa",
        "la señal se cae cada diez minutos",
        "pago 500 megas y no llegan ni a 20",
        "el decodificador se reinicia solo todas las noches",
        "no tengo datos desde ayer y trabajo desde la casa",
    ),
    "atencion": (
        "llevo {hours} horas en la línea de atención y nadie contesta",
        "el asesor me colgó a mitad de la llamada",
        "en la tienda me trataron pésimo",
        "abro un ticket y lo cierran sin solucionar nada",
    ),
    "garantia": (
        "el router se dañó a las dos semanas y no me lo quieren cambiar",
        "el celular que compré con ustedes no prende y dicen que la garantía no cubre",
        "el equipo llegó defectuoso y me mandan a hablar con el fabricante",
    ),
    "otro": (
        "me llegan mensajes de spam a nombre de {brand} todos los días",
        "usaron mis datos para una promoción sin mi permiso",
        "la app no me deja iniciar sesión",
    ),
}
_COSMETICS = {
    "cobro": (
        "me cobraron {amount} de aduana que nadie me advirtió",
        "me cobraron el envío dos veces",
        "pedí la devolución hace {days} días y el dinero no aparece",
        "el precio en la web era uno y me cobraron otro",
    ),
    "entrega": (
        "mi pedido {order} lleva {days} días sin moverse del almacén",
        "el paquete dice entregado y nunca llegó",
        "el envío internacional ya va por la tercera semana",
        "me llegó el pedido de otra persona",
        "el tracking no se actualiza desde hace {days} días",
    ),
    "contrato": (
        "me suscribieron a la caja mensual sin pedirlo",
        "las condiciones de envío gratis cambiaron después de pagar",
        "no puedo darme de baja de la suscripción",
    ),
    "producto": (
        "el sérum me dio una reacción alérgica horrible",
        "la crema llegó abierta y derramada",
        "el protector solar huele rancio",
        "el color de la paleta no tiene nada que ver con la foto",
        "el labial se rompió al primer uso",
    ),
    "atencion": (
        "escribí por DM {days} veces y me dejan en visto",
        "el chat de soporte solo responde con mensajes automáticos",
        "me respondieron con sarcasmo cuando reclamé",
    ),
    "garantia": (
        "me dicen que no aceptan cambios de producto abierto aunque venía dañado",
        "pedí el cambio por garantía y me piden pagar el envío de vuelta",
    ),
    "otro": (
        "publicaron mi foto en su Instagram sin permiso",
        "la web no acepta tarjetas de mi país",
    ),
}
_BANK = {
    "cobro": (
        "me aparece un cargo de {amount} que no reconozco",
        "me cobraron comisión por una transferencia que era gratis",
        "me cobraron la anualidad de una tarjeta que cancelé",
        "me hicieron un cargo doble en la tarjeta",
        "me cobran intereses de un crédito que ya liquidé",
    ),
    "entrega": (
        "la tarjeta nueva nunca llegó a mi domicilio",
        "el plástico de reposición lleva {days} días en camino",
        "la transferencia lleva {days} días sin llegar al destino",
    ),
    "contrato": (
        "me contrataron un seguro sin mi autorización",
        "me aumentaron la tasa del crédito sin avisar",
        "no me dejan cancelar la cuenta",
    ),
    "producto": (
        "la app se cae cada vez que quiero pagar",
        "el cajero se tragó mi dinero y no me lo devuelven",
        "el token no funciona y no puedo entrar a la banca en línea",
        "me bloquearon la tarjeta sin razón en pleno viaje",
    ),
    "atencion": (
        "en la sucursal esperé {hours} horas para que no me resolvieran nada",
        "en la línea me transfieren de área en área",
        "el ejecutivo me habló de muy mala manera",
    ),
    "garantia": (
        "el seguro de la tarjeta no me quiere cubrir el fraude",
        "la protección de compras no aplica aunque la pagué",
    ),
    "otro": (
        "me llegan SMS sospechosos a nombre de {brand}, ¿es fraude?",
        "alguien vació mi cuenta y nadie me da respuesta",
    ),
}
_DELIVERY = {
    "cobro": (
        "me cobraron el pedido y el restaurante lo canceló",
        "me cobraron la propina dos veces",
        "el cupón no se aplicó y pagué {amount} de más",
        "me debitaron la suscripción Plus que no pedí",
    ),
    "entrega": (
        "mi pedido lleva {hours} horas y sigue 'en camino'",
        "el repartidor marcó entregado y nunca vino",
        "la comida llegó fría y aplastada",
        "me trajeron el pedido de otra persona",
        "el repartidor se comió la mitad de las papas, se nota",
    ),
    "contrato": (
        "cambiaron los términos de Rapidito Plus sin avisar",
        "no encuentro cómo cancelar la suscripción",
    ),
    "producto": (
        "la app se cuelga cuando quiero pagar",
        "la app me muestra restaurantes cerrados",
        "encontré un pelo en la comida",
    ),
    "atencion": (
        "el soporte del chat me cierra la conversación sin responder",
        "reclamé y me ofrecieron un cupón de risa",
        "el repartidor me insultó en la puerta",
    ),
    "garantia": (
        "pedí el reembolso por producto faltante y me lo rechazaron",
        "dicen que no reembolsan porque 'no hay evidencia'",
    ),
    "otro": (
        "los repartidores estacionan en la vereda y no dejan pasar",
        "me llegan notificaciones a las 3 de la mañana",
    ),
}
_CITYHALL = {
    "cobro": (
        "me llegó el predial con un valor que triplica el del año pasado",
        "me cobraron una multa de tránsito de un carro que vendí hace años",
        "pagué el impuesto y sigue apareciendo como deuda",
    ),
    "entrega": (
        "el certificado que pedí hace {days} días no lo han entregado",
        "la recolección de basura no pasa por mi barrio hace {days} días",
    ),
    "contrato": (
        "la obra del parque lleva dos años detenida y el contratista desapareció",
        "adjudicaron el contrato del alumbrado a dedo",
    ),
    "producto": (
        "el bache de la calle 8 ya se tragó dos motos",
        "el alumbrado de mi cuadra lleva {days} días apagado",
        "el semáforo de la avenida principal no funciona",
        "llevamos {days} días sin agua en el barrio",
    ),
    "atencion": (
        "radiqué un derecho de petición y no me han respondido",
        "en la ventanilla me mandaron a volver mañana por cuarta vez",
        "nadie contesta el teléfono de atención al ciudadano",
    ),
    "garantia": (
        "la vía que arreglaron hace un mes ya está llena de huecos otra vez",
    ),
    "otro": (
        "hay ruido de rumba todas las noches y la policía no viene",
        "están talando los árboles del parque sin explicación",
    ),
}
COMPLAINTS: MappingProxyType[str, MappingProxyType[str, tuple[str, ...]]] = MappingProxyType({
    sector: MappingProxyType(table) for sector, table in (
        ("telecom", _TELECOM), ("cosmetics", _COSMETICS), ("bank", _BANK),
        ("delivery", _DELIVERY), ("cityhall", _CITYHALL),
    )
})

# What the customer wants done; {agency} threats are added separately with LEGAL_THREATS.
DEMANDS: tuple[str, ...] = (
    "¿Me pueden dar una solución?", "Exijo una respuesta.", "Quiero mi dinero de vuelta.",
    "Necesito que alguien me ayude.", "¿Alguien que me explique qué pasó?",
    "Solucionen ya, por favor.", "Espero respuesta hoy mismo.", "¿A quién le reclamo?",
    "Quiero hablar con un supervisor.", "Así no se puede.", "¿Hasta cuándo?",
    "¿Es en serio?", "Necesito una respuesta clara, no un mensaje automático.",
)
LEGAL_THREATS: tuple[str, ...] = (
    "Si no me resuelven, voy a poner la queja ante {agency}.",
    "Ya estoy preparando la denuncia ante {agency}.",
    "Los voy a demandar, tengo todo documentado.",
    "Mañana mismo voy a {agency}.",
    "Esto ya es para abogado.",
    "Voy a interponer una demanda y pedir indemnización.",
)
OPENERS: tuple[str, ...] = (
    "", "", "", "Hola {brand},", "{brand}", "Oigan {brand}:", "Buenas, {brand}.",
    "Atención {brand}:", "Increíble lo de {brand}:", "Otra vez {brand}...", "A ver {brand},",
    "Estimados de {brand}:", "Hey {brand}",
)
SARCASM: tuple[str, ...] = (
    "Gracias por dejarme sin internet 👏👏", "Excelente servicio, como siempre 🙃",
    "Qué maravilla de atención, de verdad 👏", "Nada como pagar por un servicio que no existe 😌",
    "10 de 10, volvería a esperar {days} días 🙄", "Me encanta hablar con un bot que no entiende 🤖👏",
    "Bravo {brand}, otro récord de ineficiencia 🏆", "Gracias {brand} por enseñarme paciencia 🧘",
)

# --- escalation of an ignored complaint (follow-ups in the same conversation) -------------
FOLLOW_UPS: tuple[tuple[str, ...], ...] = (
    (  # 1: reminder
        "¿Alguien leyó mi mensaje?", "Sigo esperando respuesta.", "Hola, ¿hay alguien ahí?",
        "Les escribí ayer y nada.", "Repito mi reclamo porque nadie contesta.",
        "¿Me van a responder o no?", "Buenas, ¿alguna novedad?", "¿Hola? Sigo aquí.",
        "Les dejé mensaje privado también y nada.", "¿Tienen a alguien atendiendo hoy?",
        "Por favor revisen mi caso.", "Sigo sin noticias.",
    ),
    (  # 2: angry
        "Ya van {days} días y nadie responde. 😡", "Es una falta de respeto total.",
        "Cada día peor, nadie da la cara.", "¿Así tratan a sus clientes? Increíble.",
        "Tercer mensaje y cero respuesta. Qué vergüenza.",
        "Me tienen harta/o, {days} días esperando.", "Ya van {days} días, ¿es en serio?",
        "Responden a todo el mundo menos a mí.", "Veo que publican promociones pero no contestan.",
        "Nadie se hace cargo de nada en {brand}.", "Me cansé de esperar, {days} días ya.",
    ),
    (  # 3: furious; the first four insult once (PLAYBOOK §7: still a customer)
        "Son unos inútiles, ya van {days} días sin una sola respuesta. 🤬",
        "Ladrones, eso es lo que son. Nadie responde.",
        "Qué empresa de porquería, {days} días ignorándome.",
        "Incompetentes. Voy a contarle a todo el mundo cómo tratan a la gente.",
        "Estoy furioso/a. Es la última vez que les escribo por aquí.",
        "Se acabó mi paciencia. Voy a contar esto en todas partes.",
        "Última vez que escribo. Después no se quejen de lo que publique.",
    ),
)
FOLLOW_UP_INSULTS = 4  # how many of the level-3 lines above are insults
# What the ignored customer still lacks, by category, for follow-ups to name their problem.
STILL_MISSING: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "cobro": ("la devolución del cobro", "que me expliquen ese cargo", "mi reembolso"),
    "entrega": ("mi pedido", "el paquete", "la visita que me prometieron"),
    "contrato": ("la cancelación", "que respeten lo que firmé", "la copia del contrato"),
    "producto": ("servicio", "una solución a la falla", "que funcione lo que pago"),
    "atencion": ("que alguien me atienda", "una respuesta de verdad", "un número de caso"),
    "garantia": ("el cambio por garantía", "que me reparen el equipo", "la garantía"),
    "otro": ("una explicación", "una solución", "respuesta"),
})
STILL_MISSING_LINES: tuple[str, ...] = (
    "Sigo sin {missing}.", "Todavía sin {missing}.", "Nada de {missing} hasta ahora.",
    "¿Y {missing}?", "Sigo esperando {missing}.",
)

# --- a hostile user with a grudge: generalised attacks and boycott calls -------------------
HOSTILE_ATTACKS: tuple[str, ...] = (
    "{brand} es la peor empresa del país, no les crean nada.",
    "No compren en {brand}. Roban a todo el mundo. #Boicot",
    "Otro día, otra estafa de {brand}. Ya perdí la cuenta.",
    "Hagamos boicot a {brand} hasta que devuelvan lo que le roban a la gente. RT",
    "Lo digo siempre: {brand} vive de engañar a sus clientes.",
    "Si todavía eres cliente de {brand} es porque no has leído lo que les pasa a otros.",
    "Cancelen todo con {brand}. Yo lo hice y no me arrepiento. #Boicot{brand_tag}",
    "Nadie en {brand} tiene vergüenza. Nadie.",
    "Sigo esperando que {brand} me devuelva lo que me debe. Un año ya.",
    "Cada vez que veo publicidad de {brand} me da rabia. Mentirosos.",
)

# --- a troll piling onto other people's complaints ----------------------------------------
TROLL_REPLIES: tuple[str, ...] = (
    "jajaja y qué esperabas de {brand} 🤡", "Llorá más, capaz te devuelven algo 😂",
    "Eso te pasa por pobre, compra algo mejor", "Seguro ni pagaste la factura 🤣",
    "Uff otro ofendidito llorando en redes", "{brand} lo hace a propósito, son expertos en eso 😂",
    "Ni te van a contestar, ahorrate el drama", "Qué divertido ver a la gente sufrir con {brand} 🍿",
    "Dale, escribí otro hilo, seguro ahora sí 😂😂", "Te lo merecés por confiar en {brand}",
    "Mucho texto. No leí 😴", "Alto drama por una pavada", "Cuánto te pagan por quejarte? 🤣",
    "Jajaja otra víctima de {brand}, ya somos club", "Y a mí qué me contás, andá a laburar 😂",
    "Eso es mentira y lo sabés", "Bienvenido al club de los estafados por {brand} 🎉",
    "Seguí participando 🤡", "Capaz si lo gritás más fuerte te escuchan 📢",
)
TROLL_ENDINGS: tuple[str, ...] = ("", "", "", " jaja", " 😂", " 🍿", " xD", " 🤡🤡", " saludos")
TROLL_THREATS: tuple[str, ...] = (
    "Sé dónde queda la oficina de {brand}, vamos a ver si me ignoran en persona 🔥",
    "Un día de estos alguien va a ir a quemarles el local, avisados 🔥",
)

# --- other intents ---------------------------------------------------------------------------
PETITIONS: tuple[str, ...] = (
    "¿Cuál es el horario de atención de {brand} en diciembre?",
    "¿Cómo hago para cambiar {product}?",
    "¿Me pueden enviar la información de {product}, por favor?",
    "¿{brand} tiene cobertura en mi ciudad?",
    "Necesito la factura de {product}, ¿cómo la solicito?",
    "¿Dónde puedo ver el estado de mi solicitud?",
    "¿Hacen envíos a Bolivia? Gracias.",
    "Quisiera saber los requisitos para {product}.",
    "¿Tienen algún número de WhatsApp para consultas?",
    "¿Cuánto tarda normalmente {product}?", "¿Puedo pagar {product} en cuotas?",
    "¿Con quién hablo para actualizar mis datos en {brand}?",
    "¿{brand} abre los domingos?", "¿Hay algún descuento para {product} este mes?",
    "Buenas, ¿cómo me doy de alta en {brand}?",
)
PETITION_ENDINGS: tuple[str, ...] = ("", "", " Gracias.", " Saludos.", " ¡Gracias de antemano!",
                                     " Quedo atento/a.", " Mil gracias 🙏")
SUGGESTIONS: tuple[str, ...] = (
    "Sería genial que {brand} tuviera atención por WhatsApp.",
    "Sugerencia para {brand}: avisen por SMS cuando haya mantenimiento.",
    "Deberían poner un modo oscuro en la app 🙏",
    "Propongo que {brand} publique los tiempos de espera reales.",
    "Ojalá {brand} pusiera más opciones de pago.",
    "Una idea: que el seguimiento de {product} sea en tiempo real.",
    "{brand}, ¿por qué no abren un canal de atención por chat en vivo?",
    "Estaría bueno que {brand} respondiera también los fines de semana.",
    "Les sugiero simplificar el formulario de reclamos, es eterno.",
    "Deberían capacitar mejor a los asesores sobre {product}.",
)
PRAISE: tuple[str, ...] = (
    "Gracias {brand}, me resolvieron en 10 minutos 🙌",
    "Tengo que decirlo: excelente atención de {brand} hoy 👏",
    "Me encantó {product}, 100% recomendado ✨",
    "Por fin una empresa que responde. Gracias {brand} 💚",
    "La chica que me atendió en {brand} fue un amor, gracias!",
    "Llegó todo perfecto y antes de lo esperado 😍",
    "Reconozco cuando hacen bien las cosas: gracias {brand}.",
    "Súper rápida la respuesta de {brand}, así da gusto.",
    "Después del problema de la semana pasada, me compensaron. Bien ahí {brand}.",
    "Nunca pensé decir esto pero {brand} me salvó el día 🙌",
)
OFF_TOPIC: tuple[str, ...] = (
    "Alguien más viendo el partido? Qué golazo 🔥", "Hoy toca lunes otra vez 😴",
    "Vi una publicidad de {brand} en el metro y me acordé de mi ex jaja",
    "Qué frío hace hoy", "¿Alguien recomienda una serie para el finde?",
    "El logo nuevo de {brand} parece de los 90 jaja",
    "Mi gato se durmió encima del router de {brand} 😂",
    "Sorteo! Sigue a @cuenta_random y gana un celular 🎁",
    "La canción del comercial de {brand} no se me sale de la cabeza",
    "Busco trabajo, ¿alguien sabe si {brand} está contratando?",
    "Hoy pasé por la oficina de {brand} y había una fila de dos cuadras, ¿qué pasó?",
    "Ganá dinero desde tu casa 💸💸 link en mi perfil",
)
SWEARING: tuple[str, ...] = (
    "Qué mierda de día.", "Maldita sea, otra vez lo mismo.", "Carajo, esto no puede ser.",
    "Estoy hasta la madre.", "Qué desastre, por Dios.", "Puta madre, otra vez.",
    "Qué cagada todo esto.", "Joder, qué mala suerte.", "Me lleva la que me trajo.",
)
FOREIGN: tuple[str, ...] = (
    "My order from {brand} never arrived, 3 weeks already. Anyone else?",
    "Worst customer service ever @ {brand}, nobody answers.",
    "Thanks {brand}, great service today!",
    "Meu pedido da {brand} não chegou até agora, alguém sabe algo?",
    "Cobraram duas vezes no meu cartão, {brand}. Quero meu dinheiro de volta.",
    "Adorei o atendimento da {brand}, muito obrigada!",
)

# --- dialect colour ----------------------------------------------------------------------------
DIALECT_OPENERS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "mx": ("Neta,", "No manches,", "Oigan,", "Qué onda,", "Órale,", "A ver,"),
    "co": ("Parce,", "Uy no,", "Qué pena pero", "Oigan,", "Vea,", "Ay juemadre,"),
    "ar": ("Che,", "Posta,", "Loco,", "Dale,", "Mirá,", "Uf,"),
    "es": ("Tío,", "Vaya tela,", "Oye,", "Madre mía,", "Venga ya,", "En serio,"),
    "cl": ("Oye,", "Cachai que", "Chuta,", "Pucha,", "Ya po,", "Igual"),
    "pe": ("Oe,", "Asu,", "Causa,", "Habla,", "Oigan,", "Pucha,"),
})
DIALECT_CLOSERS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "mx": ("¡Qué poca!", "Neta no puede ser.", "Ya me tienen hasta el gorro.", "¿Qué pedo?",
           "Bien gacho."),
    "co": ("¡Qué boleta!", "Tan de malas.", "¿Sí o qué?", "Qué mamera.", "Ni de fundas."),
    "ar": ("¡Qué garrón!", "Una vergüenza, boludo.", "Re mal.", "¿Me explicás?", "Ni en pedo."),
    "es": ("¡Flipo!", "Vaya tela.", "Joder ya.", "Estoy hasta las narices.", "¿Me podéis decir algo?"),
    "cl": ("¡Qué lata!", "Terrible fome, po.", "¿Cachai?", "Pésimo, weón.", "No se pasa."),
    "pe": ("¡Qué roche!", "Qué palta, pe.", "¿Ya pe?", "Está fatal, causa.", "Asu mare."),
})
DIALECT_MONEY: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "mx": ("la lana", "el varo", "el dinero"), "co": ("la plata", "la platica", "el dinero"),
    "ar": ("la guita", "la plata", "los mangos"), "es": ("la pasta", "el dinero", "las pelas"),
    "cl": ("las lucas", "la plata", "el dinero"), "pe": ("la plata", "los soles", "las lucas"),
})
# Everyday words that differ by country, applied to the neutral phrase parts above.
DIALECT_WORDS: MappingProxyType[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "mx": (("trabajo desde la casa", "chambeo desde la casa"), ("la casa", "el depa")),
    "co": (("en la tienda", "en el punto de atención"), ("nadie contesta", "nadie contesta, parce")),
    "ar": (("celular", "celu"), ("carro", "auto"), ("papas", "papas fritas"),
           ("trabajo desde la casa", "laburo desde casa")),
    "es": (("celular", "móvil"), ("carro", "coche"), ("con ustedes", "con vosotros"),
           ("la casa", "casa")),
    "cl": (("celular", "celu"), ("carro", "auto"), ("trabajo desde la casa", "hago pega desde la casa")),
    "pe": (("trabajo desde la casa", "chambeo desde la jato"), ("la casa", "la jato")),
})
MONEY_LINES: tuple[str, ...] = (
    "Con {money} que uno paga no hay derecho.", "Quiero {money} de vuelta.",
    "Uno trabajando duro por {money} y ustedes así.",
)
CURRENCY: MappingProxyType[str, tuple[str, int, int]] = MappingProxyType({
    # country -> (format, min, max); amounts are whole units.
    "CO": ("${:,} COP", 20_000, 800_000), "MX": ("${:,} MXN", 150, 12_000),
    "ES": ("{:,} €", 9, 250), "AR": ("${:,}", 3_000, 90_000), "CL": ("${:,} CLP", 3_000, 90_000),
    "PE": ("S/ {:,}", 20, 900),
})

EMOJI: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "anger": ("😡", "🤬", "😤", "👎", "💢", "😠"),
    "sad": ("😢", "😭", "😞", "💔", "😩"),
    "sarcasm": ("🙃", "🙄", "👏", "🤡", "😒"),
    "happy": ("😍", "🥰", "🙌", "✨", "💖", "👏", "😊"),
    "neutral": ("🙏", "🤔", "📦", "📱", "👀"),
})
EMOJI_ONLY: tuple[str, ...] = ("😡😡😡", "👎👎", "🤬🤬🤬🤬", "😭😭", "🙄", "💔💔💔", "👏👏👏🙃")

# Crisis bursts: one per sector; the campaign text is near-identical across many accounts.
CRISIS: MappingProxyType[str, MappingProxyType[str, object]] = MappingProxyType({
    "telecom": MappingProxyType({
        "category": "producto", "tag": "#SinServicioConectel",
        "lines": ("Sin internet en todo el barrio", "Caída total del servicio en Bogotá",
                  "Llevo horas sin señal ni datos", "Se cayó la fibra en toda la ciudad",
                  "Ni internet ni celular, nada funciona"),
        "campaign": "Exigimos compensación por la caída del servicio de {brand}. "
                    "Sin servicio, no pagamos. {tag}",
    }),
    "cosmetics": MappingProxyType({
        "category": "entrega", "tag": "#LuminaNoLlega",
        "lines": ("Mi pedido lleva un mes retenido", "Todos los envíos a México están parados",
                  "Nadie explica por qué no llegan los paquetes", "Pagué y no llega nada"),
        "campaign": "Queremos nuestros pedidos o nuestro dinero. {brand} responda. {tag}",
    }),
    "bank": MappingProxyType({
        "category": "cobro", "tag": "#BancoAndinoCobraDoble",
        "lines": ("Me cobraron doble todas las compras de hoy", "Cargos duplicados en mi tarjeta",
                  "Me vaciaron la cuenta con cargos dobles", "La app muestra cobros repetidos"),
        "campaign": "Devuelvan los cargos duplicados YA. {brand} no se hace responsable. {tag}",
    }),
    "delivery": MappingProxyType({
        "category": "entrega", "tag": "#RapiditoNuncaLlega",
        "lines": ("Ningún pedido está llegando esta noche", "Dos horas esperando la cena",
                  "La app dice en camino desde hace horas", "Todos los pedidos cancelados"),
        "campaign": "Nos cobran y no entregan. Reembolso para todos. {brand} {tag}",
    }),
    "cityhall": MappingProxyType({
        "category": "otro", "tag": "#SanTelmoSinAgua",
        "lines": ("Tres días sin agua en el barrio", "No hay agua y nadie informa nada",
                  "Los niños sin colegio porque no hay agua", "Ni un carrotanque ha llegado"),
        "campaign": "Exigimos agua potable para San Telmo. Alcaldía, den la cara. {tag}",
    }),
})
CRISIS_PRESS: tuple[str, ...] = (
    "🔴 ÚLTIMA HORA: cientos de usuarios reportan problemas con {brand}. {tag} "
    "La empresa no se ha pronunciado. Hilo 🧵",
    "Estamos recibiendo decenas de mensajes sobre {brand}. ¿A ustedes también les pasa? {tag}",
)
CRISIS_INFLUENCER: tuple[str, ...] = (
    "Chicxs, me pasó lo mismo con {brand} 😤 no puede ser que nadie responda. {tag} "
    "Compartan para que nos escuchen 🙏",
    "Les cuento mi experiencia horrible con {brand}... {tag} No se lo deseo a nadie 💔",
)
