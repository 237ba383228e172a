// Command sdkgen-dotnet writes the .NET SDK of a Pulumi package schema. It is a module
// of its own because pkg/v3/codegen/dotnet left pkg/v3 after v3.228.0 (the generator
// now lives with pulumi-language-dotnet, which the Go module proxy does not serve);
// sdkgen checks the schema with the current binder and then runs this.
//
//	sdkgen-dotnet SCHEMA.json OUT_DIR [VERSION]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"

	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-eci-cache sdkgen"

// defaultLogo is the URL codegen/dotnet downloads the package icon (logo.png) from when
// the schema has no logoUrl.
const defaultLogo = "https://raw.githubusercontent.com/pulumi/pulumi/dbc96206bec722b7791a22ff50e895ab7c0abdc0/" +
	"sdk/dotnet/pulumi_logo_64x64.png"

// offlineLogo answers the download of the default logo with a plain 64x64 icon, so that
// generating needs no network and always writes the same files; a schema's own logoUrl
// is still fetched.
type offlineLogo struct{ next http.RoundTripper }

func (t offlineLogo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != defaultLogo {
		return t.next.RoundTrip(req)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := 0; x < 64; x++ {
		for y := 0; y < 64; y++ {
			img.Set(x, y, color.RGBA{R: 0x80, G: 0x3b, B: 0x8f, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": []string{"image/png"}},
		Body:   io.NopCloser(&buf), ContentLength: int64(buf.Len()), Request: req,
	}, nil
}

func main() {
	http.DefaultClient.Transport = offlineLogo{next: http.DefaultTransport}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen-dotnet: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return fmt.Errorf("usage: sdkgen-dotnet SCHEMA.json OUT_DIR [VERSION]")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s is not a package schema: %w", args[0], err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("binding %s: %w", args[0], err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("binding %s with pkg/v3 v3.228.0: %w", args[0], diags)
	}
	if len(args) == 3 && args[2] != "" {
		v, err := semver.ParseTolerant(args[2])
		if err != nil {
			return fmt.Errorf("invalid version %q: %w", args[2], err)
		}
		pkg.Version = &v
	}
	files, err := dotnet.GeneratePackage(tool, pkg, nil, nil)
	if err != nil {
		return fmt.Errorf("generating the dotnet SDK: %w", err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		target := filepath.Join(args[1], filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, files[p], 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %d files of the dotnet SDK of %s to %s\n", len(files), pkg.Name, args[1])
	return nil
}

// noPackages refuses every other package, as sdkgen's loader does (see ../loader.go).
type noPackages struct{}

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
