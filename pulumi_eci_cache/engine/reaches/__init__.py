"""Every reach into a dependency's private code, in one place: a module per dependency.

A good provider needs a few things its dependencies do not offer publicly (the
dynamic provider server's worker ceiling, its handler tables, its traceback answers;
the SDK's pickling of a provider and its gRPC message sizes). Each reach is one small
function here, with the releases it was checked against (``CHECKED``), and a canary in
tests/test_reaches.py that fails in one sentence naming the reach when a release in
our range changes it (both ends of the range run it: the matrix corners). Code
elsewhere calls these functions and never touches a private name itself.

- pulumi_sdk.py  the Pulumi Python SDK (pulumi)
- grpc_server.py grpc's server internals (grpcio)
- futures.py     the standard library's ThreadPoolExecutor
"""
