"""The deployable package, read as files (images cannot be pulled here, so nothing is
built): LICENSE, Dockerfile, compose.yaml and the README's Deploy section."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRET = re.compile(r"KEY|SECRET|TOKEN|PASSWORD", re.IGNORECASE)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_the_license_is_the_mit_license_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_the_image_is_slim_runs_as_a_user_and_checks_healthz() -> None:
    steps = dockerfile()
    kinds = [kind for kind, _ in steps]
    assert steps[0][0] == "FROM" and re.match(r"python:3\.1[1-9][\w.-]*-slim", steps[0][1])
    user = [args for kind, args in steps if kind == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert kinds.index("USER") > max(i for i, kind in enumerate(kinds) if kind == "RUN"), "nothing runs as root after"
    (healthcheck,) = [args for kind, args in steps if kind == "HEALTHCHECK"]
    assert "/healthz" in healthcheck and "CMD" in healthcheck
    assert [args for kind, args in steps if kind == "CMD"][-1] == '["haven", "serve"]'
    for kind, args in steps:
        if kind == "COPY":
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_no_secret_is_baked_into_the_image() -> None:
    for kind, args in dockerfile():
        if kind in ("ENV", "ARG", "LABEL"):
            assert not SECRET.search(args), args
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert not re.search(r"xox[bap]-|fernet|BEGIN .*PRIVATE KEY", text, re.IGNORECASE)


def test_compose_runs_postgresql_and_two_replicas_with_secrets_from_the_environment() -> None:
    services = compose()["services"]
    havens = {name: s for name, s in services.items() if s.get("build") == "."}
    assert "postgres" in services and len(havens) >= 2
    assert services["postgres"]["healthcheck"]["test"]
    for name, service in havens.items():
        env = service["environment"]
        url = env["HAVEN_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert all(port.startswith("127.0.0.1:") for port in service["ports"]), f"{name}: only the proxy reaches it"
        assert env["HAVEN_PUBLIC_URL"].startswith("${")
    for name, service in services.items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET.search(variable):
                assert str(value).startswith("${"), f"{name}: {variable} must come from the environment"
            if variable == "HAVEN_DATABASE_URL":
                assert re.search(r"://haven:\$\{POSTGRES_PASSWORD", value), "the password is interpolated"


def test_the_readme_explains_deployment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploy = readme[readme.index("## Deploy"):]
    deploy = deploy[:deploy.find("\n## ", 1)] if "\n## " in deploy[1:] else deploy
    for needed in ("reverse proxy", "TLS", "HAVEN_PUBLIC_URL", "CREATE DATABASE", "replica", "backup",
                   "haven db upgrade", "compose.yaml", "Dockerfile", "haven policy init", "haven policy show"):
        assert needed in deploy, needed
