def test_api_key_guards_everything_but_health(make_client):
    with make_client(api_key="k1", admin_key="admin") as c:
        assert c.get("/health").status_code == 200
        assert c.post("/search", json={"query": "潮州"}).status_code == 401
        ok = c.post("/search", json={"query": "潮州"}, headers={"Authorization": "Bearer k1"})
        assert ok.status_code == 200
        # The reader key cannot write; the admin key can.
        files = [("files", ("x.txt", "本报讯 内容。".encode(), "text/plain"))]
        assert c.post("/documents", files=files, headers={"Authorization": "Bearer k1"}).status_code == 403
        assert c.post("/documents", files=files, headers={"Authorization": "Bearer admin"}).status_code == 201
        assert c.delete("/documents/x.txt").status_code == 401


def test_cors_only_for_configured_origins(make_client):
    with make_client(cors_origins="http://intranet.example") as c:
        pre = c.options("/ask", headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"})
        assert pre.headers.get("access-control-allow-origin") == "http://intranet.example"
        r = c.post("/ask", json={"question": "潮州"}, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and "not allowed" in r.json()["detail"]
        r = c.post("/search", json={"query": "潮州"}, headers={"Origin": "http://intranet.example"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://intranet.example"
    with make_client() as c:
        pre = c.options("/ask", headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in pre.headers


def test_rate_limit(make_client):
    with make_client(rate_limit=3) as c:
        codes = [c.post("/search", json={"query": "潮州"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = c.post("/search", json={"query": "潮州"})
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/health").status_code == 200  # health is never limited
