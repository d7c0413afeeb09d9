"""Folded phrase lists the rules match (lower case, no accents; regex syntax allowed).

Kept as data so a reviewer can read what the guard reacts to; every list was tuned on the
dev split of data/replies/labelled_replies.jsonl only.
"""

from __future__ import annotations

# --- sarcasm, irony, mockery -----------------------------------------------------------------
SARCASM = (
    "que raro que", "que curioso que", "que casualidad que", "que sorpresa que",
    "vaya sorpresa", "menuda sorpresa", "oh sorpresa",
    "felicidades por (descubrir|darte cuenta|darse cuenta|enterarte|enterarse|leer|notarlo)",
    "felicitaciones por (descubrir|darte cuenta|darse cuenta|enterarte|enterarse|leer)",
    "bravo por (descubrir|darte cuenta|leer)", "bienvenid[oa]s? al mundo real",
    "(menudo|tremendo|gran) descubrimiento", "no me digas?", "quien lo hubiera (dicho|pensado)",
    "gracias por (nada|la clase|la leccion|iluminarnos)", "pobrecit[oa]s?",
    "ay que drama", "que dramatic[oa]", "tanto drama", "que exagerad[oa]",
    "si claro como no", "claro que si campeon", "campeon", "genio", "cerebrito",
    "que inteligente de tu parte", "que original",
    "nadie (te|le) obliga a comprar", "si no (te|le) gusta (compra|compre|vete|vaya)",
    "(puedes|puede) irte a la competencia", "(vete|vayase) a la competencia",
)
LAUGHTER = ("(?:ja){2,}j?", "(?:je){2,}", "(?:ji){2,}", "xd+", "lol", "lmao", "jsjs+")

# --- blame-shifting --------------------------------------------------------------------------
BLAME = (
    "(quiza|quizas|tal vez|a lo mejor|seguramente) no (leiste|leyo|viste|vio|revisaste|reviso)",
    "no (leiste|leyo) (bien|nuestra|la|las|los)", "si (hubieras|hubiera|hubiese|hubieses)",
    "si (usted|tu) (hubiera|hubieras)",
    "(es|fue|era) (tu|su) culpa", "(la culpa|el error) (es|fue) (tuy[oa]|suy[oa]|de usted|tu|su)",
    "(tu|su) (error|culpa|responsabilidad)", "error (tuyo|suyo|de usted)",
    "(debiste|debio|deberias haber|deberia haber|tendrias que haber|tenias que haber|tenia que haber)",
    "eso (te|le) pasa por", "por no (leer|revisar|fijarte|fijarse|preguntar)",
    "esta (clarisimo|clarito|bien claro|muy claro) en",
    "no es (nuestro problema|problema nuestro|nuestra culpa|nuestra responsabilidad)",
    "nosotros no tenemos (la culpa|nada que ver)", "no tenemos la culpa",
    "lo dice (clarito|clarisimo|bien claro)", "aprende a (leer|usar)", "aprenda a (leer|usar)",
)

# --- arguing, defensive ---------------------------------------------------------------------
ARGUING = (
    "eso no es (cierto|verdad|asi)", "no es (cierto|verdad) (lo que|que)", "(es|eso es) (falso|mentira)",
    "(te|se) equivocas?", "(estas|esta) equivocad[oa]", "(mientes|miente|estas mintiendo|esta mintiendo)",
    "no mientas", "no (exageres|exagere)", "(exageras|estas exagerando|esta exagerando)",
    "nosotros no (hicimos|cometimos) nada", "nunca (fallamos|nos equivocamos)",
    "nuestro (producto|servicio) es (perfecto|impecable)", "eso es imposible",
    "(ningun|ningún) otro cliente se (ha quejado|queja)", "nadie (mas|mas) se (ha quejado|queja)",
    "(eres|es) (el|la) unic[oa] que se queja", "(estas|esta) inventando", "deja de inventar",
    "no vamos a discutir", "no tenemos por que", "lo que (dices|dice) no tiene sentido",
)

# --- passive-aggressive ---------------------------------------------------------------------
PASSIVE_AGGRESSIVE = (
    "como ya (te|le|les) (dijimos|explicamos|indicamos|comentamos|informamos|hemos dicho|habiamos dicho)",
    "como (te|le) (hemos|habiamos) (dicho|explicado|indicado) (ya|varias veces|antes)",
    "por (enesima|ultima|decima|milesima) vez", "(te|se) lo repetimos", "una vez mas (te|le) (repetimos|explicamos)",
    "segun (tu|usted|vos) (el|la|los|las|no|nunca|ya|nadie|nada|hubo|hay|es|fue|eso|esto|nosotros|te|le|lo)",
    "supuestamente", "lo que (tu|usted) (llamas|llama)",
    "entendemos que no (entiendas|entienda)", "con todo (respeto|el respeto)",
    "(sin|no hay) animo de ofender", "no es personal pero", "ya (te|le) (lo )?(habiamos|hemos) (dicho|explicado)",
    "si (te|le) tomas?e?s la molestia de", "hacemos lo que podemos con clientes como",
)

