// The pulumi-language-python that scripts/ensure-pulumi installs: the real Python
// language host of sdk v3.79.0 (the last one the Go module proxy serves, installed
// beside this file as hostName) behind a proxy that adds what that host lacks for the
// current CLI: running a Python policy pack directory (`pulumi preview --policy-pack
// DIR`), which the CLI asks of the language host through LanguageRuntime.RunPlugin.
//
//   - It starts the real host with its own arguments (the engine's address, the
//     CLI's flags), reads the port the host prints, serves the LanguageRuntime service
//     on a port of its own, prints that port, and passes the rest of the host's stdout,
//     its stderr, its exit status and the signals it gets through.
//   - Every RPC but RunPlugin is forwarded to the host byte for byte (any method, any
//     service: the messages are not decoded), so programs and dynamic providers run
//     exactly as before.
//   - RunPlugin is served here the way newer hosts serve it
//     (sdk/python/cmd/pulumi-language-python/main.go, a module of its own since):
//     the plugin's Python is the one of its `runtime.options` (virtualenv, toolchain)
//     else `python3`/`python` on PATH; a policy pack (kind "analyzer") runs as
//     `python -u -m pulumi.policy <args> <pack dir>` in the pack's directory behind
//     sdk/v3's PolicyProxy (which hands the pack the stack's configuration as
//     PULUMI_* variables); another plugin runs its __main__.py, or `python -m
//     pulumi.run.plugin` for a buildable package. Its output and exit code stream back
//     as RunPluginResponse messages. A request without program info (an older CLI)
//     goes to the host.
//
// scripts/ensure-pulumi builds it in a throw-away module that requires sdk/v3 at the
// CLI's version (scripts/pulumi-cli-version) and stamps it with a hash of this file.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// hostName is the real host's file name, beside this executable (set by
// scripts/ensure-pulumi with -ldflags -X main.hostName=...).
var hostName = "pulumi-language-python-v3.79.0"

// marker begins this program's own error messages; scripts/ensure-pulumi looks for it
// in the installed pulumi-language-python to tell this proxy from a bare host.
const marker = "pulumi-language-python (pulumi-eci-cache proxy)"

func main() {
	os.Exit(run())
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, marker+": "+format+"\n", args...)
	return 1
}

func run() int {
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		return fail("cannot find this executable: %v", err)
	}
	hostPath := filepath.Join(filepath.Dir(self), hostName)

	host := exec.Command(hostPath, os.Args[1:]...)
	host.Stdin, host.Stderr = os.Stdin, os.Stderr
	hostOut, err := host.StdoutPipe()
	if err != nil {
		return fail("%v", err)
	}
	// Signals go to the host too (the CLI interrupts the whole process group, but a
	// signal to this process alone must reach it as well); this process ends when the
	// host does.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if err := host.Start(); err != nil {
		return fail("cannot start the Python language host %s: %v", hostPath, err)
	}
	go func() {
		for s := range signals {
			_ = host.Process.Signal(s)
		}
	}()

	out := bufio.NewReader(hostOut)
	line, readErr := out.ReadString('\n')
	port, convErr := strconv.Atoi(strings.TrimSpace(line))
	if readErr != nil || convErr != nil {
		// The host failed before serving: pass on what it printed and how it ended.
		_, _ = os.Stdout.WriteString(line)
		_, _ = io.Copy(os.Stdout, out)
		code := exitCode(host.Wait())
		if code == 0 {
			code = fail("the Python language host printed %q, not its port", line)
		}
		return code
	}

	conn, err := grpc.NewClient(
		"127.0.0.1:"+strconv.Itoa(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		rpcutil.GrpcChannelOptions(),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec{})),
	)
	if err != nil {
		_ = host.Process.Kill()
		return fail("cannot connect to the Python language host: %v", err)
	}
	defer conn.Close()

	p := &proxy{conn: conn, client: pulumirpc.NewLanguageRuntimeClient(conn)}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			srv.RegisterService(runPluginOnly(), p)
			return nil
		},
		Options: []grpc.ServerOption{
			grpc.ForceServerCodec(codec{}),
			grpc.UnknownServiceHandler(p.forward),
		},
	})
	if err != nil {
		_ = host.Process.Kill()
		return fail("cannot serve: %v", err)
	}
	fmt.Printf("%d\n", handle.Port)

	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(os.Stdout, out)
		close(copied)
	}()
	code := exitCode(host.Wait())
	<-copied
	close(cancel)
	return code
}

