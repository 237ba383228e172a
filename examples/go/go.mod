module eci-cache-go

go 1.26.6

require (
	github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go v0.0.0
	github.com/pulumi/pulumi/sdk/v3 v3.276.0
)

// The SDK generated from the plugin's schema (main.go's header says how).
replace github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go => ../../sdk/go
