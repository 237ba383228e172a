"""One ImageCacheArgs, three uses: a cache built by Pulumi, the Kubernetes ImageCache
object for the same inputs, and a Deployment whose pods are pinned to the cache.

Writes ``manifests/imagecache.yaml`` and ``manifests/deployment.yaml`` (during
``pulumi up``; ``outDir`` in stack config changes the folder) and exports both.
Apply one or the other: the ImageCache object makes the cluster build its own cache
(its pods then find it by auto-match); the Deployment uses the one Pulumi built,
through the ``k8s.aliyun.com/eci-image-snapshot-id`` annotation.
"""

from pathlib import Path

import pulumi
import yaml

from pulumi_eci_cache import ImageCache, ImageCacheArgs, kubernetes_manifest

config = pulumi.Config()
out_dir = Path(config.get("outDir") or "manifests")
namespace = "apps"
pull_secret = "registry-login"
containers = {"nginx": "nginx:1.25", "redis": "redis:7.2"}  # container name -> image

args = ImageCacheArgs(
    image_cache_name="k8s-web",
    images=list(containers.values()),
    image_cache_size=20,
    retention_days=7,
    auto_match_image_cache=True,
)
cache = ImageCache("k8s-web", args)

image_cache_object = kubernetes_manifest(
    "k8s-web", args, image_pull_secrets=[f"{namespace}:{pull_secret}"]
)


def deployment(annotations: dict[str, str]) -> dict:
    """Pods on ECI virtual nodes, started from the cache named in ``annotations``."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {
                    "labels": {"app": "web", "alibabacloud.com/eci": "true"},
                    "annotations": annotations,
                },
                "spec": {
                    "imagePullSecrets": [{"name": pull_secret}],
                    "containers": [
                        # The same references as the cache, pulled only if not cached.
                        {"name": name, "image": image, "imagePullPolicy": "IfNotPresent"}
                        for name, image in containers.items()
                    ],
                },
            },
        },
    }


def write(name: str, document: dict) -> str:
    path = out_dir / name
    if not pulumi.runtime.is_dry_run():
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return str(path)


web = cache.pod_annotations().apply(deployment)

pulumi.export("image_cache_id", cache.image_cache_id)
pulumi.export("image_cache_manifest", image_cache_object)
pulumi.export("deployment", web)
pulumi.export(
    "files",
    web.apply(
        lambda d: [write("imagecache.yaml", image_cache_object), write("deployment.yaml", d)]
    ),
)
