"""How the pack is put together: rules declared once without type tokens, checks found per package."""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import re
import runpy
import shutil
import sys
import textwrap

import pulumi_policy
import pytest

from policies.checks import CheckSet
from policies.common import Provides
from policies.pack import ALL_POLICIES, CHECK_SETS, build_policies
from policies.rules import RULES, PackError
from policies.rules.declare import by_name, resource_rule

from .helpers import U, run_resource

PACK_DIR = pathlib.Path(__file__).resolve().parents[2] / "policies"
AWS_TOKEN = re.compile(r"[\"']aws:|pulumi:providers:aws|\baws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+")


def pack_files(*, outside: str) -> list[pathlib.Path]:
    """Every text file of the pack outside policies/<outside>/ (the CLI's .venv and caches excluded)."""
    skip = {".venv", "__pycache__", outside}
    files = [p for p in PACK_DIR.rglob("*") if p.is_file() and not skip & set(p.relative_to(PACK_DIR).parts)]
    return [p for p in files if p.suffix in (".py", ".md", ".yaml", ".txt", ".json")]


def test_aws_type_tokens_appear_only_in_policies_aws():
    files = pack_files(outside="aws")
    names = {p.relative_to(PACK_DIR).as_posix() for p in files}
    assert {"README.md", "pack.py", "rules/storage.py", "kubernetes/rasa_wiring.py"} <= names  # the scan sees them
    offenders = [f"{p.relative_to(PACK_DIR)}: {m.group(0)}" for p in files for m in AWS_TOKEN.finditer(p.read_text())]
    assert offenders == []


@pytest.mark.parametrize("package", sorted({s.package for s in CHECK_SETS}))
def test_a_check_packages_type_tokens_appear_nowhere_else(package):
    types = importlib.import_module(f"policies.{package}.types")
    tokens = [v for k, v in vars(types).items() if k.isupper() and isinstance(v, str) and not v.endswith("*")]
    assert tokens
    files = pack_files(outside=package)
    assert files
    offenders = [(p.relative_to(PACK_DIR).as_posix(), t) for p in files for t in tokens if t in p.read_text()]
    assert offenders == []


def test_every_declared_rule_is_checked_and_every_check_is_declared():
    assert [p.name for p in ALL_POLICIES] == list(RULES)
    assert {s.package for s in CHECK_SETS} == {"aws", "azure", "confluent", "gcp", "kubernetes"}
    for policy in ALL_POLICIES:
        assert policy.rule is RULES[policy.name] and policy.checked_by and policy.resource_types, policy.name


def test_a_check_for_an_undeclared_rule_fails_at_import():
    with pytest.raises(PackError, match="'cache-transit', which no module of policies/rules declares"):
        CheckSet("policies.fake.cache").resource("cache-transit", {"fake:cache/redis:Redis": lambda p, c, f: None})


def test_a_check_of_the_wrong_scope_fails():
    with pytest.raises(PackError, match="stack check to 'cache-transit-encryption', a resource rule"):
        CheckSet("policies.fake.cache").stack("cache-transit-encryption", lambda s, c, f: None, ("fake:x/y:Z",))


def test_a_rule_declared_twice_fails():
    rule = resource_rule("some-rule", "Something is protected.", "Set rasa-platform:x to true.")
    with pytest.raises(PackError, match="'some-rule' is declared twice"):
        by_name([rule, rule])


def test_a_declared_rule_without_a_check_fails():
    rule = resource_rule("unchecked-rule", "Something is protected.", "Set rasa-platform:x to true.")
    with pytest.raises(PackError, match="'unchecked-rule' is declared but no check package attaches"):
        build_policies([rule], list(CHECK_SETS))


def test_two_packages_deciding_one_type_for_one_rule_fail():
    first, second = CheckSet("policies.one.cache"), CheckSet("policies.two.cache")
    for checks in (first, second):
        checks.resource("cache-transit-encryption", {"fake:cache/redis:Redis": lambda p, c, f: None})
    with pytest.raises(PackError, match="two check packages decide fake:cache/redis:Redis"):
        build_policies([RULES["cache-transit-encryption"]], [first, second])


def test_a_prefix_check_applies_to_every_type_with_that_prefix():
    assert run_resource("allowed-regions", "aws:sqs/queue:Queue", {"region": "us-east-1"},
                        {"allowedRegions": ["eu-central-1"]}).violations
    assert run_resource("allowed-regions", "kubernetes:core/v1:Service", {"region": "us-east-1"},
                        {"allowedRegions": ["eu-central-1"]}).ok


# -- a new cloud is a new directory ------------------------------------------------------------

