"""Every error is problem+json, and a validation problem names the field."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from tessera_common.problems import PROBLEM_JSON, Problem, install_problem_handlers


class Body(BaseModel):
    name: str = Field(max_length=5)
    quantity: int = Field(gt=0)


def make_client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/conflict")
    def conflict() -> None:
        raise Problem(409, "conflict", "Conflict", "already there")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    return TestClient(app, raise_server_exceptions=False)


def test_a_validation_problem_names_each_bad_field() -> None:
    response = make_client().post("/things", json={"name": "toolong", "quantity": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"].endswith("/validation-error")
    assert sorted(e["field"] for e in body["errors"]) == ["name", "quantity"]


def test_malformed_json_is_a_400() -> None:
    response = make_client().post(
        "/things", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/malformed-json")


def test_a_raised_problem_keeps_its_status_and_type() -> None:
    response = make_client().get("/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "type": "https://tessera.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "already there",
        "instance": "/conflict",
    }


def test_an_unknown_route_is_a_404_problem() -> None:
    response = make_client().get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


def test_an_unexpected_error_is_a_500_problem_without_its_details() -> None:
    response = make_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.text
