"""Password policy and e-mail syntax, for every way a password is set (CLI, API, web).

NIST SP 800-63B style: long rather than complicated. A password has at least 12 characters, or is
a passphrase of at least 4 words; it is not, once its leading and trailing digits and symbols
are taken off, one of ~30 000 common passwords (see common_passwords.LICENSE.txt for where the list
comes from); it does not contain the user's name or the local part of their e-mail; it is not one
character or a short pattern repeated.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from cauce.errors import InvalidInput

MIN_LENGTH = 12
MIN_PASSPHRASE_WORDS = 4
MAX_LENGTH = 500
_LIST = Path(__file__).with_name("common_passwords.txt")
_WORDS = re.compile(r"[^\W\d_]{2,}")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in _LIST.read_text(encoding="utf-8").splitlines() if line.strip())


def _fold(text: str) -> str:
    """Lower case without accents, so «Contraseña» and «contrasena» compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _core(password: str) -> str:
    """The password without the digits and symbols people pad a common word with."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password)


def _is_repetitive(password: str) -> bool:
    text = password.strip()
    if len(set(text)) < 4:
        return True
    # "abcabcabcabc", "123412341234": a short unit repeated.
    return any(len(text) % n == 0 and text == text[:n] * (len(text) // n) for n in range(1, 5))


_SEQUENCES = ("01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


def _is_sequence(folded: str) -> bool:
    """A run along the digits, the alphabet or the keyboard ("123456789012", "qwertyuiopas")."""
    text = re.sub(r"[\W_]+", "", folded)
    return len(text) >= 4 and any(text in seq or text in seq[::-1] for seq in _SEQUENCES)


def problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why `password` is not acceptable (Spanish, for the person choosing it); empty when it is."""
    out: list[str] = []
    words = _WORDS.findall(password)
    if len(password) > MAX_LENGTH:
        out.append(f"La contraseña no puede pasar de {MAX_LENGTH} caracteres.")
    if len(password) < MIN_LENGTH and len(words) < MIN_PASSPHRASE_WORDS:
        out.append(f"La contraseña debe tener al menos {MIN_LENGTH} caracteres (o ser una frase de al menos "
                   f"{MIN_PASSPHRASE_WORDS} palabras).")
    folded = _fold(password)
    common = common_passwords()
    core = _fold(_core(password))
    if not password.strip() or _is_repetitive(password):
        out.append("La contraseña es demasiado repetitiva: evite un mismo carácter o patrón repetido.")
    elif folded in common or core in common or folded.replace(" ", "") in common or _is_sequence(folded):
        out.append("Esa contraseña es de las más usadas y se adivina enseguida: elija otra.")
    personal = [p for p in (_fold(email.partition("@")[0]), *(_fold(w) for w in _WORDS.findall(name)))
                if len(p) >= 3]
    compact = re.sub(r"[\W_]+", "", folded)
    if any(p in folded or re.sub(r"[\W_]+", "", p) in compact for p in personal):
        out.append("La contraseña no puede contener su nombre ni su correo.")
    return out


def check(password: str, *, email: str = "", name: str = "") -> None:
    found = problems(password, email=email, name=name)
    if found:
        raise InvalidInput(" ".join(found))


# RFC 5321/5322 "dot-atom" local part and a DNS host name with a top-level domain; no quoted
# local parts or IP literals (nobody signs in to a care desk with those).
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalise_email(email: str) -> str:
    """`email` lower-cased and trimmed, or InvalidInput saying what is wrong with it."""
    value = email.strip().lower()
    local, at, domain = value.rpartition("@")
    invalid = InvalidInput(f"El correo «{email.strip()[:80]}» no es válido: use la forma nombre@dominio.com.")
    if not at or not local or not domain or len(value) > 254 or len(local) > 64:
        raise invalid
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise invalid from None
    labels = ascii_domain.split(".")
    if not _LOCAL.match(local) or len(labels) < 2 or not all(_LABEL.match(p) for p in labels) \
            or not _TLD.match(labels[-1]):
        raise invalid
    return value