FAKE_TYPES = '''
"""Type tokens of a cloud written only for this test."""
REDIS = "fakecloud:cache/redis:Redis"
'''
FAKE_CACHE = '''
"""The lock store on the fake cloud."""
from ..checks import CheckSet
from ..common import Provides, get, truth
from .types import REDIS

CHECKS = CheckSet(__name__)


def _tls(props, ctx, f):
    f.check(truth(get(props, "tlsOnly")), "tlsOnly must be true")


CHECKS.resource("cache-transit-encryption", {REDIS: _tls})
CHECKS.managed("lock_store", Provides(REDIS))
'''


@pytest.fixture
def pack_copy(tmp_path):
    """A copy of the pack directory; yields (directory, loader) and forgets the copy's modules after."""
    copy = tmp_path / "pack"
    shutil.copytree(PACK_DIR, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    loaded: list[str] = []

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, copy / "__init__.py", submodule_search_locations=[str(copy)])
        sys.modules[name] = importlib.util.module_from_spec(spec)
        loaded.append(name)
        spec.loader.exec_module(sys.modules[name])
        return importlib.import_module(f"{name}.pack")

    yield copy, load
    for module in [m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in loaded)]:
        del sys.modules[module]


def add_fake_cloud(copy: pathlib.Path, **modules: str) -> None:
    (copy / "fakecloud").mkdir()
    (copy / "fakecloud" / "__init__.py").write_text('"""A cloud written only for this test."""\n')
    for name, text in {"types": FAKE_TYPES, **modules}.items():
        (copy / "fakecloud" / f"{name}.py").write_text(textwrap.dedent(text))


def test_a_new_cloud_package_is_found_without_editing_a_shared_file(pack_copy):
    copy, load = pack_copy
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*.py")}
    add_fake_cloud(copy, cache=FAKE_CACHE)
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*.py") if "__pycache__" not in p.parts}
    assert {k: v for k, v in after.items() if k in before} == before  # no shared file changed

    pack = load("copied_pack")
    policy = next(p for p in pack.ALL_POLICIES if p.name == "cache-transit-encryption")
    assert policy.checked_by == ("aws", "azure", "fakecloud", "gcp")
    assert "fakecloud:cache/redis:Redis" in policy.resource_types
    offline = importlib.import_module("copied_pack.offline")
    resource = {"type": "fakecloud:cache/redis:Redis", "name": "lock", "urn": "urn:fake::lock",
                "props": {"tlsOnly": False}, "parent": None, "dependencies": []}
    verdict = offline.evaluate([resource])
    assert [(v["rule"], v["message"]) for v in verdict["violations"]] == [("cache-transit-encryption",
                                                                           "tlsOnly must be true")]
    assert verdict["mandatoryFailures"] == 1


def test_the_cli_entry_point_finds_a_new_cloud_package(pack_copy, monkeypatch):
    copy, _ = pack_copy
    add_fake_cloud(copy, cache=FAKE_CACHE)
    built = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.update(kwargs))
    monkeypatch.setattr(sys, "path", [str(copy)] + sys.path)
    for name in [m for m in sys.modules if m.startswith("rasa_platform_policies")]:
        monkeypatch.delitem(sys.modules, name)
    runpy.run_path(str(copy), run_name="__main__")
    policy = next(p for p in built["policies"] if p.name == "cache-transit-encryption")
    assert policy.checked_by == ("aws", "azure", "fakecloud", "gcp")
    for name in [m for m in sys.modules if m.startswith("rasa_platform_policies")]:
        monkeypatch.delitem(sys.modules, name)


def test_a_new_cloud_attaching_to_an_undeclared_rule_fails_to_load(pack_copy):
    copy, load = pack_copy
    add_fake_cloud(copy, cache=FAKE_CACHE.replace('"cache-transit-encryption"', '"cache-tls"'))
    with pytest.raises(Exception, match="copied_broken.fakecloud.cache attaches a check to 'cache-tls'") as raised:
        load("copied_broken")
    assert type(raised.value).__name__ == "PackError"  # the copy's own class


def test_a_subpackage_without_checks_fails_to_load(pack_copy):
    copy, load = pack_copy
    add_fake_cloud(copy)  # types only
    with pytest.raises(Exception, match="copied_empty.fakecloud is a subpackage of the pack but no module") as raised:
        load("copied_empty")
    assert type(raised.value).__name__ == "PackError"


def test_managed_service_types_come_from_every_package():
    from policies.pack import pack_facts

    facts = pack_facts(CHECK_SETS)
    assert {"tracker_store", "lock_store", "event_queue", "model_storage", "vault"} == set(facts.managed_services)
    assert all(isinstance(p, Provides) for ps in facts.managed_services.values() for p in ps)
    assert len(facts.environment_readers) == 4  # the AWS tag, the Azure tag, the GCP label and the Kubernetes label
    assert run_resource("database-multi-az-in-prod", "aws:rds/instance:Instance",
                        {"multiAz": False, "tags": {"rasa-platform:environment": U}}).undecided
