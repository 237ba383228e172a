"""The repository root is two things, told apart by how this file is started.

- The demo *program* (Pulumi.yaml, `make demo`): the Python language host's executor
  configures the Pulumi runtime (the engine's monitor) and then runs this file, which
  runs examples/quickstart. The root is the program directory (not `main:
  examples/quickstart/`) so that the `virtualenv: .venv` option means the same directory
  to the language host and to the dynamic provider, which the engine starts in the
  program directory.
- The source-based *plugin* (PulumiPlugin.yaml): a current Python language host starts
  it as `python <this directory> <engine address>`, with no runtime configured; this
  file then serves the provider plugin, as `pulumi-resource-ecicache` does.

One file for both because a plugin cannot name another entry point (the CLI runs a
plugin directory's `__main__.py`), and the demo's Pulumi.yaml must stay at the root.
"""

import runpy
from pathlib import Path

from pulumi.runtime.settings import get_monitor

if get_monitor() is None:
    from pulumi_eci_cache.engine.plugin.__main__ import main

    main()
else:
    runpy.run_path(str(Path(__file__).parent / "examples" / "quickstart" / "__main__.py"))
