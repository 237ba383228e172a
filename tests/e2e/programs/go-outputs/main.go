// A Go program with outputs only; its go.mod is written by the test (the CLI's sdk/v3).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		greeting := config.Get(ctx, "greeting")
		if greeting == "" {
			greeting = "hello"
		}
		ctx.Export("message", pulumi.String(greeting+", world"))
		ctx.Export("answer", pulumi.Int(6*7))
		ctx.Export("images", pulumi.ToStringArray([]string{"nginx:1.25", "redis:7.2"}))
		ctx.Export("stackName", pulumi.String(ctx.Stack()))
		return nil
	})
}
