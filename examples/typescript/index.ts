// Quickstart in TypeScript: one image cache, built by the ecicache provider plugin
// (pulumi-resource-ecicache, which `pip install pulumi-eci-cache` puts on PATH), through
// the TypeScript SDK generated from the plugin's schema.
//
// `make sdks` packs the SDK, of the plugin's version, as
// dist/sdks/pulumi-eci-cache-ecicache-<version>.tgz, the file package.json names, and
// `npm install` installs it here (Node.js 22 or newer: @pulumi/pulumi declares node
// >=22). Against the local emulator (`make emulator` serves it on http://127.0.0.1:8686),
// from the repository root:
//
//     make sdks
//     make emulator
//     export PATH="$(scripts/ensure-pulumi):$PWD/.venv/bin:$PATH"
//     export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-access-key-id
//     export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-access-key-secret
//     cd examples/typescript
//     npm install
//     pulumi stack init dev
//     pulumi config set ecicache:region cn-hangzhou
//     pulumi config set ecicache:endpoint http://127.0.0.1:8686
//     pulumi up
//
// Against Alibaba Cloud: drop ecicache:endpoint and set your own keys
// (ecicache:accessKey, and ecicache:secretKey with --secret; or the variables above).
import * as ecicache from "@pulumi-eci-cache/ecicache";

// Two images, kept for a week. The provider's settings are the stack's ecicache:* config.
const cache = new ecicache.ImageCache("web", {
    imageCacheName: "web",
    images: ["nginx:1.25", "redis:7.2"],
    imageCacheSize: 20,
    retentionDays: 7,
    tags: { team: "web" },
});

// The id pods name to use the cache, and whether it is built.
export const imageCacheId = cache.imageCacheId;
export const status = cache.status;

// The region's Ready caches of this name: this one, and any made outside this stack.
// The lookup takes the cache's name as an output, so it runs once the cache is built.
const sameName = ecicache.getImageCachesOutput({
    imageCacheName: cache.imageCacheName,
    status: "Ready",
});
export const readyCacheIds = sameName.ids;
