"""docker-compose.yml as Debian's docker-compose 1.29.2 reads it, and the Dockerfile's final stage.

`docker-compose config` needs no Docker engine: it parses, validates and interpolates the file and prints the
result, which is checked here. It prints every service whatever the profiles, so which services a profile
turns on, and whether their dependencies come with them, is worked out here the way compose does at `up`.
docker-compose comes from tests/install-system.sh; without it these tests fail rather than skip.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from govrag.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
QDRANT_IMAGE = "qdrant/qdrant:v1.19.1"
CLUSTER_NODES = ("qdrant-node-1", "qdrant-node-2", "qdrant-node-3")
#: What the compose file's header tells to run: the profiles of each command.
DOCUMENTED_PROFILES = ((), ("ingest",), ("cluster",), ("cluster", "cluster-ingest"))


def _compose_env(extra: dict[str, str]) -> dict[str, str]:
    """This machine's environment without what the file interpolates, so its defaults are what is checked."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOVRAG_", "COMPOSE_")) and k not in ("INGEST_JOB", "INDEX_ARGS")}
    return {**env, **extra}


@functools.cache
def _config(profiles: tuple[str, ...] = (), extra: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose is missing: run `sh tests/install-system.sh` (Debian's docker-compose package)"
    args = [exe, "-f", str(COMPOSE_FILE), *(a for p in profiles for a in ("--profile", p)), "config"]
    proc = subprocess.run(args, cwd=ROOT, env=_compose_env(dict(extra)), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{' '.join(args[1:])} failed:\n{proc.stderr}"
    return yaml.safe_load(proc.stdout)


def config(*profiles: str, **env: str) -> dict[str, Any]:
    return _config(tuple(profiles), tuple(sorted(env.items())))


def active(cfg: dict[str, Any], profiles: tuple[str, ...]) -> set[str]:
    """Services `up` starts with these profiles: those without a profile and those in one of them."""
    return {name for name, svc in cfg["services"].items()
            if not svc.get("profiles") or set(svc["profiles"]) & set(profiles)}


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The Settings a container with this environment reads: proves the GOVRAG_* names are real settings."""
    for name in [k for k in os.environ if k.startswith("GOVRAG_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def named_volume(svc: dict[str, Any], target: str) -> str:
    sources = [v.split(":")[0] for v in svc["volumes"] if v.split(":")[1] == target]
    assert len(sources) == 1, svc["volumes"]
    return sources[0]


def assert_qdrant_healthcheck(svc: dict[str, Any]) -> None:
    test = " ".join(svc["healthcheck"]["test"])
    assert "/dev/tcp/127.0.0.1/6333" in test and "curl" not in test


# -- single node -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("profiles", DOCUMENTED_PROFILES, ids=lambda p: "+".join(p) or "default")
def test_config_is_valid(profiles: tuple[str, ...]) -> None:
    assert set(config(*profiles)["services"]) >= {"qdrant", "api"}


def test_qdrant_keeps_its_data_and_reports_health() -> None:
    cfg = config()
    qdrant = cfg["services"]["qdrant"]
    assert qdrant["image"] == QDRANT_IMAGE
    assert_qdrant_healthcheck(qdrant)
    assert named_volume(qdrant, "/qdrant/storage") in cfg["volumes"]
    assert {p["target"] for p in qdrant["ports"]} >= {6333}


def test_api_waits_for_a_healthy_qdrant(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = config()
    api = cfg["services"]["api"]
    assert not api.get("profiles")
    assert api["build"]["context"] == str(ROOT)
    assert api["depends_on"] == {"qdrant": {"condition": "service_healthy"}}
    assert api["restart"] == "unless-stopped"
    assert [(p["published"], p["target"]) for p in api["ports"]] == [(8000, 8000)]
    assert named_volume(api, "/data") in cfg["volumes"]
    assert settings_from(api["environment"], monkeypatch).store_url == "http://qdrant:6333"


def test_ingest_job_reads_the_bundle_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = config("ingest", GOVRAG_SHARED_DATA=str(tmp_path))
    ingest, api = cfg["services"]["ingest"], cfg["services"]["api"]
    assert ingest["profiles"] == ["ingest"] and ingest["restart"] == "no"
    assert ingest["image"] == api["image"]
    assert f"{tmp_path}:/shared:ro" in ingest["volumes"]  # the host path follows GOVRAG_SHARED_DATA
    assert named_volume(ingest, "/data") == named_volume(api, "/data")  # the api serves what the job built
    assert ingest["depends_on"] == {"qdrant": {"condition": "service_healthy"}}
    script = ingest["entrypoint"][-1]
    assert script.index("govrag ingest run") < script.index("govrag index build")
    assert ingest["environment"]["INGEST_JOB"] == "ingest/main.toml"
    assert (ROOT / ingest["environment"]["INGEST_JOB"]).is_file()
    settings = settings_from(ingest["environment"], monkeypatch)
    assert settings.shared_data == Path("/shared") and settings.store_url == "http://qdrant:6333"


def test_ingest_build_options_can_be_emptied() -> None:
    """The sample job's quickstart builds the outline vectors too: INDEX_ARGS= must not fall back to the default."""
    assert config("ingest")["services"]["ingest"]["environment"]["INDEX_ARGS"] == "--no-descriptors"
    assert config("ingest", INDEX_ARGS="")["services"]["ingest"]["environment"]["INDEX_ARGS"] == ""


def test_ingest_bundle_defaults_to_the_one_beside_the_checkout() -> None:
    ingest = config("ingest")["services"]["ingest"]
    assert f"{ROOT.parent / 'shared' / 'data'}:/shared:ro" in ingest["volumes"]


# -- cluster profile -------------------------------------------------------------------------------------


def test_cluster_has_three_peers_in_distributed_mode() -> None:
    cfg = config("cluster")
    nodes = {name: cfg["services"][name] for name in CLUSTER_NODES}
    for node in nodes.values():
        assert node["image"] == QDRANT_IMAGE and node["profiles"] == ["cluster"]
        assert node["environment"]["QDRANT__CLUSTER__ENABLED"] == "true"
        assert_qdrant_healthcheck(node)
    volumes = {named_volume(node, "/qdrant/storage") for node in nodes.values()}
    assert len(volumes) == 3 and volumes <= set(cfg["volumes"])
    assert nodes["qdrant-node-1"]["command"] == "./qdrant --uri http://qdrant-node-1:6335"
    for name in ("qdrant-node-2", "qdrant-node-3"):
        assert nodes[name]["command"] == "./qdrant --bootstrap http://qdrant-node-1:6335"
        assert nodes[name]["depends_on"] == {"qdrant-node-1": {"condition": "service_healthy"}}


def test_api_cluster_sets_shards_and_replication(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = config("cluster", "cluster-ingest")
    api, ingest = cfg["services"]["api-cluster"], cfg["services"]["ingest-cluster"]
    assert api["depends_on"] == {n: {"condition": "service_healthy"} for n in CLUSTER_NODES}
    settings = settings_from(api["environment"], monkeypatch)
    assert settings.store_url == "http://qdrant-node-1:6333"
    assert (settings.store_shards, settings.store_replication, settings.store_write_consistency) == (6, 2, 1)
    # The job creates the collections, so it must carry the same layout as the api.
    assert {k: v for k, v in ingest["environment"].items() if k.startswith("GOVRAG_STORE_")} == api["environment"]
    assert named_volume(ingest, "/data") == named_volume(api, "/data") != named_volume(cfg["services"]["api"], "/data")


def test_cluster_layout_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    api = config("cluster", GOVRAG_STORE_SHARDS="9", GOVRAG_STORE_REPLICATION="3")["services"]["api-cluster"]
    settings = settings_from(api["environment"], monkeypatch)
    assert (settings.store_shards, settings.store_replication) == (9, 3)


@pytest.mark.parametrize("profiles", DOCUMENTED_PROFILES, ids=lambda p: "+".join(p) or "default")
def test_each_profile_brings_its_dependencies(profiles: tuple[str, ...]) -> None:
    """compose refuses to start a service whose dependency's profile is off; `config` does not check it."""
    cfg = config(*profiles)
    on = active(cfg, profiles)
    for name in on:
        assert set(cfg["services"][name].get("depends_on", {})) <= on, name


def test_profiles_keep_modes_apart() -> None:
    cfg = config()
    assert active(cfg, ()) == {"qdrant", "api"}
    assert active(cfg, ("cluster",)) == {"qdrant", "api", *CLUSTER_NODES, "api-cluster"}


# -- Dockerfile ------------------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """(instruction, arguments) per stage, continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for line in lines:
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), args.strip()))
    return stages


def test_final_stage_runs_as_a_user_without_root() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "multi-stage: the build stage's tools stay out of the image"
    users = [args for ins, args in stages[-1] if ins == "USER"]
    assert users, "the final stage sets no USER: the server would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_image_serves_offline_without_torch() -> None:
    final = dict(reversed(dockerfile_stages()[-1]))  # first occurrence of each instruction
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'ARG PYTHON_IMAGE=python:3.11-slim' in text
    assert final["ENTRYPOINT"] == '["govrag"]'
    assert final["CMD"] == '["serve", "--host", "0.0.0.0", "--port", "8000"]'
    assert "python" in final["HEALTHCHECK"] and "/healthz" in final["HEALTHCHECK"]
    assert "GOVRAG_DATA_DIR=/data" in final["ENV"] and final["VOLUME"] == "/data"
    installs = [step.strip() for stage in dockerfile_stages() for ins, args in stage if ins == "RUN"
                for step in args.split("&&") if "pip install" in step]
    assert installs, "no pip install in the Dockerfile"
    for step in installs:  # non-editable, and nothing that pulls torch
        assert " -e " not in f" {step} " and "--editable" not in step, step
        assert not any(w in step for w in ("torch", "sentence-transformers", "[st]", "[dev]")), step


def _ignored(name: str, patterns: list[str]) -> bool:
    """.dockerignore for a top-level path: the last matching pattern wins, `!` re-includes."""
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if fnmatch.fnmatch(name, pattern.lstrip("!").rstrip("/")):
            result = not negated
    return result


def test_dockerignore_keeps_the_context_small() -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    for name in (".venv", ".git", "data", "tests", "benchmarks", ".pytest_cache", "eval"):
        assert _ignored(name, patterns), name
    sources = [src for stage in dockerfile_stages() for ins, args in stage
               if ins == "COPY" and not args.startswith("--from") for src in args.split()[:-1]]
    assert sources
    for src in sources:  # what the build copies from the context is in it
        assert not _ignored(src.split("/")[0], patterns), src