# --- emojis that mock (matched on the raw text) -------------------------------------------
MOCKING_EMOJI = ("💅", "🙄", "😒", "🤡", "🙃", "😏", "🥱", "🤦", "😤", "🤭")
LAUGH_EMOJI = ("😂", "🤣", "😹")
CLAP = "👏"

# --- apologies ------------------------------------------------------------------------------
APOLOGY = (
    "disculpa(s|nos|me)?", "disculpe(nos)?", "perdon(a|anos|e|enos)?", "lo sentimos( mucho)?",
    "lamentamos", "lo lamentamos", "nuestras disculpas", "una disculpa", "pedimos (disculpas|perdon)",
    "ofrecemos (disculpas|una disculpa)", "(te|le) pido (disculpas|perdon)", "mil disculpas",
    "sentimos mucho", "sorry", "we apologi[sz]e", "we are (so |very |truly )?sorry", "our apologies",
    "apologies", "we re (so |very |truly )?sorry",
)
TIMID_APOLOGY = (
    "(lamentamos|sentimos|lo sentimos|disculpa|disculpe|perdon|pedimos disculpas|nos disculpamos) (mucho )?"
    "(si|en caso de que|que (te|se) (hayas?|haya) sentido|que (pienses|piense|creas|crea|sientas|sienta))",
    "(disculpa|disculpe|lamentamos|sentimos) (cualquier|todo) (inconveniente|molestia|malentendido)",
    "(por|de) cualquier (inconveniente|molestia) que (esto )?(pudo|pudiera|haya podido|pueda|podria)",
    "(las|los) (molestias|inconvenientes) que (pudo|pudiera|pudimos|podamos|pudieramos|haya podido)",
    "si (te|se) (sentiste|sintio|has sentido|ha sentido)", "si (algo|alguien) (te|le) (molesto|incomodo)",
    "perdon si", "sorry if", "we apologi[sz]e if", "sorry you feel", "we re sorry if",
    "si en algun momento (te|le) (molestamos|incomodamos)", "si (te|le) (hemos|habriamos) causado",
)

# --- replies that say nothing ---------------------------------------------------------------
GENERIC = (
    "gracias por (tu|su) (comentario|mensaje|opinion|publicacion|retroalimentacion|feedback)",
    "agradecemos (tu|su|tus|sus) (comentario|comentarios|mensaje|opinion)",
    "(lamentamos|disculpa|disculpe|sentimos) (las|los) (molestias|inconvenientes)( ocasionad[oa]s| causad[oa]s)?",
    "gracias por (contactarnos|escribirnos|comunicarte|comunicarse|ponerte en contacto|ponerse en contacto)",
    "(tu|su) opinion es (muy )?importante", "tomamos nota", "estamos para (ayudarte|ayudarle|servirte|servirle)",
    "hemos recibido (tu|su) (mensaje|solicitud|comentario)", "en breve (te|le) (contactaremos|responderemos)",
    "trabajamos (constantemente|dia a dia) para mejorar", "thanks for (your )?(feedback|comment|reaching out)",
    "we apologi[sz]e for (the|any) inconvenience", "sorry for the inconvenience",
)

