# ruff: noqa: E501  (word lists read better one alternation per line than wrapped)
"""Spanish word lists (several dialects) that triage matches on word boundaries.

Entries are regular-expression fragments over *normalised* text (see `normalise.py`: lower
case, accents folded, ñ kept, "@user"/"url" placeholders, elongations collapsed). They are
matched as whole words, never as substrings: "dinero" must not match "dinero"-embedded
insults the way naive substring lists do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PhraseSet:
    """A named set of phrases compiled into one whole-word regular expression."""

    name: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, name: str, phrases: Iterable[str]) -> PhraseSet:
        body = "|".join(sorted(set(phrases), key=len, reverse=True))
        return cls(name, re.compile(rf"(?<![\w@#])(?:{body})(?!\w)"))

    def find(self, text: str) -> list[str]:
        return [match.group(0) for match in self.pattern.finditer(text)]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [match.span() for match in self.pattern.finditer(text)]


def _chars(name: str, characters: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(characters) + "]")


# Insult nouns/adjectives that degrade a person or the brand whatever the context.
INSULTS_STRONG = PhraseSet.of("insult", [
    # Gender and number variants and common spellings go together ("hij[oa]s? de puta", "hdp", "hijoputa").
    r"idiotas?", r"imbeciles?", r"estupid[oa]s?", r"pendej[oa]s?", r"[gj]ilipollas", r"pelotud[oa]s?",
    r"bolud[oa]s", r"subnormal(?:es)?", r"tarad[oa]s?", r"retrasad[oa]s?", r"mongol(?:os|as?|ic[oa]s?)?",
    r"malparid[oa]s", r"gonorreas", r"cabron(?:es|as?)", r"h?ij[oa]s? (?:de |d )?(?:la (?:gran )?)?(?:puta|pvta|perra|su madre|tu madre)",
    r"h\.?d\.?p\.?s?", r"hijoputas?", r"h?ijueputas", r"jueputas", r"hp(?:s)", r"huev[oa]nes", r"weon(?:es|as)", r"aweonad[oa]s?", r"aweona[oa]s?",
    r"culia[oa]s?", r"culiad[oa]s", r"forr[oa]s", r"gil(?:es)?", r"mamon(?:es|as?)", r"mamert[oa]s", r"capull[oa]s?", r"cretin[oa]s?",
    r"zorras?", r"putas", r"perras?", r"maricas?", r"maricones?", r"cerd[oa]s?", r"escorias?", r"lacras?", r"parasit[oa]s",
    r"inutiles", r"incompetentes", r"inept[oa]s?", r"sinverguenzas?",
    r"desgraciad[oa]s?", r"miserables", r"lameculos", r"chupasangres?", r"muert[oa]s de hambre",
    r"mentiros[oa]s?", r"estafador(?:a|as|es)", r"prepotentes?", r"maleducad[oa]s?", r"vag[oa]s",
    r"floj[oa]s", r"mensos?", r"mensas?", r"abusiv[oa]s", r"matones", r"flaites?", r"rascas", r"malcriad[oa]s?",
    r"igualad[oa]s?", r"trampos[oa]s?", r"usurer[oa]s?", r"choriz[oa]s", r"gandules", r"sabandijas?",
    r"ladron(?:es|as)", r"rater[oa]s", r"chorr[oa]s", r"chantas", r"transas", r"bola de (?:\w+)", r"manga de (?:\w+)", r"nac[oa]s?",
    r"asqueros[oa]s", r"brut[oa]s", r"burr[oa]s", r"ignorantes", r"mediocres", r"sudacas?", r"panchit[oa]s",
])

# Words that degrade only when aimed at someone; alone they are swearing about a situation.
INSULTS_CONTEXTUAL = PhraseSet.of("insult_contextual", [
    r"h?ijueputa", r"hijuepucha", r"hp", r"malparid[oa]", r"gonorrea", r"cabron", r"huevon(?:a)?", r"weona?",
    r"bolud[oa]", r"puto", r"puta", r"pinche", r"maldit[oa]s?", r"mierda", r"basura", r"inutil",
    r"ladron", r"estafador", r"rater[oa]", r"mamon", r"forr[oa]", r"culia[od]a?", r"verga", r"chingad[oa]s?",
    r"ratas?", r"payasos?", r"basuras", r"animales", r"corrupt[oa]s?", r"grosera?", r"groseros",
    r"pesad[oa]s?", r"inutil", r"ladrona", r"bestias?", r"monos",
])

# Somebody addressed or pointed at: makes a contextual insult an insult.
TARGETS = PhraseSet.of("target", [
    r"eres", r"sos", r"son", r"es un", r"es una", r"la del", r"el del", r"la que", r"el que", r"es usted", r"ustedes", r"usted", r"vos", r"tu", r"te", r"les", r"los",
    r"@user", r"bola de", r"manga de", r"partida de", r"panda de", r"monton de", r"grupo de", r"estos",
    r"esos", r"empleados?", r"asesor(?:es|a|as)?", r"gerentes?",
    r"dueños?", r"empresa", r"compañia", r"banco", r"marca", r"alcalde(?:sa)?", r"gente", r"personal",
    r"cajer[oa]s?", r"repartidor(?:es)?", r"vendedor(?:es|a|as)?", r"operador(?:es|a|as)?",
])

# Situation swearing that must not count as abuse.
SITUATION_SWEARING = PhraseSet.of("swearing", [
    r"(?:que|ay|uy|ah|oh|pero) (?:hijueputa|hijuepucha|hp|mierda|verga|carajo|joder|puta|chingados?)",
    r"puta madre", r"puta vida", r"que mierda", r"de mierda", r"mierda", r"carajo", r"joder", r"coño",
    r"chingada madre", r"a la verga", r"verga", r"la concha de (?:la lora|su madre|tu madre)", r"ctm",
    r"conchetumare", r"no mames", r"no jodas", r"que cagada", r"cagada", r"hijueputa", r"hp",
    r"malparido", r"pinche", r"puto", r"puta", r"chale", r"maldita sea",
])

# Things (not people) that "de mierda"/"basura"/"pinche" can describe without degrading anyone.
SITUATION_NOUNS = PhraseSet.of("situation_noun", [
    r"servicio", r"internet", r"señal", r"app", r"aplicacion", r"pagina", r"producto", r"pedido",
    r"envio", r"dia", r"semana", r"vida", r"suerte", r"sistema", r"plan", r"conexion", r"linea",
    r"wifi", r"red", r"trafico", r"clima", r"fila", r"cola", r"factura", r"cobro", r"equipo",
    r"telefono", r"celular", r"compra", r"vuelo", r"tren", r"bus", r"calle", r"situacion",
])

THREATS = PhraseSet.of("threat", [
    r"se donde (?:vives|viven|trabajas|trabajan|vive|estudias|estan)", r"ya se donde",
    r"sabemos donde", r"(?:te|los|las|lo|la|les|le|os) (?:voy|vamos) a (?:matar|partir|romper|quemar|buscar|encontrar|reventar|madrear|cagar a palos|agarrar|ahorcar|degollar|apuñalar|acuchillar|balear|violar|linchar|fusilar|ejecutar|descuartizar|torturar|rajar|atropellar|arrancar la cabeza|volar la cabeza|cortar el cuello|romper las piernas|dar (?:una|de) (?:paliza|golpiza|palos|puñaladas)|agarrar a (?:golpes|machetazos|tiros|palos))",
    r"(?:te|los|las|lo|la|le|les) (?:voy|vamos) a (?:pegar|meter|dar) (?:un|dos|tres|cuatro|cinco|seis|\d+) (?:tiros?|balazos?|plomazos?|puñaladas?|machetazos?|cuchilladas?)",
    r"(?:le|les|te) (?:doy|damos|meto|pego|metemos) (?:un|dos|tres|cuatro|cinco|seis|\d+) (?:tiros?|balazos?|plomazos?|puñaladas?|machetazos?)",
    r"(?:voy|vamos) a (?:pegar|meter)le (?:un|dos|tres|cuatro|\d+) (?:tiros?|balazos?)",
    r"(?:te|los|las|lo|la|os) (?:mato|matamos|rompo|reviento|quemo|parto|degollo|ahorco)", r"vas a (?:pagar|morir)",
    r"(?:hay|habria|tendriamos|tenemos) que (?:matar|fusilar|colgar|quemar|linchar|ejecutar|ahorcar|exterminar|eliminar|degollar|balear)(?:los|las|lo|la|les)?",
    r"(?:ejecutaremos|fusilaremos|mataremos|colgaremos|quemaremos|lincharemos|exterminaremos)",
    r"hay que (?:matar|colgar|quemar)(?:los|las|lo|la)",
    r"ojala (?:te|lo|la|los|las|les|le) (?:maten|violen|peguen un tiro|quemen|linchen|cuelguen|degollen|atropellen)",
    r"alguien (?:que )?(?:le|les|lo|la|te) (?:pegue|meta|de) (?:un tiro|un balazo|una paliza|dos tiros|cuatro tiros)",
    r"(?:le|les|te) (?:rompo|parto|quiebro) (?:las piernas|la cara|la cabeza|los dientes|el cuello)",
    r"(?:voy|vamos) a (?:atropellar|linchar|apuñalar|acuchillar|balear|degollar) a",
    r"(?:que )?(?:les?|te) revienten (?:la cabeza|a golpes|a pedradas)",
    r"(?:terminar|acabar|aparecer) en una (?:bolsa|zanja|cuneta|fosa)", r"no (?:sale|sales|salen) (?:viv[oa]s?|entero)",
    r"(?:salgamos|vamos|salir) a cazar(?:los|las)?", r"(?:vamos|vayamos|salgamos) (?:todos |todas )?a linchar",
    r"no (?:vas|va|van) a salir (?:viv[oa]s?|enter[oa]s?)", r"filtr(?:e|o|amos|aron|are|ar) (?:los|sus|tus) datos", r"me (?:voy|vamos) a cargar a",
    r"quemo el (?:local|negocio|edificio|carro|auto)", r"(?:con|a) (?:un|el) cuchillo a la", r"(?:los|las|te|lo|la) quiero ver muert[oa]s?",
    r"van a morir", r"te va a pasar algo", r"les va a pasar algo", r"algo (?:les|te) va a pasar",
    r"(?:ya se|sabemos|se) (?:quien eres|donde (?:vives|estudian|trabajas|estudias))", r"cuidado con tu familia",
    r"(?:donde|a que hora) (?:estudian|salen) (?:tus|sus) hijos", r"(?:tengo|tenemos) fotos de tu casa",
    r"(?:el|la|su|tu) (?:numero|telefono|direccion) (?:personal )?de (?:la|el) (?:asesora?|cajer[oa]|supervisora?|gerente|tecnico|repartidor)",
    r"vayan a visitarl[oa]", r"denle lo que merece",
    r"(?:quemar|incendiar|volar|balear|rafaguear) (?:el|la|su|sus|tu|esa|ese|esta|este) (?:local|tienda|sucursal|oficina|casa|carro|edificio|negocio|sede|alcaldia)",
    r"(?:voy|vamos) a quemar", r"(?:poner|pondre|pongan|ponerles|ponemos|pongo|coloco|colocar|meter) una bomba", r"una bomba en (?:la|el|su|sus|tu)", r"a balazos", r"a plomo",
    r"(?:partir|romper) (?:la|su|tu) (?:cara|madre|jeta|boca)", r"romperles la (?:cara|madre)",
    r"matar(?:los|te|lo|la|las)", r"muerte a (?:los|las|todos|todas|esos|esas)", r"ojala se mueran",
    r"romper(?:les|le)? (?:los vidrios|todo|la tienda|el local)", r"rompo todo", r"romperles",
    r"(?:prendo|prender|prenderle|prenderles|le prendo|les prendo|los prendo) fuego", r"les quemen", r"quemarle",
    r"no sale entero", r"(?:buscar|esperar|espero|busco)(?: a)? (?:en )?la salida", r"a la salida",
    r"(?:ya )?(?:se|tengo|tenemos|le tenemos|les tenemos) (?:el nombre (?:completo )?y )?la direccion",
    r"ya se (?:quien es|donde vive|donde trabaja|en que punto|a que hora sale)", r"donde vive",
    r"que no se confie", r"por donde camina", r"no respondo (?:de mis actos|por lo que pase)", r"se le va a acabar", r"(?:le|les) suelto (?:a )?los perros",
    r"a ver como (?:le|les) va", r"(?:dar|darle|darles) una leccion", r"(?:le|les) pone una bomba",
    r"(?:les|le) (?:vamos|voy) a (?:quemar|romper|partir|dar (?:una paliza|un tiro|de palos))", r"cerrar la calle y", r"te voy a (?:buscar|encontrar)",
    r"(?:publicar|filtrar|subir) (?:tu|su|sus|tus) (?:direccion|telefono|datos|fotos|numero)",
    r"(?:ya )?se (?:como te llamas|tu nombre|donde queda tu casa)", r"se van a arrepentir",
    r"me las van a pagar", r"nos vemos afuera", r"te espero (?:a la salida|afuera)",
    r"i will kill", r"kill you",
])

# Idioms and figurative violence that contain threat words: a threat match inside one is dropped.
THREAT_IDIOMS = PhraseSet.of("threat_idiom", [
    r"(?:te|lo|la|los|las|nos|me) (?:voy|vamos|va|van) a matar a besos", r"matar(?:te|lo|la|los)? a besos",
    r"matar (?:el|un|los) (?:tiempo|rato|partido|juego|aburrimiento|hambre|gusanillo)",
    r"(?:me|nos) (?:muero|morimos|mata|matan|mato) de (?:risa|hambre|sueño|sed|calor|frio|ganas|amor|verguenza|envidia|pena)",
    r"(?:me|te|nos) va a matar (?:si|cuando|de)", r"(?:me|nos) van a matar (?:de|con)",
    r"dos pajaros de un tiro", r"salio a matar",
    # The author fears an attack ("nos ponen una bomba en..."): not the author's threat.
    r"nos (?:ponen|pongan|pondran|pusieron|van a poner|pueden poner) una bomba(?: en (?:la|el|su|sus|tu|nuestr[oa]s?))?", r"(?:una|la) bomba de (?:noticia|cancion|tema|sabor)",
])

LEGAL = PhraseSet.of("legal", [
    r"demand(?:a|ar|arlos|arlas|are|aremos|aria|o|amos|e|en|ado)", r"(?:una|la|mi) demanda",
    r"accion(?:es)? legal(?:es)?", r"via legal", r"vias legales", r"proceso legal", r"abogad[oa]s?",
    r"profeco", r"(?:la|a la|ante la|en la) sic", r"superintendencia(?: de industria y comercio)?",
    r"supersalud", r"superservicios", r"superfinanciera", r"omic", r"sernac", r"indecopi",
    r"defensa del consumidor", r"defensoria del (?:consumidor|pueblo)", r"(?:oficina|oficinas|autoridad|autoridades) de consumo", r"(?:a|en|ante) consumo",
    r"hoja de reclamaciones", r"libro de reclamaciones", r"osiptel", r"condusef", r"cofepris",
    r"(?:la|a la|ante la|en la) (?:cmf|sbs)", r"osinergmin", r"aesa", r"carta documento", r"procon",
    r"denunci(?:a|ar|are|aremos|arlos|o|e|en)", r"tutela", r"instaurar", r"juzgado", r"juez",
    r"tribunal(?:es)?", r"fiscalia", r"ministerio publico", r"delito", r"fraude",
    r"me estafaron", r"nos estafaron", r"lavado de dinero", r"lava(?:n)? dinero",
    r"deberian investigar(?:los|las)?", r"que (?:los|las) investiguen", r"procon", r"justiça", r"court",
    r"regulator", r"sue you", r"lawyer", r"(?:un|el|recurso de) amparo", r"proceso judicial", r"via judicial", r"judicialmente",
    r"legalmente", r"procedo legalmente", r"iniciare (?:acciones|un proceso|proceso)",
    r"reclamo (?:ante|en) la superintendencia", r"queja formal ante", r"(?:reseñas|resenas|reviews|opiniones|comentarios) (?:falsas|falsos|compradas|comprados|pagadas|pagados)",
    r"bots pagados", r"ilegal(?:es)?",
    r"proteccion de datos", r"habeas data", r"class action",
])

MOCKERY = PhraseSet.of("mockery", [
    r"jaja", r"jeje", r"lol", r"lmao", r"xd", r"que risa", r"me da risa", r"pobres", r"pobrecitos",
    r"ridicul[oa]s", r"payasos?", r"circo", r"chiste", r"un meme", r"memes?", r"nadie les cree",
    r"ni regalado", r"clown", r"ok boomer", r"llorar? (?:mas|menos)", r"lloren", r"cope", r"ardidos?",
    r"ardid[oa]s?", r"sigan llorando", r"que patetico", r"pateticos?", r"dan pena", r"dan lastima",
    r"verguenza ajena", r"chistosos", r"que oso", r"quedaron como", r"la empresa mas chistosa",
])
MOCKERY_EMOJI = _chars("mockery_emoji", "🤡😂🤣🍿🥱😹🤪🙃💅")

BOYCOTT = PhraseSet.of("boycott", [
    r"no (?:les )?compren", r"no compre(?:n|s)? (?:en|nada)", r"#?boicot\w*", r"#?boycott\w*",
    r"eviten", r"no contraten", r"no se afilien", r"no usen", r"no vayan", r"huyan", r"no caigan",
    r"dejen de (?:comprar|usar|ir)", r"cambiense", r"no les den su dinero", r"no consuman",
    r"no los recomiendo a nadie", r"corran", r"alejense", r"funa", r"funar(?:los)?",
])

GENERALISED = PhraseSet.of("generalised", [
    r"siempre (?:es )?lo mismo", r"siempre igual", r"todos son (?:iguales|unos)", r"la peor empresa",
    r"peor empresa", r"peor banco", r"peor marca", r"nunca cambian", r"nunca van a cambiar",
    r"empresa (?:corrupta|ladrona|de mierda|basura|mediocre)", r"como siempre", r"de siempre",
    r"una vez mas", r"otra vez", r"ya nadie", r"todo el mundo sabe", r"no sirven para nada",
    r"no sirve para nada", r"son una verguenza", r"son un asco", r"son lo peor", r"deberian cerrar",
    r"que cierren", r"ojala quiebren", r"ojala cierren", r"se van a quebrar", r"nunca mas",
    r"siempre (?:roban|estafan|mienten|fallan)", r"no tienen verguenza", r"esta empresa es",
])

OLD_GRIEVANCE = PhraseSet.of("old_grievance", [
    r"desde hace (?:\d+|un|una|dos|tres|cuatro|cinco|varios|varias|muchos|muchas) (?:años?|meses)",
    r"hace (?:\d+|dos|tres|cuatro|cinco|varios|muchos) años", r"desde (?:el )?(?:19|20)\d\d",
    r"todavia me acuerdo", r"nunca (?:lo )?olvido", r"nunca olvidare", r"nunca me (?:solucionaron|devolvieron|pagaron|respondieron)",
    r"desde aquella vez", r"desde esa vez", r"aquella vez", r"en (?:19|20)\d\d", r"me acuerdo cuando",
    r"ya me paso hace", r"hace años",
])

CUSTOMER_EVIDENCE = PhraseSet.of("customer_evidence", [
    r"mi (?:pedido|orden|factura|cuenta|linea|plan|servicio|tarjeta|paquete|envio|compra|contrato|numero|recibo|producto|equipo|celular|internet|credito|reembolso|reserva|vuelo|maleta|poliza|seguro|prestamo|saldo|suscripcion|membresia|medidor|predio|tramite|cita|devolucion|garantia|modem|router|decodificador|tarifa|deposito|transferencia|boleto|tiquete|entrada)",
    r"soy (?:cliente|usuario|usuaria|afiliad[oa]|socio|suscriptor|abonado)", r"como cliente",
    # Past tense, not the subjunctive twins ("que lo pague Marruecos", "que se llame Daniela"); accents are
    # folded, so "la lavadora que compré" and "que compre" look alike and only the clitic forms are excluded.
    r"(?<!\bse )(?<!\bque lo )(?<!\bque la )(?<!\bque le )(?:compre|contrate|pague)", r"me cobra(?:ron|n)", r"me llego", r"no me ha llegado",
    r"no me llega", r"(?:numero|n°|no\.|#) ?(?:de )?(?:pedido|orden|guia|cliente|cuenta|ticket|caso|radicado|reclamo|folio|seguimiento)",
    r"radicado", r"ticket", r"folio",
    # An order/account number needs its label or a code prefix: a bare "25000 voltios" or a phone in an ad is not one.
    r"(?:pedido|orden|order|guia|cuenta|account|contrato|factura|ticket|radicado|folio|referencia|autorizacion|siniestro|suministro|poliza|caso|cliente|seguimiento|numero|nro|n°)(?: de \w+)?[ :#.]*(?:[a-z]{1,3}-|\d{4}-)?\d{4,}",
    r"[a-z]{1,3}-\d{4,}", r"mis datos", r"mi casa", r"en mi (?:barrio|zona|sector|colonia|comuna)",
    r"me atendieron", r"me atendio", r"fui a (?:la|su) (?:sucursal|tienda|oficina)",
    r"(?<!\bse )(?<!\bme )(?<!\bque le )(?<!\bque lo )(?<!\bque la )llame", r"les escribi",
])

CONCRETE_REQUEST = PhraseSet.of("concrete_request", [
    r"necesito", r"(?<!\bte )(?:me )?pueden (?:ayudar|ayudarme|revisar|solucionar|responder|confirmar|decirme|informarme)",
    r"podrian (?:ayudar|ayudarme|revisar|solucionar|responder|decirme|informarme)", r"quiero (?:que|mi|el|la|saber|cancelar|un|una)",
    r"cuando (?:llega|me|van|piensan|lo|la)", r"solucionen", r"devuelvan", r"respondan", r"me ayudan",
    r"ayuda por favor", r"por favor", r"porfa", r"(?<!\ba )(?<!\ben )favor de", r"exijo", r"solicito", r"requiero",
    r"espero (?:su|una) (?:respuesta|solucion)", r"reembolso", r"quiero hablar con",
])

COMPLAINT_CUES = PhraseSet.of("complaint", [
    r"no (?:me )?(?:ha|han) llegado", r"no llega", r"no (?:me )?llego", r"no funciona", r"no sirve",
    r"no anda", r"no carga", r"no prende", r"no enciende", r"no responden", r"no contestan", r"nadie (?:me )?(?:responde|contesta|atiende|da solucion)",
    r"me cobraron", r"cobro (?:indebido|doble|de mas)", r"doble cobro", r"cobraron (?:doble|de mas|dos veces)",
    r"me descontaron", r"llevo (?:\d+|un|una|dos|tres|cuatro|cinco|varios|varias|mas de) (?:horas?|dias?|semanas?|meses?)",
    r"sin (?:servicio|internet|luz|agua|señal|linea|gas|respuesta|solucion)", r"se (?:cayo|cae|corta|corto)",
    r"pesim[oa]", r"horrible", r"terrible", r"fatal", r"lamentable", r"desastre", r"verguenza",
    r"inaceptable", r"indignante", r"una burla", r"abuso", r"queja", r"reclamo", r"estafa",
    r"todavia no", r"aun no", r"sigo esperando", r"siguen sin", r"ya van", r"otra vez", r"de nuevo",
    r"nunca (?:llego|llega|responden|contestan)", r"roto", r"rota", r"dañad[oa]", r"defectuos[oa]",
    r"vencid[oa]", r"podrid[oa]", r"falla", r"fallando", r"caid[oa]", r"intermitente", r"lentisim[oa]",
    r"me colg(?:aron|o)", r"groser[oa]s?", r"no me dejan", r"y me dicen que", r"me dejaron", r"me tienen", r"harto", r"harta", r"cansad[oa] de", r"decepcion(?:ad[oa])?",
    r"mal servicio", r"mala atencion", r"peor servicio", r"servicio de mierda", r"que mierda",
    r"no me (?:dan|dieron|han dado|devuelven|devolvieron|resuelven|solucionan|atienden)",
    r"incumpl\w+", r"me (?:robaron|estafaron|enganaron|engañaron|mintieron)", r"ladrones", r"cancelaron",
    r"perdieron", r"extraviad[oa]", r"mal estado", r"incompleto", r"equivocad[oa]", r"error en",
    r"ya (?:es|son) (?:el|la)? ?(?:\w+ )?(?:vez|veces|dia|dias)", r"cuantas veces", r"hasta cuando",
    r"que les pasa", r"es el colmo", r"no puede ser", r"no es posible", r"nadie da la cara",
])

SARCASM = PhraseSet.of("sarcasm", [
    r"gracias por (?:nada|dejarme|dejarnos|cobrarme|hacerme|arruinar|el pesimo|la pesima|tanto|la espera|ignorarme|nunca|no)",
    r"gracias (?:de verdad )?por (?:el|la) (?:excelente|gran|maravillos[oa]) (?:servicio|atencion)",
    r"(?:que|excelente|gran|maravilloso|increible) (?:buen )?(?:servicio|atencion)(?: eh)?,? (?:llevo|tres|dos|otra|nadie|ni|no|sin)",
    r"bravo", r"felicidades por (?:el|la|su) (?:peor|pesim[oa])", r"me encanta (?:esperar|que me|pagar)",
    r"nada como (?:esperar|pagar|llamar)", r"genial,? otra vez", r"que maravilla", r"de lujo,? (?:otra|sin|ni)",
    r"como siempre,? (?:excelente|impecable)", r"10 de 10 (?:en|para) (?:fallar|cobrar)", r"aplausos",
])
CLAP_EMOJI = _chars("clap", "👏🙄")

PETITION_CUES = PhraseSet.of("peticion", [
    r"como (?:puedo|hago|se hace|le hago|hago para|me)", r"quisiera (?:saber|informacion|consultar|solicitar)",
    r"me (?:pueden|podrian) (?:informar|decir|indicar|explicar|ayudar)", r"informacion", r"info",
    r"horarios?", r"donde (?:queda|puedo|esta|estan|hay)", r"cuanto (?:cuesta|vale|sale|tarda|demora)",
    r"precios?", r"requisitos", r"tienen (?:disponible|stock|envios)", r"hay (?:disponible|stock)",
    r"se puede", r"puedo", r"consulta", r"pregunta", r"duda", r"solicito", r"necesito (?:saber|informacion)",
    r"a que hora", r"que dias", r"me interesa", r"quiero (?:saber|contratar|comprar|adquirir)",
])

SUGGESTION_CUES = PhraseSet.of("sugerencia", [
    r"deberian", r"seria (?:bueno|bien|genial|ideal|util|excelente|chevere|bacan)", r"sugiero", r"sugerencia",
    r"propongo", r"propuesta", r"podrian (?:agregar|poner|incluir|mejorar|abrir|habilitar|ampliar|tener|sacar|implementar)",
    r"ojala (?:pusieran|tuvieran|agreguen|abrieran|sacaran|pongan|tengan|habiliten)", r"estaria (?:bueno|bien|genial) que",
    r"les recomiendo (?:que|poner|agregar)", r"por que no (?:ponen|agregan|abren|sacan|habilitan|hacen)",
    r"me gustaria que", r"una idea", r"idea:", r"falta(?:ria)? que", r"convendria",
])

PRAISE_CUES = PhraseSet.of("felicitacion", [
    r"gracias", r"muchas gracias", r"mil gracias", r"excelente (?:servicio|atencion|trabajo|producto)",
    r"felicit\w*", r"los amo", r"las amo", r"me encanta", r"me encantan", r"muy (?:buen|buena|buenos|buenas|amable|amables|rapido|rapida|atent[oa]s?)",
    r"recomendad[oa]s?", r"10 de 10", r"diez de diez", r"genial", r"de lujo", r"chevere", r"bacan",
    r"buenisim[oa]", r"increible", r"lo maximo", r"los mejores", r"la mejor", r"el mejor", r"super bien",
    r"todo perfecto", r"perfecto", r"impecable", r"encantad[oa]", r"feliz", r"satisfech[oa]",
    r"bien hecho", r"que rico", r"riquisim[oa]", r"volvere", r"sin duda", r"un placer",
    # Joy and praise of anything (a team, a book, a show): positive, whoever it is about.
    r"felicidad(?:es)?", r"enhorabuena", r"orgullos[oa]s?", r"bravo", r"que (?:lindo|linda|bonito|bonita|belleza|maravilla|alegria|emocion|orgullo)",
    r"hermos[oa]s?", r"precios[oa]s?", r"maravillos[oa]s?", r"campeon(?:es|as)?", r"te (?:quiero|amo)", r"l[oa]s? (?:quiero|amo)",
    r"amamos", r"inspirador(?:a)?", r"emocionante", r"alegria", r"ilusion", r"disfrut(?:e|ar|amos|ando|en|a)",
    r"golazo", r"partidazo", r"crack", r"idol[oa]", r"lo mejor", r"me gusta", r"bendicion(?:es)?",
])
POSITIVE_EMOJI = _chars("positive_emoji", "❤😍🥰🙌💯😊🤩💖💕👍😀😃😁☺🥳✨")

NEGATIVE = PhraseSet.of("negative", [
    r"pesim[oa]s?", r"horrible", r"terrible", r"mal[oa]?s?", r"peor(?:es)?", r"asco", r"verguenza",
    r"decepcion\w*", r"hart[oa]s?", r"cansad[oa]s?", r"indignad[oa]s?", r"molest[oa]s?", r"furios[oa]s?",
    r"enojad[oa]s?", r"encabronad[oa]s?", r"emputad[oa]s?", r"arrech[oa]s?", r"cabread[oa]s?", r"fatal",
    r"desastre", r"lamentable", r"inaceptable", r"indignante", r"vergonzos[oa]", r"burla", r"abuso",
    r"nefast[oa]", r"porqueria", r"basura", r"mierda", r"triste", r"frustrad[oa]", r"frustrante",
    r"no sirve", r"no funciona", r"nunca", r"jamas", r"odio", r"detesto", r"robo", r"estafa", r"ladrones",
    r"incompetentes", r"inutiles", r"problema", r"problemas", r"queja", r"reclamo", r"error",
])
NEGATIVE_EMOJI = _chars("negative_emoji", "😡🤬😤😠👎💩😒😭😢😞😩😫🖕😑")

ANGER = PhraseSet.of("anger", [
    r"furios[oa]", r"hart[oa]", r"hartisim[oa]", r"indignad[oa]", r"encabronad[oa]", r"emputad[oa]",
    r"arrech[oa]", r"cabread[oa]", r"rabia", r"hasta la madre", r"hasta la coronilla", r"hasta el gorro",
    r"me tienen (?:podrido|podrida|harto|harta|hasta)", r"estoy que (?:exploto|me lleva)", r"me lleva la",
    r"es el colmo", r"inaceptable", r"indignante", r"una burla", r"que verguenza", r"odio", r"exijo",
    r"basta", r"ya basta", r"no aguanto", r"me cans[eo]", r"que les pasa",
])
ANGER_EMOJI = _chars("anger_emoji", "😡🤬😤😠🖕💢")

# Sign words for the language guess on very short texts.
SPANISH_MARKERS = PhraseSet.of("spanish", [
    r"que", r"no", r"el", r"la", r"los", r"las", r"de", r"y", r"por", r"para", r"mi", r"me", r"es",
    r"gracias", r"servicio", r"pesimo", r"hola", r"buenas", r"ustedes", r"porque", r"pero", r"muy",
    r"sin", r"con", r"una", r"un", r"hace", r"dias", r"nada", r"todo", r"jaja",
])

# Complaint categories (the playbook's list); the highest count wins, ties go to the first.
CATEGORY_CUES: dict[str, PhraseSet] = {
    "cobro": PhraseSet.of("cobro", [
        r"cobr\w*", r"factura\w*", r"cargos?", r"recibos?", r"tarifas?", r"descont\w*", r"reembolso",
        r"devolucion (?:de|del) (?:dinero|pago)", r"devuelvan (?:mi|el) dinero", r"cuotas?", r"pagos?", r"pague",
        r"tarjeta", r"intereses", r"comision(?:es)?", r"saldo", r"me sacaron", r"precio", r"mas caro", r"\$ ?\d+",
        r"pesos", r"soles", r"euros", r"dinero", r"plata", r"lana", r"estado de cuenta", r"multa",
    ]),
    "entrega": PhraseSet.of("entrega", [
        r"pedidos?", r"envios?", r"entregas?", r"entregaron", r"paquete\w*", r"no (?:me )?(?:ha|han)? ?llegado",
        r"no llega", r"llego", r"repartidor\w*", r"domicilio", r"guia", r"rastreo", r"courier", r"mensajeria",
        r"despacho", r"orden", r"delivery", r"retraso", r"demora", r"tracking", r"maleta", r"equipaje",
        r"vuelo", r"recoleccion", r"basura", r"camion", r"no pasa", r"ruta",
    ]),
    "contrato": PhraseSet.of("contrato", [
        r"contrat\w*", r"plan(?:es)?", r"cancelar", r"cancelacion", r"portabilidad", r"permanencia",
        r"renovacion", r"clausula", r"dar de baja", r"darme de baja", r"la baja", r"cambio de plan",
        r"suscripcion", r"afiliacion", r"desafili\w*", r"condiciones", r"letra pequeña", r"poliza",
        r"me cambiaron el plan", r"sin mi autorizacion", r"sin autorizacion", r"penalidad", r"tramite",
    ]),
    "producto": PhraseSet.of("producto", [
        r"no funciona", r"no sirve", r"defectuos[oa]", r"dañad[oa]", r"rot[oa]", r"mala calidad",
        r"vencid[oa]", r"podrid[oa]", r"fall[ao]s?", r"fallando", r"se (?:cayo|cae)", r"caid[oa]",
        r"sin internet", r"sin señal", r"sin servicio", r"sin luz", r"sin agua", r"señal", r"internet",
        r"app", r"aplicacion", r"pagina", r"sistema", r"lent[oa]", r"intermitente", r"producto",
        r"calidad", r"sabor", r"comida", r"fria", r"crudo", r"bache\w*", r"alumbrado", r"fuga",
        r"no prende", r"no enciende", r"no carga", r"bateria", r"pantalla", r"wifi", r"conexion",
    ]),
    "atencion": PhraseSet.of("atencion", [
        r"atencion", r"asesor\w*", r"nadie (?:me )?(?:responde|contesta|atiende)", r"no (?:me )?(?:responden|contestan|atienden)",
        r"me colg(?:aron|o)", r"call center", r"linea de atencion", r"chat", r"grosero\w*", r"groser[ií]a",
        r"mal trato", r"maltrato", r"trato", r"fila", r"esperando", r"en espera", r"horas? (?:esperando|en linea)",
        r"personal", r"emplead[oa]s?", r"cajer[oa]", r"vendedor\w*", r"operador\w*", r"servicio al cliente",
        r"atiend\w*", r"me ignoran", r"ignoran", r"dm", r"inbox", r"mensaje privado", r"respuesta",
    ]),
    "garantia": PhraseSet.of("garantia", [
        r"garantia", r"cambio", r"cambiar(?:lo|la|me)?", r"devolucion", r"devolver", r"reparacion",
        r"reparar", r"servicio tecnico", r"tecnico", r"revision", r"taller", r"reposicion", r"reemplazo",
    ]),
}