// exitCode is the process's exit status (128+signal when a signal ended it).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exitErr.ExitCode()
	}
	return fail("%v", err)
}

// runPluginOnly is the LanguageRuntime service with RunPlugin alone: the server calls
// the unknown-service handler (forward) for its other methods.
func runPluginOnly() *grpc.ServiceDesc {
	desc := pulumirpc.LanguageRuntime_ServiceDesc
	desc.Methods = nil
	desc.Streams = nil
	for _, s := range pulumirpc.LanguageRuntime_ServiceDesc.Streams {
		if s.StreamName == "RunPlugin" {
			desc.Streams = append(desc.Streams, s)
		}
	}
	return &desc
}

// frame is a message passed on undecoded.
type frame struct{ payload []byte }

// codec passes frames through as bytes and encodes everything else as protobuf (the
// RunPlugin messages, the health and reflection services of rpcutil's server).
type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	if f, ok := v.(*frame); ok {
		return f.payload, nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("cannot encode %T", v)
	}
	return proto.Marshal(m)
}

func (codec) Unmarshal(data []byte, v any) error {
	if f, ok := v.(*frame); ok {
		f.payload = append([]byte(nil), data...)
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("cannot decode into %T", v)
	}
	return proto.Unmarshal(data, m)
}

func (codec) Name() string { return "proto" }

type proxy struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	conn   *grpc.ClientConn
	client pulumirpc.LanguageRuntimeClient
}

// forward passes one call (unary or streaming, any method) to the host and its
// answer back, with the metadata, headers, trailers and status.
func (p *proxy) forward(_ any, ss grpc.ServerStream) error {
	method, ok := grpc.MethodFromServerStream(ss)
	if !ok {
		return status.Error(codes.Internal, "no method name on the stream")
	}
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		ctx = metadata.NewOutgoingContext(ctx, md.Copy())
	}
	cs, err := p.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}

	toHost := make(chan error, 1)
	go func() {
		for {
			f := &frame{}
			if err := ss.RecvMsg(f); err != nil {
				if errors.Is(err, io.EOF) {
					toHost <- cs.CloseSend()
				} else {
					toHost <- err
				}
				return
			}
			if err := cs.SendMsg(f); err != nil {
				// The host's side ended: its status comes from RecvMsg below.
				toHost <- nil
				return
			}
		}
	}()
	fromHost := make(chan error, 1)
	go func() {
		sentHeader := false
		for {
			f := &frame{}
			if err := cs.RecvMsg(f); err != nil {
				fromHost <- err
				return
			}
			if !sentHeader {
				if md, err := cs.Header(); err == nil {
					if err := ss.SendHeader(md); err != nil {
						fromHost <- err
						return
					}
				}
				sentHeader = true
			}
			if err := ss.SendMsg(f); err != nil {
				fromHost <- err
				return
			}
		}
	}()

	for {
		select {
		case err := <-toHost:
			if err != nil {
				return status.Errorf(codes.Canceled, "forwarding %s: %v", method, err)
			}
			toHost = nil // the caller is done sending; wait for the host's answer
		case err := <-fromHost:
			ss.SetTrailer(cs.Trailer())
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err // the host's status, as it is
		}
	}
}