# --- personal data --------------------------------------------------------------------------
DATA_NOUNS = (
    r"(numero|num|nro) (de )?(la |el |tu |su )?(pedido|orden|compra|guia|seguimiento|rastreo|tracking|factura|cliente|"
    r"contrato|poliza|linea|cuenta|tarjeta|celular|telefono|movil|whatsapp|documento|identificacion|"
    r"cedula|afiliado|socio|reserva|boleto|ticket|radicado|referencia|credito|dni|rut|pasaporte)",
    "cedula( de (ciudadania|identidad))?", "dni", "nie", "rut", "run", "curp", "rfc", "ine", "nit", "cuit", "cuil",
    "pasaporte", "documento( de identidad| nacional)?", "(tu|su|sus|tus) identificacion",
    r"(tu|su|tus|sus) (telefono|celular|movil|whatsapp|direccion|domicilio|correo|email|e mail|mail|"
    r"contrase[nñ]a|clave|password|pin|usuario|fecha de nacimiento)",
    "cvv", "cvc", "codigo de seguridad", "(datos|digitos|numero) de (la|tu|su) tarjeta", "tarjeta de (credito|debito)",
    "clabe", "iban", "cbu", "cuenta bancaria", "(tus|sus) datos( personales| bancarios| completos)?",
    "order (number|id)", "your (phone|address|email|password)",
)
REQUEST_VERBS = (
    "(envi|mand|compart|indic|indiqu|facilit|proporcion|confirm|regal|brind|pas|anot|adjunt|escrib|dej|"
    "ingres|digit|recuerd|agreg|mencion|respond|actualiz|valid|verific)"
    "(a|e|as|es|an|en|ar|ir|er|anos|enos|inos|arnos|irnos|ernos|ame|eme|alo|elo|anoslo|enoslo|ias|ia|is)",
    "dinos", "diganos", "dime", "digame", "decirnos", "danos", "denos", "dame", "deme", "darnos",
    "nos (da|das|de|des|dan)", "(pon|ponga|ponlo|ponla)", "necesitamos", "necesito", "requerimos",
    "solicitamos", "nos (falta|hace falta)", "cual es", "cuales son", "send us", "share", "tell us",
    "reply with", "what is your", "we need", "dm us",
)
PRIVATE_CHANNEL = (
    "dm", "md", "mp", "privado", "privada", "mensaje(s)? (directo|directos|privado|privados|interno)",
    "inbox", "por interno", "al interno", "(por|al|a|via|a traves de|en|nuestro) (whatsapp|wsp|wa)",
    "(por|al|a|via|a traves de|en|nuestro) (correo|email|e mail|mail)( electronico)?",
    r"[\w.]+@[\w-]+ [\w.]+", "(por|al|a) (telefono|la linea|nuestra linea)", "llam(a|e|anos|enos|ar)",
    "formulario", "(por|en|el|al|nuestro) chat", "portal",
    "(en|desde|por|a) (nuestra|nuestras|nuestro|cualquier|cualquiera de nuestras) "
    "(app|aplicacion|tienda|tiendas|sucursal|sucursales|oficina|oficinas|punto de atencion|web)",
    "private message", "direct message", "privately", "pm",
)
PUBLIC_HERE = (
    "por (aqui|aca)", "(aqui|aca) mismo", "en (los|este|el|esta) (comentarios?|hilo|post|publicacion|tuit|tweet)",
    "en la publicacion", "respondiendo (a )?este", "debajo", "aqui abajo", "en respuesta a este", "here",
    "in the comments", "in this thread", "below",
)
DATA_NEGATION = (
    "no (nos |lo |la |los )?(compartas|comparta|publiques|publique|dejes|deje|escribas|escriba|pongas|ponga|"
    "envies|envie|mandes|mande|des|de)", "nunca (te |le )?(pediremos|pedimos|solicitamos|solicitaremos)",
    "sin (compartir|publicar)", "evita (publicar|compartir)", "evite (publicar|compartir)",
    "never share", "do not (share|post)", "don t (share|post)",
)

# --- voice (tu / usted) ---------------------------------------------------------------------
TU_MARKERS = (
    "tu", "tus", "ti", "contigo", "tuyo", "tuya", "vos",
    "te (\\w+(amos|emos|imos|aremos|eremos|iremos))", "(tienes|puedes|quieres|necesitas|eres|sientes|"
    "recibiste|compraste|pediste|escribiste|hiciste|podrias|sentiste|tenes|podes|queres|necesitas|sabes|vives|"
    "recibis|escribis)",
    "(escribenos|envianos|cuentanos|comunicate|dejanos|confirmanos|indicanos|ayudanos|contactanos|llamanos|"
    "escribinos|contanos|comunicate|dejanos|avisanos|respondenos|compartenos|mandanos|pasanos|disculpanos|"
    "perdonanos|permitenos)",
)
USTED_MARKERS = (
    "usted", "(escribanos|envienos|cuentenos|comuniquese|dejenos|confirmenos|indiquenos|ayudenos|contactenos|"
    "llamenos|avisenos|respondanos|compartanos|mandenos|pasenos|disculpenos|perdonenos|permitanos|disculpe|"
    "escribame|indiqueme)",
    "le (\\w+(amos|emos|imos|aremos|eremos|iremos))",
    "(su|sus) (pedido|compra|caso|cuenta|factura|reclamo|solicitud|mensaje|paciencia|comentario|servicio|"
    "tarjeta|equipo|producto|paquete|credito|experiencia|confianza|tiempo|queja|contrato|envio)",
)
