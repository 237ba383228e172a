// Quickstart in Go: one image cache, built by the ecicache provider plugin
// (pulumi-resource-ecicache, which `pip install pulumi-eci-cache` puts on PATH), through
// the Go SDK generated from the plugin's schema.
//
// The SDK is the module github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go, committed
// under sdk/go (`make sdks` regenerates it from the schema; a test fails when it is
// stale). Until that path is published, go.mod replaces it, and only it, by ../../sdk/go
// (in a program elsewhere: `go mod edit -replace` with the folder's path); `go mod tidy`
// fills in go.sum. Against the local emulator (`make emulator` serves it on
// http://127.0.0.1:8686), from the repository root:
//
//	make emulator
//	export PATH="$(scripts/ensure-pulumi):$PWD/.venv/bin:$PATH"
//	export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-access-key-id
//	export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-access-key-secret
//	cd examples/go
//	go mod tidy
//	pulumi stack init dev
//	pulumi config set ecicache:region cn-hangzhou
//	pulumi config set ecicache:endpoint http://127.0.0.1:8686
//	pulumi up
//
// Against Alibaba Cloud: drop ecicache:endpoint and set your own keys
// (ecicache:accessKey, and ecicache:secretKey with --secret; or the variables above).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go/ecicache"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// Two images, kept for a week. The provider's settings are the stack's
		// ecicache:* config.
		cache, err := ecicache.NewImageCache(ctx, "web", &ecicache.ImageCacheArgs{
			ImageCacheName: pulumi.String("web"),
			Images:         pulumi.ToStringArray([]string{"nginx:1.25", "redis:7.2"}),
			ImageCacheSize: pulumi.Int(20),
			RetentionDays:  pulumi.Int(7),
			Tags:           pulumi.StringMap{"team": pulumi.String("web")},
		})
		if err != nil {
			return err
		}

		// The id pods name to use the cache, and whether it is built.
		ctx.Export("imageCacheId", cache.ImageCacheId)
		ctx.Export("status", cache.Status)

		// The region's Ready caches of this name: this one, and any made outside this
		// stack. The lookup takes the cache's name as an output, so it runs once the
		// cache is built.
		sameName := ecicache.GetImageCachesOutput(ctx, ecicache.GetImageCachesOutputArgs{
			ImageCacheName: cache.ImageCacheName,
			Status:         pulumi.String("Ready"),
		})
		ctx.Export("readyCacheIds", sameName.Ids())
		return nil
	})
}
