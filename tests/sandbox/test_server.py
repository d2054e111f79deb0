"""The sandbox as a process and as a file: serve() over real HTTP, persistence, cold import, bulk data."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ledgerbee_mcp.sandbox import FULL_KEY, create_app, seed
from ledgerbee_mcp.sandbox.bulk import bulk_insert_documents

from ._support import quote_body


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_real_http_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    code = f"from ledgerbee_mcp.sandbox import serve; serve(host='127.0.0.1', port={port}, db=':memory:')"
    env = {**os.environ, "LEDGERBEE_STATE_DIR": str(tmp_path)}
    server = subprocess.Popen(  # noqa: S603 -- our own interpreter running our own module
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        deadline = time.monotonic() + 15
        response: httpx.Response | None = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/customers", headers={"x-api-key": FULL_KEY})
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the server did not come up"
        assert response.status_code == 200
        assert response.json()["total"] == 3
        assert response.headers["x-request-id"]
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=10)
    assert stdout == b""  # logs go to stderr only (stdout can be a protocol channel)
    assert b"Uvicorn running" in stderr


def test_default_database_lives_in_the_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledgerbee_mcp.sandbox import default_db_path

    monkeypatch.setenv("LEDGERBEE_STATE_DIR", str(tmp_path / "state"))
    assert default_db_path() == tmp_path / "state" / "sandbox.sqlite3"
    assert (tmp_path / "state").is_dir()


@pytest.mark.anyio
async def test_a_file_database_keeps_its_data_across_apps(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite3"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(path)), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as first:
        created = (await first.post("/v1/quotes", json=quote_body())).json()
        await first.post(f"/v1/quotes/{created['id']}/send", json={"recipientEmail": "x@fjordfoods.dk"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(str(path))),
        base_url="http://sandbox",
        headers={"x-api-key": FULL_KEY},
    ) as second:
        again = (await second.get(f"/v1/quotes/{created['id']}")).json()
        assert again["documentNumber"] == "1001"
        customers = (await second.get("/v1/customers")).json()
        assert customers["total"] == 3  # not seeded twice


@pytest.mark.anyio
async def test_unseeded_database_has_tenants_but_no_catalog() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(seed=False)),
        base_url="http://sandbox",
        headers={"x-api-key": FULL_KEY},
    ) as client:
        assert (await client.get("/v1/customers")).json()["total"] == 0
        assert (await client.post("/_sandbox/reset")).status_code == 200
        assert (await client.get("/v1/customers")).json()["total"] == 3


def test_importing_the_sandbox_does_not_import_the_pdf_renderer() -> None:
    probe = "import sys, ledgerbee_mcp.sandbox; sys.exit(1 if 'fpdf' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0  # noqa: S603 -- same


@pytest.mark.anyio
async def test_bulk_inserted_documents_list_filter_and_number_like_real_ones() -> None:
    app = create_app()
    assert bulk_insert_documents(app, 400, today=dt.date(2026, 6, 1)) == 400
    assert bulk_insert_documents(app, 40, kind="orderConfirmation", today=dt.date(2026, 6, 1)) == 40
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as client:
        await client.put("/_sandbox/clock", json={"today": "2026-06-01"})
        everything: list[dict[str, object]] = []
        for page in range(1, 5):
            everything += (await client.get("/v1/quotes", params={"limit": 100, "page": page})).json()["data"]
        assert len(everything) == 400
        assert len({item["id"] for item in everything}) == 400
        for status in ("draft", "sent", "accepted", "rejected", "expired", "converted"):
            listed = (await client.get("/v1/quotes", params={"status": status, "limit": 1})).json()
            assert listed["total"] == sum(1 for item in everything if item["displayStatus"] == status), status
            assert listed["total"] > 0, status
        numbers = sorted(int(str(item["documentNumber"])) for item in everything if item["documentNumber"])
        assert numbers == list(range(1001, 1001 + len(numbers)))
        sent = (await client.post("/v1/quotes", json=quote_body())).json()
        sent = (await client.post(f"/v1/quotes/{sent['id']}/send", json={})).json()
        assert int(sent["documentNumber"]) == 1001 + len(numbers)
        by_customer = (await client.get("/v1/quotes", params={"customerId": seed.CUSTOMER_BOLGE_ID})).json()
        assert by_customer["total"] == sum(1 for item in everything if item["customerId"] == seed.CUSTOMER_BOLGE_ID)
        first = (await client.get("/v1/quotes", params={"status": "expired", "limit": 1})).json()["data"][0]
        assert (await client.get(f"/v1/quotes/{first['id']}")).json()["lines"][0]["description"].startswith("Synthetic")
