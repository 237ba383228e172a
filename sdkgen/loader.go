package main

import (
	"context"
	"fmt"

	"github.com/blang/semver"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noPackages is the loader the binder and the generators get: the ecicache schema
// stands alone, so a reference to another package's types is reported as an error
// naming that package instead of starting plugins to fetch its schema.
type noPackages struct{}

var _ schema.ReferenceLoader = noPackages{}

func newLoader() schema.ReferenceLoader { return noPackages{} }

func refused(name string, version *semver.Version) error {
	v := ""
	if version != nil {
		v = "@" + version.String()
	}
	return fmt.Errorf("the schema refers to package %s%s; sdkgen loads no other package (a self-contained schema is expected)", name, v)
}

func (noPackages) LoadPackage(pkg string, version *semver.Version) (*schema.Package, error) {
	return nil, refused(pkg, version)
}

func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refused(d.Name, d.Version)
}

func (noPackages) LoadPackageReference(pkg string, version *semver.Version) (schema.PackageReference, error) {
	return nil, refused(pkg, version)
}

func (noPackages) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, refused(d.Name, d.Version)
}
