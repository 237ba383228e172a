"""The Kubernetes ``ImageCache`` object for the same inputs an ``ImageCache`` resource takes.

Clusters with ECI virtual nodes can build caches themselves from a cluster-scoped
``ImageCache`` custom resource (``apiVersion: eci.alibabacloud.com/v1``). Teams that
keep their caches in Kubernetes manifests (GitOps) can write the one ``ImageCacheArgs``
and get the manifest here, validated by the same model (model.py) as the Pulumi
resource, so a mistake is caught before ``kubectl apply``.

The CRD has four spec fields (``images``, ``imagePullSecrets`` as
``namespace:secretName``, ``imageCacheSize``, ``retentionDays``); the other inputs
become the annotations the virtual node reads (``ANNOTATIONS``). Inputs the CRD has no
place for raise ``ManifestError`` saying what to do instead, rather than being
dropped: above all registry passwords, which in Kubernetes live in a Secret named by
``image_pull_secrets``. ``image_cache_name`` is validated but the object's name
(``name``) is what names it in the cluster; ``timeout`` is Pulumi's own and ignored;
``annotations`` are the object's own (beside those the other inputs become).
Images are written exactly as given. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pulumi

from pulumi_eci_cache.errors import EciCacheError
from pulumi_eci_cache.program.resource import ImageCacheArgs
from pulumi_eci_cache.rules.check import spec_from_inputs
from pulumi_eci_cache.rules.model import AcrRegistryInfo, ImageCacheSpec

__all__ = [
    "ANNOTATIONS",
    "API_VERSION",
    "KIND",
    "ManifestError",
    "kubernetes_manifest",
]

API_VERSION = "eci.alibabacloud.com/v1"
KIND = "ImageCache"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _acr_ids(infos: Sequence[AcrRegistryInfo]) -> str:
    # The annotation takes "region:instance" for an instance in another region.
    return ",".join(
        f"{i.region_id}:{i.instance_id}" if i.region_id else i.instance_id for i in infos
    )


# Input -> (annotation, how its validated value is written).
ANNOTATIONS: Mapping[str, tuple[str, Callable[[Any], str]]] = {
    "security_group_id": ("k8s.aliyun.com/security-group-id", str),
    "vswitch_id": ("k8s.aliyun.com/vswitch-ids", str),
    "resource_group_id": ("k8s.aliyun.com/resource-group-id", str),
    "eip_instance_id": ("k8s.aliyun.com/eip-instance-id", str),
    "auto_match_image_cache": ("k8s.aliyun.com/imc-enable-reuse", _flag),
    "flash": ("k8s.aliyun.com/imc-enable-flash", _flag),
    "insecure_registries": ("k8s.aliyun.com/insecure-registry", ",".join),
    "plain_http_registries": ("k8s.aliyun.com/plain-http-registry", ",".join),
    "acr_registry_infos": ("k8s.aliyun.com/acr-instance-ids", _acr_ids),
}

_SPEC_FIELDS = {"image_cache_size": "imageCacheSize", "retention_days": "retentionDays"}

# Inputs the CRD has no place for, and what to do instead.
_NO_PLACE = {
    "image_registry_credentials": (
        "the ImageCache object takes no registry passwords: put them in a Secret of type "
        "kubernetes.io/dockerconfigjson and name it in image_pull_secrets="
        '["namespace:secretName"]'
    ),
    "zone_id": (
        "the ImageCache object has no zone: the zone follows the vSwitches, so set "
        "vswitch_id (k8s.aliyun.com/vswitch-ids) instead"
    ),
    "tags": "the ImageCache object has no cache tags: label the Kubernetes object instead",
    "flash_copy_count": "the ImageCache object has no copy counts: leave it unset",
    "standard_copy_count": "the ImageCache object has no copy counts: leave it unset",
    "elimination_strategy": "the ImageCache object has no eviction strategy: leave it unset",
    "adopt_image_cache_id": (
        "the ImageCache object cannot take over an existing cache: leave it unset"
    ),
    "assume_role": (
        "the ImageCache object has no role: the cluster's account builds it; apply it to a "
        "cluster in that account"
    ),
    "region": (
        "the ImageCache object has no region: the cluster's region is the cache's; apply "
        "it to a cluster in that region"
    ),
}

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_DNS_SUBDOMAIN_RE = re.compile(rf"(?=.{{1,253}}$){_DNS_LABEL}(\.{_DNS_LABEL})*")
_PULL_SECRET_RE = re.compile(rf"(?P<namespace>{_DNS_LABEL}):(?P<name>.+)")


class ManifestError(EciCacheError, ValueError):
    """The inputs cannot be written as an ImageCache object (the message says why)."""


def _unresolved(value: Any) -> bool:
    """Whether ``value`` holds a value that is not known yet (an Output or awaitable)."""
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return True
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_unresolved(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return any(_unresolved(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unresolved(v) for v in value)
    return False


def _inputs(args: ImageCacheArgs) -> dict[str, Any]:
    if not isinstance(args, ImageCacheArgs):
        raise ManifestError(
            f"args is a {type(args).__name__}: kubernetes_manifest takes an ImageCacheArgs"
        )
    unresolved = [f.name for f in dataclasses.fields(args) if _unresolved(getattr(args, f.name))]
    if unresolved:
        raise ManifestError(
            f"{', '.join(unresolved)} not known yet (a pulumi Output): kubernetes_manifest "
            "takes plain values; call it inside .apply(...) once they are known"
        )
    return {key: value for key, value in dataclasses.asdict(args).items() if value is not None}


def _pull_secrets(secrets: Iterable[str]) -> list[str]:
    if isinstance(secrets, str):
        raise ManifestError(f'image_pull_secrets = "{secrets}": must be a list, e.g. ["{secrets}"]')
    checked = []
    for index, secret in enumerate(secrets):
        match = _PULL_SECRET_RE.fullmatch(secret) if isinstance(secret, str) else None
        if match is None or not _DNS_SUBDOMAIN_RE.fullmatch(match["name"]):
            raise ManifestError(
                f'image_pull_secrets[{index}] = {secret!r}: must be "namespace:secretName" '
                "(a namespace and a Secret name, lowercase letters, digits and '-')"
            )
        checked.append(secret)
    return checked


def _no_place(spec: ImageCacheSpec) -> list[str]:
    problems = []
    for name, way_out in _NO_PLACE.items():
        value = getattr(spec, name)
        if value not in (None, "", {}, []):
            problems.append(f"{name}: {way_out}")
    for index, info in enumerate(spec.acr_registry_infos or ()):
        if info.domains:
            problems.append(
                f"acr_registry_infos[{index}].domains: the annotation "
                "k8s.aliyun.com/acr-instance-ids names instances only (all their domains "
                "are used): leave domains unset"
            )
    return problems


def kubernetes_manifest(
    name: str, args: ImageCacheArgs, image_pull_secrets: Sequence[str] = ()
) -> dict[str, Any]:
    """The cluster-scoped ``ImageCache`` object for ``args`` as a plain dict (YAML-ready).

    ``name`` is the object's name; ``image_pull_secrets`` are ``"namespace:secretName"``
    Secrets holding registry logins. Raises ``model.InvalidInputsError`` when the inputs
    break a rule (naming the input), ``ManifestError`` when the CRD has no place for one.
    """
    if not isinstance(name, str) or not _DNS_SUBDOMAIN_RE.fullmatch(name):
        raise ManifestError(
            f"name = {name!r}: a Kubernetes object name is 1 to 253 lowercase letters, "
            "digits, '-' and '.', starting and ending with a letter or digit"
        )
    inputs = _inputs(args)
    if inputs.get("image_registry_credentials"):
        # Before validation, so that nothing near a password is ever shown.
        raise ManifestError(
            f"image_registry_credentials: {_NO_PLACE['image_registry_credentials']}"
        )
    secrets = _pull_secrets(image_pull_secrets)
    spec = spec_from_inputs(inputs)
    problems = _no_place(spec)
    if problems:
        raise ManifestError(
            "the ImageCache object cannot hold these inputs:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
    annotations = {
        key: write(getattr(spec, field))
        for field, (key, write) in ANNOTATIONS.items()
        if getattr(spec, field) not in (None, [])
    }
    clash = sorted(set(spec.annotations or {}) & set(annotations))
    if clash:
        raise ManifestError(
            f"annotations: {', '.join(clash)} would be written twice; set them with the "
            "inputs they stand for instead"
        )
    annotations = {**(spec.annotations or {}), **annotations}
    body: dict[str, Any] = {"images": list(inputs["images"])}
    if secrets:
        body["imagePullSecrets"] = secrets
    for field, key in _SPEC_FIELDS.items():
        if getattr(spec, field) is not None:
            body[key] = getattr(spec, field)
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": body}
