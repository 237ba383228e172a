"""`pulumi up` at the repository root runs examples/quickstart (see Pulumi.yaml).

The root is the program directory (not `main: examples/quickstart/`) so that the
`virtualenv: .venv` option means the same directory to the language host and to the
dynamic provider, which the engine starts in the program directory.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).parent / "examples" / "quickstart" / "__main__.py"))
