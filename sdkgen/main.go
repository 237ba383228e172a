// Command sdkgen checks a Pulumi package schema and writes its SDKs with Pulumi's own
// code generators (github.com/pulumi/pulumi/pkg/v3/codegen), the ones behind
// `pulumi package gen-sdk`, without needing a language plugin per language.
//
//	sdkgen check SCHEMA.json
//	sdkgen generate SCHEMA.json --language nodejs|go|python|dotnet --out DIR [--version X.Y.Z]
//
// check prints every diagnostic of binding the schema (the metaschema and the binder of
// pkg/v3/codegen/schema, plus keys the schema reader would drop) and exits 1 when there
// is any error or warning. generate refuses a schema with errors, prints its warnings
// and writes the SDK into DIR. The .NET generator left pkg/v3 after v3.228.0, so
// --language dotnet runs sdkgen-dotnet (the module in ./dotnet), found beside sdkgen.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	"github.com/hashicorp/hcl/v2"
	"github.com/santhosh-tekuri/jsonschema/v5"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is the name the generated files say they were written by.
const tool = "pulumi-eci-cache sdkgen"

const usage = `usage:
  sdkgen check SCHEMA.json
  sdkgen generate SCHEMA.json --language nodejs|go|python|dotnet --out DIR [--version X.Y.Z]
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "generate":
		return runGenerate(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "sdkgen: unknown command %q\n%s", args[0], usage)
		return 2
	}
}

// parseArgs parses flags that may come before or after the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sdkgen check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	positional, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) != 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	_, diags, err := load(positional[0])
	printDiagnostics(stdout, diags)
	if err != nil {
		fmt.Fprintf(stderr, "sdkgen: %v\n", err)
		return 1
	}
	errs, warnings := count(diags)
	if errs+warnings > 0 {
		fmt.Fprintf(stdout, "%s: %d error(s), %d warning(s)\n", positional[0], errs, warnings)
		return 1
	}
	fmt.Fprintf(stdout, "%s: no diagnostics\n", positional[0])
	return 0
}

func runGenerate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sdkgen generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	language := fs.String("language", "", "nodejs, go, python or dotnet")
	out := fs.String("out", "", "the directory to write the SDK into")
	version := fs.String("version", "", "the package version to write (default: the schema's)")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) != 1 || *language == "" || *out == "" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	schemaFile := positional[0]

	if *language == "dotnet" {
		return runDotnet(schemaFile, *out, *version, stdout, stderr)
	}
	generate, ok := generators[*language]
	if !ok {
		fmt.Fprintf(stderr, "sdkgen: unknown language %q (nodejs, go, python or dotnet)\n", *language)
		return 2
	}

	pkg, ok := loadForGeneration(schemaFile, stderr)
	if !ok {
		return 1
	}
	if *version != "" {
		v, err := semver.ParseTolerant(*version)
		if err != nil {
			fmt.Fprintf(stderr, "sdkgen: invalid --version %q: %v\n", *version, err)
			return 2
		}
		pkg.Version = &v
	}
	files, err := generate(pkg)
	if err != nil {
		fmt.Fprintf(stderr, "sdkgen: generating the %s SDK: %v\n", *language, err)
		return 1
	}
	if err := writeFiles(*out, files); err != nil {
		fmt.Fprintf(stderr, "sdkgen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d files of the %s SDK of %s to %s\n", len(files), *language, pkg.Name, *out)
	return 0
}

// generators: one per language of pkg/v3/codegen.
var generators = map[string]func(*schema.Package) (map[string][]byte, error){
	"nodejs": func(pkg *schema.Package) (map[string][]byte, error) {
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, newLoader())
	},
	"go": func(pkg *schema.Package) (map[string][]byte, error) {
		return gogen.GeneratePackage(tool, pkg, nil)
	},
	"python": func(pkg *schema.Package) (map[string][]byte, error) {
		return python.GeneratePackage(tool, pkg, nil, newLoader())
	},
}

// runDotnet hands the .NET SDK to sdkgen-dotnet, built beside this executable from the
// last pkg/v3 release that still has codegen/dotnet.
func runDotnet(schemaFile, out, version string, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "sdkgen: %v\n", err)
		return 1
	}
	helper := filepath.Join(filepath.Dir(self), "sdkgen-dotnet")
	if _, err := os.Stat(helper); err != nil {
		fmt.Fprintf(stderr, "sdkgen: the .NET generator %s is not built (scripts/sdkgen builds it): %v\n", helper, err)
		return 1
	}
	// Check with this binder first, so the diagnostics are the same as for the others.
	if _, ok := loadForGeneration(schemaFile, stderr); !ok {
		return 1
	}
	cmd := exec.Command(helper, schemaFile, out, version)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintf(stderr, "sdkgen: %v\n", err)
		return 1
	}
	return 0
}

// load reads and binds a schema file: the diagnostics of the metaschema (on the file as
// written), of schema.BindSpec, and one warning per key that reading drops.
func load(schemaFile string) (*schema.Package, hcl.Diagnostics, error) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		return nil, nil, err
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s is not JSON: %w", schemaFile, err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, nil, fmt.Errorf("%s is not a package schema: %w", schemaFile, err)
	}

	var diags hcl.Diagnostics
	diags = append(diags, metaschemaDiagnostics(raw)...)
	diags = append(diags, droppedKeys(raw, spec)...)
	pkg, bindDiags, err := schema.BindSpec(spec, newLoader(), schema.ValidationOptions{})
	diags = dedupe(append(diags, bindDiags...))
	if err != nil {
		return nil, diags, fmt.Errorf("binding %s: %w", schemaFile, err)
	}
	return pkg, diags, nil
}

// metaschemaDiagnostics validates the file as written: BindSpec validates the spec
// after Go has decoded it, when keys it does not know are already gone.
func metaschemaDiagnostics(raw any) hcl.Diagnostics {
	err := schema.MetaSchema.Validate(raw)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "metaschema: " + err.Error()}}
	}
	var diags hcl.Diagnostics
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 && e.Message != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "#" + e.InstanceLocation + ": " + e.Message,
			})
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	return diags
}

// droppedKeys warns about every key of the file that the schema reader ignores (a typo
// such as "willReplaceOnChange" would otherwise vanish without a word): keys with a
// value other than false/0/""/null/[]/{} that are missing once the decoded spec is
// encoded again.
func droppedKeys(raw any, spec schema.PackageSpec) hcl.Diagnostics {
	encoded, err := json.Marshal(spec)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "re-encoding the schema: " + err.Error()}}
	}
	var again any
	if err := json.Unmarshal(encoded, &again); err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "re-encoding the schema: " + err.Error()}}
	}
	var diags hcl.Diagnostics
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		switch av := a.(type) {
		case map[string]any:
			bv, _ := b.(map[string]any)
			keys := make([]string, 0, len(av))
			for k := range av {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := path + "/" + pointerEscape(k)
				if bsub, ok := bv[k]; ok {
					walk(p, av[k], bsub)
				} else if !isZero(av[k]) {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagWarning,
						Summary:  "#" + p + ": unknown key, ignored when the schema is read",
					})
				}
			}
		case []any:
			bv, _ := b.([]any)
			for i := range av {
				if i < len(bv) {
					walk(fmt.Sprintf("%s/%d", path, i), av[i], bv[i])
				}
			}
		}
	}
	walk("", raw, again)
	return diags
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		key := fmt.Sprintf("%d|%s|%s", d.Severity, d.Summary, d.Detail)
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}

func count(diags hcl.Diagnostics) (errs, warnings int) {
	for _, d := range diags {
		switch d.Severity {
		case hcl.DiagError:
			errs++
		case hcl.DiagWarning:
			warnings++
		}
	}
	return errs, warnings
}

func printDiagnostics(w io.Writer, diags hcl.Diagnostics) {
	for _, d := range diags {
		severity := "error"
		if d.Severity == hcl.DiagWarning {
			severity = "warning"
		}
		line := severity + ": " + d.Summary
		if d.Detail != "" {
			line += ": " + d.Detail
		}
		fmt.Fprintln(w, line)
	}
}

func writeFiles(dir string, files map[string][]byte) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		target := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// loadForGeneration binds the schema and prints its diagnostics; false (nothing to
// generate from) when it could not be read or has errors.
func loadForGeneration(schemaFile string, stderr io.Writer) (*schema.Package, bool) {
	pkg, diags, err := load(schemaFile)
	printDiagnostics(stderr, diags)
	if err != nil {
		fmt.Fprintf(stderr, "sdkgen: %v\n", err)
		return nil, false
	}
	if diags.HasErrors() {
		fmt.Fprintf(stderr, "sdkgen: %s has errors; no SDK written\n", schemaFile)
		return nil, false
	}
	return pkg, true
}
