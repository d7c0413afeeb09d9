"""The demo world as data: four fictional brands and a city hall.

Everything here is invented. The lead's seeding code turns these records into database rows;
the simulator uses them to address mentions (brand slug, handles, hashtags, misspellings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Voice = Literal["tu", "usted"]
Sector = Literal["telecom", "cosmetics", "bank", "delivery", "cityhall"]

_WEEKDAYS_8_18 = MappingProxyType({d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")})


@dataclass(frozen=True)
class DemoArea:
    """A team a case is routed to, with its maximum investigation time (business hours)."""

    slug: str
    name: str
    investigation_hours: int


@dataclass(frozen=True, eq=False)  # identity equality: brands are module-level singletons
class DemoBrand:
    name: str
    slug: str
    organisation: str
    sector: Sector
    country: str  # ISO 3166-1 alpha-2
    voice: Voice
    timezone: str
    # Network -> the brand's own account on it ("@conectel" style for social, address for e-mail).
    handles: MappingProxyType[str, str]
    search_terms: tuple[str, ...]
    hashtags: tuple[str, ...]  # the first one is the brand's own, neutral tag
    misspellings: tuple[str, ...]
    areas: tuple[DemoArea, ...]
    # Weekday ("mon".."sun") -> "HH:MM-HH:MM" local time, the format of brands.policy.BrandPolicy.
    business_hours: MappingProxyType[str, str] = field(default_factory=lambda: _WEEKDAYS_8_18)
    # Colombian/Peruvian public bodies and CO brands follow statutory PQRS terms.
    legal_pqrs: bool = False
    # Main products/services named in complaints ("el plan", "la tarjeta"...).
    products: tuple[str, ...] = ()
    # Consumer-protection agencies customers threaten to go to.
    agencies: tuple[str, ...] = ()

    @property
    def main_handle(self) -> str:
        return self.handles.get("twitter") or next(iter(self.handles.values()))

    @property
    def policy(self) -> dict[str, object]:
        """The subset of brands.policy.BrandPolicy this demo brand overrides."""
        return {"business_hours": dict(self.business_hours), "legal_pqrs": self.legal_pqrs}


def _areas(*items: tuple[str, str, int]) -> tuple[DemoArea, ...]:
    return tuple(DemoArea(slug, name, hours) for slug, name, hours in items)


CONECTEL = DemoBrand(
    name="Conectel",
    slug="conectel",
    organisation="Conectel Comunicaciones S.A.S.",
    sector="telecom",
    country="CO",
    voice="usted",
    timezone="America/Bogota",
    handles=MappingProxyType({
        "twitter": "@ConectelCO", "facebook": "@ConectelColombia", "instagram": "@conectel.co",
        "mastodon": "@conectel@mastodon.social", "bluesky": "@conectel.bsky.social",
        "telegram": "@ConectelAyuda", "email": "ayuda@conectel.example",
    }),
    search_terms=("Conectel", "ConectelCO", "Conectel Hogar", "Conectel Móvil", "Conectel Fibra"),
    hashtags=("#Conectel", "#SinServicioConectel", "#ConectelFalla"),
    misspellings=("conetel", "conectell", "konectel", "conectl"),
    areas=_areas(
        ("cobros", "Facturación y cobros", 24),
        ("tecnica", "Soporte técnico y red", 8),
        ("contratos", "Contratos y portabilidad", 40),
        ("legal", "Jurídica", 80),
        ("servicio", "Servicio al cliente", 8),
    ),
    business_hours=MappingProxyType({
        **{d: "07:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri")}, "sat": "08:00-14:00",
    }),
    legal_pqrs=True,
    products=("el internet", "la fibra", "el plan pospago", "la línea", "el decodificador",
              "el router", "los datos", "la señal"),
    agencies=("la SIC", "la Superintendencia de Industria y Comercio", "la CRC"),
)

LUMINA = DemoBrand(
    name="Lumina Cosméticos",
    slug="lumina",
    organisation="Lumina Cosmética Natural S.L.",
    sector="cosmetics",
    country="ES",
    voice="tu",
    timezone="Europe/Madrid",
    handles=MappingProxyType({
        "twitter": "@LuminaCosmetic", "facebook": "@LuminaCosmeticos",
        "instagram": "@lumina.cosmeticos", "bluesky": "@lumina.bsky.social",
        "email": "hola@lumina.example",
    }),
    search_terms=("Lumina Cosméticos", "Lumina Cosmeticos", "LuminaCosmetic", "tienda Lumina"),
    hashtags=("#LuminaCosmeticos", "#LuminaNoLlega", "#skincare"),
    misspellings=("lumina cosmeticos", "luminna", "lumína", "lumina cosmetico"),
    areas=_areas(
        ("logistica", "Logística y envíos internacionales", 48),
        ("cobros", "Pagos y devoluciones", 24),
        ("producto", "Calidad de producto", 40),
        ("atencion", "Atención al cliente", 8),
        ("legal", "Legal", 80),
    ),
    business_hours=MappingProxyType({
        **{d: "09:00-19:00" for d in ("mon", "tue", "wed", "thu")}, "fri": "09:00-15:00",
    }),
    products=("el sérum", "la crema hidratante", "el protector solar", "la paleta de sombras",
              "el pedido", "el paquete", "el labial", "el kit de regalo"),
    agencies=("la OMIC", "Consumo", "la OCU"),
)

BANCO_ANDINO = DemoBrand(
    name="Banco Andino",
    slug="banco-andino",
    organisation="Banco Andino de México S.A.",
    sector="bank",
    country="MX",
    voice="usted",
    timezone="America/Mexico_City",
    handles=MappingProxyType({
        "twitter": "@BancoAndinoMX", "facebook": "@BancoAndino", "instagram": "@bancoandino",
        "telegram": "@BancoAndinoBot", "email": "contacto@bancoandino.example",
    }),
    search_terms=("Banco Andino", "BancoAndinoMX", "Andino App", "tarjeta Andino"),
    hashtags=("#BancoAndino", "#AndinoApp"),
    misspellings=("banco andno", "banko andino", "bancoandino", "banco andinio"),
    areas=_areas(
        ("cobros", "Cargos y aclaraciones", 24),
        ("fraude", "Prevención de fraude", 4),
        ("tarjetas", "Tarjetas y créditos", 40),
        ("legal", "Jurídico y UNE", 80),
        ("servicio", "Sucursales y servicio", 16),
    ),
    business_hours=MappingProxyType({
        **{d: "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}, "sat": "10:00-14:00",
    }),
    products=("la tarjeta de crédito", "la app", "la cuenta de nómina", "la transferencia",
              "el crédito", "el cajero", "la banca en línea", "el token"),
    agencies=("la Condusef", "Profeco", "la CNBV"),
)

RAPIDITO = DemoBrand(
    name="Rapidito",
    slug="rapidito",
    organisation="Rapidito Delivery S.R.L.",
    sector="delivery",
    country="AR",
    voice="tu",
    timezone="America/Argentina/Buenos_Aires",
    handles=MappingProxyType({
        "twitter": "@RapiditoApp", "facebook": "@RapiditoArgentina", "instagram": "@rapidito.app",
        "mastodon": "@rapidito@mastodon.social", "telegram": "@RapiditoSoporte",
        "email": "soporte@rapidito.example",
    }),
    search_terms=("Rapidito", "RapiditoApp", "Rapidito delivery", "Rapidito Chile"),
    hashtags=("#Rapidito", "#RapiditoNuncaLlega"),
    misspellings=("rapidto", "rapiditto", "rapidiyo", "rapidito app"),
    areas=_areas(
        ("entregas", "Operaciones y repartidores", 4),
        ("cobros", "Pagos y reembolsos", 24),
        ("comercios", "Restaurantes y comercios", 16),
        ("legal", "Legales", 80),
        ("soporte", "Soporte al usuario", 4),
    ),
    business_hours=MappingProxyType({d: "08:00-23:00" for d in
                                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}),
    products=("el pedido", "la hamburguesa", "el delivery", "el cupón", "la pizza",
              "el repartidor", "el reembolso", "la suscripción Rapidito Plus"),
    agencies=("Defensa del Consumidor", "el SERNAC", "la Dirección de Defensa del Consumidor"),
)

SAN_TELMO = DemoBrand(
    name="Alcaldía de San Telmo",
    slug="alcaldia-san-telmo",
    organisation="Municipio de San Telmo",
    sector="cityhall",
    country="CO",
    voice="usted",
    timezone="America/Bogota",
    handles=MappingProxyType({
        "twitter": "@AlcaldiaSanTelmo", "facebook": "@AlcaldiaDeSanTelmo",
        "instagram": "@alcaldiasantelmo", "email": "pqrs@santelmo.gov.example",
    }),
    search_terms=("Alcaldía de San Telmo", "Alcaldia San Telmo", "AlcaldiaSanTelmo",
                  "alcalde de San Telmo"),
    hashtags=("#SanTelmo", "#SanTelmoSinAgua", "#AlcaldíaResponde"),
    misspellings=("alcaldia san telmo", "alcadía san telmo", "san telmo alcaldia", "sant telmo"),
    areas=_areas(
        ("hacienda", "Secretaría de Hacienda (impuestos)", 40),
        ("obras", "Secretaría de Obras Públicas", 80),
        ("movilidad", "Secretaría de Movilidad", 40),
        ("juridica", "Oficina Jurídica", 80),
        ("atencion", "Atención al ciudadano", 16),
    ),
    business_hours=MappingProxyType({d: "08:00-17:00" for d in
                                     ("mon", "tue", "wed", "thu", "fri")}),
    legal_pqrs=True,
    products=("el predial", "el trámite", "la licencia", "el alumbrado", "el bache",
              "la recolección de basura", "el certificado", "la multa"),
    agencies=("la Personería", "la Procuraduría", "un juez con una tutela"),
)

BRANDS: tuple[DemoBrand, ...] = (CONECTEL, LUMINA, BANCO_ANDINO, RAPIDITO, SAN_TELMO)

CHANNELS: tuple[str, ...] = (
    "twitter", "facebook", "instagram", "mastodon", "bluesky", "blog", "email", "telegram",
)
PRIVATE_CHANNELS: frozenset[str] = frozenset({"email", "telegram"})


def brand_by_slug(slug: str) -> DemoBrand:
    """The demo brand with this slug or name (case-insensitive); ValueError if there is none."""
    wanted = slug.strip().lower()
    for brand in BRANDS:
        if wanted in (brand.slug, brand.name.lower()):
            return brand
    known = ", ".join(b.slug for b in BRANDS)
    raise ValueError(f"marca de demo desconocida {slug!r}; use una de: {known}")
