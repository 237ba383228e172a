"""Image references as a registry reads them: when two spellings name the same image.

The emulator compares images in three places (an unpullable image fails a build
however the cache spells it; ``MatchImage.N`` counts a pod's images a cache holds
exactly or in another tag), and users write one image several ways (``nginx:1.25``,
``docker.io/library/nginx:1.25``, ``index.docker.io/library/nginx:1.25``). The
emulator is the oracle the provider is tested against, so this is written from the
Docker/OCI reference grammar (distribution/reference, the Go package Docker and
containerd parse with), not taken from the provider's own rules/images.py: a
normalisation bug there must not also be here. The grammar:

    reference   := name [":" tag] ["@" digest]
    name        := [domain "/"] path
    domain      := host [":" port]          host: DNS labels, or an IPv6 address in []
    path        := component ["/" component]*
    component   := [a-z0-9]+ (separator [a-z0-9]+)*    separator: "." "_" "__" "-"+
    tag         := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest      := algorithm ":" hex           e.g. sha256 and 64 lower-case hex digits

and Docker's normalisation of it (``ParseNormalizedNamed``): the first component is
the registry only when it contains ``.`` or ``:``, is ``localhost``, or has an
upper-case letter; otherwise the registry is ``docker.io``, where a one-component
path is an official image under ``library/``; no tag and no digest means ``latest``.
One choice goes beyond the Go package, as the service's registry sees them: host
names compare case-insensitively (the registry is lower-cased before anything else).
``index.docker.io`` is ``docker.io`` (the package's legacy default domain); any other
host, ``registry-1.docker.io`` included, is a registry of its own, as the package has
it. Paths, tags and digests compare case-sensitively. A digest is checked
as go-digest checks the registered algorithms (sha256, sha384, sha512: 64, 96, 128
lower-case hex digits); a reference with both a tag and a digest keeps both, as the
grammar does, so it is not the same reference as either alone.

The wire's own check (params.py: ``Image.N`` and ``MatchImage.N`` need a tag or a
digest) is not this module's; here a text that is no valid reference at all is
compared as written (``identity`` gives the text itself). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT_TAG",
    "DOCKER_HUB",
    "DOCKER_HUB_HOSTS",
    "InvalidReference",
    "Reference",
    "identity",
    "parse_reference",
    "same_image",
    "same_repository",
]

DOCKER_HUB = "docker.io"
# Hosts that are Docker Hub: the name, the legacy index and the registry API host.
DOCKER_HUB_HOSTS = frozenset({DOCKER_HUB, "index.docker.io"})
OFFICIAL_NAMESPACE = "library"
DEFAULT_TAG = "latest"
LOCALHOST = "localhost"
NAME_MAX_LENGTH = 255  # registry "/" path

_DNS_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DNS_LABEL}(?:\.{_DNS_LABEL})*|\[[a-fA-F0-9:]+\])"
_DOMAIN_RE = re.compile(rf"{_HOST}(?::[0-9]+)?")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
# What follows the registry: the path, then an optional tag and an optional digest.
_REST_RE = re.compile(
    rf"(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
# A bare image id is refused rather than taken for a repository named like one.
_IMAGE_ID_RE = re.compile(r"[a-f0-9]{64}")
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}


class InvalidReference(ValueError):
    """The text is not an image reference under the grammar (the message says why)."""


@dataclass(frozen=True)
class Reference:
    """One image, normalised: equal references are the same image."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """``registry/repository``: what two tags of one repository share."""
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        tag = "" if self.tag is None else f":{self.tag}"
        digest = "" if self.digest is None else f"@{self.digest}"
        return f"{self.name}{tag}{digest}"


def parse_reference(text: str) -> Reference:
    """``text`` normalised by the grammar above; ``InvalidReference`` saying why not."""
    if _IMAGE_ID_RE.fullmatch(text):
        raise InvalidReference(f"{text!r} is an image id (64 hex digits), not a reference")
    registry, rest = _split_registry(text)
    if not _DOMAIN_RE.fullmatch(registry):
        raise InvalidReference(f"{text!r}: {registry!r} is not a registry host[:port]")
    registry = registry.lower()
    if registry in DOCKER_HUB_HOSTS:
        registry = DOCKER_HUB
    found = _REST_RE.fullmatch(rest)
    if found is None:
        path = rest.split("@", 1)[0].split(":", 1)[0]
        why = "the repository must be lower-case" if path != path.lower() else "off the grammar"
        raise InvalidReference(f"{text!r} is not an image reference: {why}")
    path, tag, digest = found["path"], found["tag"], found["digest"]
    if registry == DOCKER_HUB and "/" not in path:
        path = f"{OFFICIAL_NAMESPACE}/{path}"
    if len(registry) + 1 + len(path) > NAME_MAX_LENGTH:
        raise InvalidReference(f"{text!r}: the name is longer than {NAME_MAX_LENGTH} characters")
    if digest is not None:
        _check_digest(text, digest)
    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return Reference(registry, path, tag, digest)


def identity(text: str) -> Reference | str:
    """What ``text`` is compared by: its ``Reference``, or the text itself when it is no
    reference (then only the same text is the same image)."""
    try:
        return parse_reference(text)
    except InvalidReference:
        return text


def same_image(a: str, b: str) -> bool:
    """Whether two spellings name one image (registry, repository, tag and digest)."""
    return identity(a) == identity(b)


def same_repository(a: str, b: str) -> bool:
    """Whether two references name one repository of one registry (any tag or digest);
    a text that is no reference has no repository."""
    first, second = identity(a), identity(b)
    return (
        isinstance(first, Reference) and isinstance(second, Reference) and first.name == second.name
    )


def _split_registry(text: str) -> tuple[str, str]:
    """(registry as written, the rest): the first component is a registry only when it
    contains "." or ":", is "localhost", or is not all lower-case."""
    first, slash, rest = text.partition("/")
    if slash and ("." in first or ":" in first or first == LOCALHOST or first != first.lower()):
        return first, rest
    return DOCKER_HUB, text


def _check_digest(text: str, digest: str) -> None:
    algorithm, _, hex_digits = digest.partition(":")
    length = _DIGEST_HEX.get(algorithm)
    if length is None:
        raise InvalidReference(f"{text!r}: the digest algorithm {algorithm!r} is not registered")
    if len(hex_digits) != length or hex_digits != hex_digits.lower():
        raise InvalidReference(f"{text!r}: a {algorithm} digest is {length} lower-case hex digits")
