"""Pulumi entry point (`main: infra/` in Pulumi.yaml).

Pulumi runs this folder as the working directory; the repository root holds the `components`
package, so it is put on the import path here, once, for the whole program.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from infra.platform import program  # noqa: E402

program()