// RunPlugin runs a Python plugin the way newer Python language hosts do.
func (p *proxy) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	info := req.GetInfo()
	if info == nil {
		return p.runPluginOnHost(req, server)
	}
	if req.GetAttachDebugger() {
		return status.Error(codes.Unimplemented,
			"this Python language host (sdk v3.79.0 behind a proxy) cannot attach a debugger to a plugin")
	}
	analyzer := req.Kind == string(apitype.AnalyzerPlugin)
	opts, err := parseOptions(info.RootDirectory, info.ProgramDirectory, info.GetOptions().AsMap(), !analyzer)
	if err != nil {
		return err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}

	hasMainPy := true
	if _, err := os.Stat(filepath.Join(opts.Root, "__main__.py")); err != nil {
		if !os.IsNotExist(err) {
			return fmt.Errorf("looking for __main__.py: %w", err)
		}
		hasMainPy = false
	}
	// `pulumi.run.plugin` runs a plugin that is a buildable package (an old pulumi
	// lacks it: then the plugin runs as a bare directory).
	hasPluginRunModule := false
	if !hasMainPy {
		check, err := tc.Command(ctx, "-c", "import pulumi.run.plugin")
		if err != nil {
			return err
		}
		out, err := check.CombinedOutput()
		hasPluginRunModule = err == nil || !strings.Contains(string(out), "ModuleNotFoundError")
	}

	var cmd *exec.Cmd
	if hasPluginRunModule {
		buildable, err := toolchain.IsBuildablePackage(opts.Root)
		if err != nil {
			return fmt.Errorf("checking if plugin is a buildable package: %w", err)
		}
		if !buildable {
			return errors.New("plugin is not runnable, it provides neither __main__.py nor a buildable pyproject.toml")
		}
		pyproject, err := toolchain.LoadPyproject(opts.Root)
		if err != nil {
			return fmt.Errorf("loading pyproject: %w", err)
		}
		args := append([]string{pyproject.Project.Name}, req.Args...)
		if cmd, err = tc.ModuleCommand(ctx, "pulumi.run.plugin", args...); err != nil {
			return err
		}
	} else {
		var args []string
		if analyzer {
			// A policy pack: the pack's directory comes last (the arguments of the
			// `pulumi-analyzer-policy-python` shim that releases used to ship).
			args = append(append([]string{"-u", "-m", "pulumi.policy"}, req.Args...), info.ProgramDirectory)
		} else {
			args = append([]string{info.ProgramDirectory}, req.Args...)
		}
		if cmd, err = tc.Command(ctx, args...); err != nil {
			return err
		}
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	// A policy pack runs in its own directory (as packs always have), another plugin in
	// the directory the engine gives.
	if analyzer {
		cmd.Dir = info.ProgramDirectory
	} else {
		cmd.Dir = req.Pwd
	}

	// pulumi-policy reads the stack's configuration from the environment, which the
	// engine now sends as an Analyzer RPC: the proxy takes that call, and the pack
	// starts once it came.
	var policyProxy *sdk.PolicyProxy
	if analyzer {
		policyProxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		config, err := policyProxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		if config != nil {
			setEnv := func(k, v string) {
				if v != "" {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			setEnv("PULUMI_ORGANIZATION", config.Organization)
			setEnv("PULUMI_PROJECT", config.Project)
			setEnv("PULUMI_STACK", config.Stack)
			setEnv("PULUMI_DRY_RUN", strconv.FormatBool(config.DryRun))
			if config.Config != nil {
				configJSON, err := json.Marshal(config.Config)
				if err != nil {
					return fmt.Errorf("could not marshal stack configuration: %w", err)
				}
				setEnv("PULUMI_CONFIG", string(configJSON))
			}
		}
	}
	cmd.Env = append(cmd.Env, req.Env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		if policyProxy != nil {
			policyProxy.Abort(err)
		}
		return fmt.Errorf("problem executing plugin program (could not run language executor): %w", err)
	}
	if policyProxy != nil {
		err = policyProxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(ws.ExitStatus())},
				})
			}
			return fmt.Errorf("program exited unexpectedly: %w", exitErr)
		}
		return fmt.Errorf("problem executing plugin program: %w", err)
	}
	return closer.Close()
}

// runPluginOnHost passes a RunPlugin call of the old shape (no program info) to the host.
func (p *proxy) runPluginOnHost(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	stream, err := p.client.RunPlugin(server.Context(), req)
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := server.Send(msg); err != nil {
			return err
		}
	}
}

// parseOptions reads a plugin's `runtime.options` as newer hosts do; a plugin that is
// not a policy pack gets the virtualenv `venv` unless it names one.
func parseOptions(root, programDir string, options map[string]any, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: root, ProgramDir: programDir}
	if v, ok := options["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("virtualenv option must be a string")
		}
		opts.Virtualenv = s
	}
	if v, ok := options["typechecker"]; ok {
		switch v {
		case "mypy":
			opts.Typechecker = toolchain.TypeCheckerMypy
		case "pyright":
			opts.Typechecker = toolchain.TypeCheckerPyright
		default:
			return opts, fmt.Errorf("unsupported typechecker option: %v", v)
		}
	}
	if v, ok := options["toolchain"]; ok {
		switch v {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return opts, fmt.Errorf("unsupported toolchain option: %v", v)
		}
	}
	if isPlugin && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}
