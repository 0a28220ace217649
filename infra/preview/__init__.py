"""Offline preview: run the real program for a stack under Pulumi's mock engine.

    python -m infra.preview [--stack NAME | --all] [--out DIR] [--stacks-dir DIR] [--policy-config FILE]

No Pulumi CLI, no cloud credentials, no cluster. For each stack it writes to DIR/NAME/:
resources.json (every registered resource with its dependencies and masked inputs),
endpoints.yml (as the pod will read it), manifests.yaml (every Kubernetes object as it will be
applied), graph.mmd (components and their dependencies), policy.json (the policy pack's verdict)
and summary.md (for a pull-request comment, with the first deploy's estimated duration, its
critical chain and a Gantt chart), and prints a summary per stack.

Exit codes: 0 all good; 1 a mandatory policy failed; 2 a usage or config error (one line per
problem, naming the stack or its file; nothing written for that stack).

Every artifact is a pure function of the commit: byte-identical from run to run (resources in
tree order, manifests in kind order, keys sorted where the program's order cannot be kept).

Modules: `stackfile` reads a stack file the way Pulumi hands it over; `engine` runs one stack
under the mocks and records what it registers; `manifests` turns the recorded Kubernetes
resources into objects; `estimate` the first deploy's critical path from the recorded graph (with
the creation times of `creation_times` and of each cloud); `artifacts` writes the files; `summary`
the table a reviewer reads; `cli` the command line.
"""

from infra.preview.artifacts import ARTIFACTS, DEFAULT_OUT, endpoints_yml, mermaid_graph, render_artifacts, write_artifacts
from infra.preview.cli import main
from infra.preview.engine import (
    MASK,
    UNKNOWN,
    RecordedResource,
    RecordingMonitor,
    StackPreview,
    evaluate_policies,
    in_stable_order,
    mask,
    run_stack,
)
from infra.preview.manifests import kubernetes_manifests
from infra.preview.stackfile import REPO, STACKS_DIR, StackFileError, all_stacks, read_stack_file
from infra.preview.summary import summary_markdown, summary_rows

__all__ = [
    "ARTIFACTS", "DEFAULT_OUT", "MASK", "REPO", "STACKS_DIR", "UNKNOWN", "RecordedResource", "RecordingMonitor",
    "StackFileError", "StackPreview", "all_stacks", "endpoints_yml", "evaluate_policies", "in_stable_order",
    "kubernetes_manifests", "main", "mask", "mermaid_graph", "read_stack_file", "render_artifacts", "run_stack",
    "summary_markdown", "summary_rows", "write_artifacts",
]
