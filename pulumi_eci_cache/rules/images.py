"""Canonical container image references, so that one image is always written one way.

An image cache is compared, diffed and matched by its image list, and users write the
same image several ways (``nginx:1.25``, ``docker.io/library/nginx:1.25``,
``index.docker.io/library/nginx:1.25``). This module validates a reference against the
grammar of distribution/reference (the Go package Docker and containerd use) and turns
it into its fully qualified form, the way ``reference.ParseNormalizedNamed`` does:

    nginx:1.25                      -> docker.io/library/nginx:1.25
    user/app:1                      -> docker.io/user/app:1
    Registry.Example.com:5000/a:1   -> registry.example.com:5000/a:1
    nginx@sha256:<64 hex>           -> docker.io/library/nginx@sha256:<64 hex>

Unlike Docker, a reference with neither a tag nor a digest is refused instead of being
given ``latest``: the ECI API requires an explicit tag or digest, and a silent
``latest`` would make the cache's content depend on when it was built.

Differences from distribution/reference, all deliberate:
- the registry host is lower-cased (host names are case-insensitive; this keeps one
  spelling per image);
- a first path component with upper-case letters but no ``.``/``:`` (which Docker would
  take as a registry host) is refused, because lower-casing it would turn it into a
  Docker Hub namespace and the canonical form would not be stable;
- the path separator is written ``[-]+`` rather than ``[-]*`` (the same language, without
  the catastrophic backtracking the starred form has on long invalid input, which is why
  distribution itself changed it);
- digests are checked as go-digest does for the registered algorithms (sha256: 64,
  sha384: 96, sha512: 128 lower-case hex digits); other algorithms are refused.

Hand-written rather than a dependency: the PyPI package list has ``docker-image-py``
(0.2.0, "Parse docker image as distribution does"), but it ports only ``reference.Parse``
(no Docker Hub normalisation, i.e. no ``ParseNormalizedNamed``), is untyped, and in the
stored source it refuses a reference that has both a tag and a digest. The grammar is
about forty lines of regular expressions; owning them keeps the rules visible and tested
here. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = [
    "DEFAULT_REGISTRY",
    "canonical_image",
    "canonical_or_raw",
    "same_images",
]

DEFAULT_REGISTRY = "docker.io"
_LEGACY_DEFAULT_REGISTRY = "index.docker.io"
_OFFICIAL_REPO_PREFIX = "library/"
_LOCALHOST = "localhost"
NAME_TOTAL_LENGTH_MAX = 255

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_RE = re.compile(rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?")
_PATH_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*")
_TAG_RE = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_DIGEST_ALGORITHM_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*")
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX_RE = re.compile(r"[a-f0-9]+")

# ``fail(why)`` builds the ValueError naming the reference being parsed.
_Fail = Callable[[str], ValueError]

_EXAMPLES = 'write e.g. "nginx:1.25" or "registry.example.com/team/app@sha256:<64 hex digits>"'


def canonical_image(ref: str) -> str:
    """The fully qualified form of ``ref``; ``ValueError`` saying why if it is invalid."""
    if not isinstance(ref, str):
        raise ValueError(f"invalid image reference {ref!r}: must be a string; {_EXAMPLES}")

    def fail(why: str) -> ValueError:
        return ValueError(f'invalid image reference "{ref}": {why}')

    if not ref:
        raise fail(f"it is empty; {_EXAMPLES}")
    if any(c.isspace() for c in ref):
        raise fail("it contains whitespace")
    if "://" in ref:
        raise fail(f"it must not start with a scheme such as https://; {_EXAMPLES}")

    name_and_tag, at, digest = ref.partition("@")
    if at:
        _check_digest(digest, fail)
    name, tag = _split_tag(name_and_tag)
    if tag is not None and not _TAG_RE.fullmatch(tag):
        raise fail(
            f'tag "{tag}" is not valid: a tag is 1 to 128 characters of letters, digits, '
            '"_", "." and "-", not starting with "." or "-"'
        )
    if tag is None and not at:
        raise fail(
            "it has neither a tag nor a digest; an image cache needs an explicit one "
            f'("latest" is not assumed); {_EXAMPLES}'
        )

    domain, path = _split_domain(name, fail)
    if not _DOMAIN_RE.fullmatch(domain):
        raise fail(
            f'registry host "{domain}" is not valid: expected host[:port] made of letters, '
            'digits, "-" and "."'
        )
    for component in path.split("/"):
        if not component:
            raise fail('the repository path has an empty component (a leading, trailing or "//")')
        if component != component.lower():
            raise fail(f'repository path component "{component}" must be lowercase')
        if not _PATH_COMPONENT_RE.fullmatch(component):
            raise fail(
                f'repository path component "{component}" is not valid: expected lowercase '
                'letters and digits, separated by ".", "_", "__" or "-"'
            )
    canonical_name = f"{domain}/{path}"
    if len(canonical_name) > NAME_TOTAL_LENGTH_MAX:
        raise fail(
            f"the repository name is {len(canonical_name)} characters long; "
            f"at most {NAME_TOTAL_LENGTH_MAX} are allowed"
        )
    return canonical_name + (f":{tag}" if tag is not None else "") + (f"@{digest}" if at else "")


def canonical_or_raw(ref: object) -> object:
    """The canonical form when ``ref`` is a valid reference, else ``ref`` unchanged.

    For comparisons that must not raise (diffing stored state written by an older
    version, or a value that is not validated yet).
    """
    if isinstance(ref, str):
        try:
            return canonical_image(ref)
        except ValueError:
            return ref
    return ref


def same_images(a: Iterable[str], b: Iterable[str]) -> bool:
    """Whether two image lists name the same images, ignoring order and spelling."""
    return _image_key(a) == _image_key(b)


def _image_key(refs: Iterable[str]) -> list[str]:
    return sorted(str(canonical_or_raw(ref)) for ref in refs)


def _split_tag(name_and_tag: str) -> tuple[str, str | None]:
    """``name:tag`` -> (name, tag); a ``:`` before the last ``/`` is a registry port."""
    colon = name_and_tag.rfind(":")
    if colon > name_and_tag.rfind("/"):
        return name_and_tag[:colon], name_and_tag[colon + 1 :]
    return name_and_tag, None


def _split_domain(name: str, fail: _Fail) -> tuple[str, str]:
    """Docker's ``splitDockerDomain``: which part of ``name`` is the registry host."""
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first.lower() == _LOCALHOST):
        domain, path = first.lower(), rest
    elif slash and first != first.lower():
        raise fail(
            f'"{first}" is neither a registry host (a host contains "." or ":" or is '
            '"localhost") nor a valid repository path component (those are lowercase)'
        )
    else:
        domain, path = DEFAULT_REGISTRY, name
    if domain == _LEGACY_DEFAULT_REGISTRY:
        domain = DEFAULT_REGISTRY
    if domain == DEFAULT_REGISTRY and "/" not in path:
        path = _OFFICIAL_REPO_PREFIX + path
    return domain, path


def _check_digest(digest: str, fail: _Fail) -> None:
    algorithm, colon, encoded = digest.partition(":")
    if not colon or not _DIGEST_ALGORITHM_RE.fullmatch(algorithm) or not encoded:
        raise fail(f'digest "{digest}" is not valid: expected "sha256:<64 hex digits>"')
    length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if length is None:
        raise fail(
            f'digest algorithm "{algorithm}" is not supported: use one of '
            + ", ".join(_DIGEST_HEX_LENGTHS)
        )
    if len(encoded) != length or not _LOWER_HEX_RE.fullmatch(encoded):
        raise fail(
            f'digest "{digest}" is not valid: {algorithm} needs exactly {length} '
            "lowercase hex digits"
        )
