"""The edge's NGINX config: compose runs the committed rendering of the local template."""

from __future__ import annotations

import json
import re

from deployment.compose import service

from tessera_stack.edge import COMPOSE_CONFIG, TEMPLATE, compose_config, render, server_lines

CONFIG = COMPOSE_CONFIG.read_text()


def test_the_committed_compose_config_is_the_rendered_template() -> None:
    assert compose_config() == CONFIG, "infra/edge/nginx.conf is stale: run `make contracts`"


def test_compose_mounts_the_config_into_the_official_image() -> None:
    edge = service("edge")
    assert edge["image"].startswith("nginx:")
    assert "./infra/edge/nginx.conf:/etc/nginx/nginx.conf:ro" in edge["volumes"]
    assert edge["depends_on"] == {"gateway": {"condition": "service_healthy"}}
    assert service("gateway")["deploy"]["replicas"] >= 2


def test_every_placeholder_of_the_template_is_filled() -> None:
    assert "{{" not in CONFIG
    assert set(re.findall(r"\{\{(\w+)\}\}", TEMPLATE.read_text())) == {
        "user", "pid", "error_log", "access_log", "temp_dir", "cache_dir", "listen",
        "internal_listen", "resolver", "gateways",
    }  # fmt: skip


def test_gateways_are_balanced_sticky_by_tenant_key_and_skipped_when_down() -> None:
    assert "hash $http_authorization consistent;" in CONFIG
    assert "proxy_next_upstream error timeout http_502;" in CONFIG
    assert "max_fails=2 fail_timeout=10s" in server_lines(["g:1"])


def test_a_named_region_maps_to_its_pool() -> None:
    block = re.search(r"map \$http_x_tessera_region \$region_pool \{(.*?)\}", CONFIG, re.S)
    assert block is not None
    mapping = dict(line.strip().rstrip(";").split() for line in block.group(1).strip().splitlines())
    assert mapping == {
        "default": "gateways",
        "us-east": "gateways_us_east",
        "eu-west": "gateways_eu_west",
        "apac": "gateways_apac",
    }
    for pool in mapping.values():
        assert f"upstream {pool} {{" in CONFIG
    assert "proxy_pass http://$region_pool;" in CONFIG


def test_websockets_can_upgrade() -> None:
    assert "proxy_set_header Upgrade $http_upgrade;" in CONFIG
    assert "proxy_set_header Connection $connection_upgrade;" in CONFIG
    assert "proxy_http_version 1.1;" in CONFIG


def test_render_refuses_a_missing_value() -> None:
    try:
        render({})
    except KeyError:
        return
    raise AssertionError("a placeholder without a value rendered")


def test_the_edges_own_errors_are_problem_documents() -> None:
    pages = dict(re.findall(r"error_page (\d{3}) (@\w+);", CONFIG))
    assert set(pages) == {"500", "502", "503", "504"}
    assert "proxy_intercept_errors on" not in CONFIG  # a gateway's own 5xx passes untouched
    for status, name in pages.items():
        block = re.search(rf"location {name} \{{(.*?)\n        \}}", CONFIG, re.S)
        assert block is not None, name
        assert "default_type application/problem+json;" in block.group(1)
        assert "add_header X-Request-ID $edge_request_id always;" in block.group(1)
        returned = re.search(r"return (\d{3}) '(.*)';", block.group(1))
        assert returned is not None
        assert returned.group(1) == status
        problem = json.loads(returned.group(2))
        assert problem["type"].startswith("https://tessera.dev/problems/")
        assert problem["status"] == int(status)
        assert problem["title"]
        assert problem["detail"]


def test_compose_re_resolves_the_gateway_replicas() -> None:
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in CONFIG
    assert "server gateway:8000 resolve max_fails=2 fail_timeout=10s;" in CONFIG
    for pool in ("gateways", "gateways_us_east", "gateways_eu_west", "gateways_apac"):
        assert f"zone {pool} 64k;" in CONFIG  # `resolve` keeps its state in a shared zone


def test_internal_routes_are_refused_on_the_public_port_and_served_on_the_internal_one() -> None:
    public, internal = CONFIG.split("# The internal port", 1)
    assert "stub_status;" not in public
    assert "stub_status;" in internal
    assert "listen 8081;" in internal
    refused = re.search(r"location ~ \^/\((.*?)\)\$ \{\s*default_type [^;]+;\s*return 404", public)
    assert refused is not None
    assert set(refused.group(1).split("|")) >= {"metrics", "healthz", "readyz", "status"}
    edge = service("edge")
    assert edge["ports"] == ["127.0.0.1:8000:8000"]  # the internal port is never published
    assert "8081/edge/status" in " ".join(edge["healthcheck"]["test"])
