module eci-cache-go

go 1.26.6

require (
	github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go v0.1.0
	github.com/pulumi/pulumi/sdk/v3 v3.276.0
)

// The SDK committed under sdk/go, until its path is published (main.go's header).
replace github.com/pulumi-eci-cache/pulumi-eci-cache/sdk/go => ../../sdk/go
