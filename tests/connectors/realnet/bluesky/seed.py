#!/usr/bin/env python3
"""Seed the local atproto network: a brand account, a customer account, a Spanish complaint that
mentions the brand (mention facet), a reply in the same thread, and a reply to a brand post.
Only the Python standard library; only talks to 127.0.0.1. Writes $ATP_STATE/seed.json."""

import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

PDS = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:2583"


def xrpc(method, nsid, *, token=None, params=None, body=None):
    url = f"{PDS}/xrpc/{nsid}"
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params, doseq=True)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{nsid} -> HTTP {exc.code}: {exc.read().decode()[:400]}") from None


def now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def account(handle, password, email):
    try:
        return xrpc("POST", "com.atproto.server.createAccount",
                    body={"handle": handle, "password": password, "email": email})
    except SystemExit as exc:
        if "already" not in str(exc).lower():
            raise
        return xrpc("POST", "com.atproto.server.createSession",
                    body={"identifier": handle, "password": password})


def mention_facet(text, handle, did):
    needle = "@" + handle
    start_chars = text.index(needle)
    start = len(text[:start_chars].encode())
    end = start + len(needle.encode())
    return {"index": {"byteStart": start, "byteEnd": end},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]}


def post(sess, text, *, facets=None, reply=None):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": now(), "langs": ["es"]}
    if facets:
        record["facets"] = facets
    if reply:
        record["reply"] = reply
    return xrpc("POST", "com.atproto.repo.createRecord", token=sess["accessJwt"],
                body={"repo": sess["did"], "collection": "app.bsky.feed.post", "record": record})


brand = account("telconova.test", "brand-pass-123", "soporte@telconova.example")
cust = account("mariaperez.test", "cust-pass-123", "maria@example.com")
xrpc("POST", "com.atproto.repo.putRecord", token=brand["accessJwt"], body={
    "repo": brand["did"], "collection": "app.bsky.actor.profile", "rkey": "self",
    "record": {"$type": "app.bsky.actor.profile", "displayName": "TelcoNova Colombia"}})
xrpc("POST", "com.atproto.repo.putRecord", token=cust["accessJwt"], body={
    "repo": cust["did"], "collection": "app.bsky.actor.profile", "rkey": "self",
    "record": {"$type": "app.bsky.actor.profile", "displayName": "María Pérez"}})
app_pw = xrpc("POST", "com.atproto.server.createAppPassword", token=brand["accessJwt"],
              body={"name": f"cauce-{int(time.time())}"})

# 1. complaint with a mention facet (accents: byte offsets differ from char offsets)
t1 = ("Llevo tres días sin internet en Bogotá y nadie me responde. @telconova.test "
      "¿cuándo van a solucionar? Pésimo servicio de TelcoNova")
root = post(cust, t1, facets=[mention_facet(t1, "telconova.test", brand["did"])])
root_ref = {"uri": root["uri"], "cid": root["cid"]}
# 2. the customer continues her own thread, mentioning the brand again
t2 = "Y encima me cobraron la factura completa. @telconova.test exijo una compensación"
reply = post(cust, t2, facets=[mention_facet(t2, "telconova.test", brand["did"])],
             reply={"root": root_ref, "parent": root_ref})
# 3. the brand posts; the customer replies to it without a mention (notification reason "reply")
b = post(brand, "Estamos haciendo mantenimiento programado en Bogotá hoy entre 2 y 4 p. m.")
bref = {"uri": b["uri"], "cid": b["cid"]}
r3 = post(cust, "¿Mantenimiento? Ya van tres días, no dos horas.", reply={"root": bref, "parent": bref})

out = {
    "pds": PDS,
    "brand": {"handle": "telconova.test", "did": brand["did"], "password": "brand-pass-123",
              "app_password": app_pw["password"]},
    "customer": {"handle": "mariaperez.test", "did": cust["did"], "password": "cust-pass-123"},
    "posts": {"complaint": root["uri"], "thread_reply": reply["uri"], "brand_post": b["uri"],
              "reply_to_brand": r3["uri"]},
}
with open(os.path.join(os.environ.get("ATP_STATE", "."), "seed.json"), "w") as seed_file:
    json.dump(out, seed_file, indent=2, ensure_ascii=False)
print(json.dumps(out, indent=2, ensure_ascii=False))
