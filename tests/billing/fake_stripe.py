"""Stripe's API on a local port, as its documentation shows it, for Stripe's own SDK to
talk to (STRIPE_API_BASE): Checkout Sessions created (the same one again for a repeated
Idempotency-Key, as Stripe does), expired and read back; refused with a 400 when told to.
Every request is kept, so that a test checks what the SDK really sent."""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import stripe

WEBHOOK_SECRET = "whsec_local_test"
SESSION_ID = "{CHECKOUT_SESSION_ID}"


@dataclass
class Seen:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe:
    base: str = ""
    refuse: bool = False
    requests: list[Seen] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)

    def creates(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/v1/checkout/sessions"]

    def pay(self, session_id: str) -> None:
        """The patient paid on Stripe's page (what Stripe's own state then says)."""
        self.sessions[session_id].update(
            status="complete", payment_status="paid", payment_intent=f"pi_of_{session_id}"
        )


def signed_event(kind: str, session: dict[str, Any], *, secret: str = WEBHOOK_SECRET):
    """A Stripe event's body and its `Stripe-Signature` header, by Stripe's own scheme
    (HMAC-SHA256 of `<t>.<body>`: the SDK's WebhookSignature)."""
    body = json.dumps(
        {
            "id": f"evt_{kind}_{session['id']}",
            "object": "event",
            "type": kind,
            "data": {"object": {"object": "checkout.session", **session}},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(body, secret)
    return body.encode(), header


def _handler(state: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _seen(self) -> Seen:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            seen = Seen(self.command, self.path, form, dict(self.headers))
            state.requests.append(seen)
            return seen

        def do_POST(self) -> None:  # the name http.server calls
            seen = self._seen()
            if seen.path == "/v1/checkout/sessions":
                self._answer(*_create(state, seen))
            elif seen.path == "/v1/refunds":
                refund = {
                    "id": f"re_{len(state.requests)}",
                    "object": "refund",
                    "status": "succeeded",
                }
                self._answer(200, {**refund, "amount": int(seen.form["amount"])})
            elif seen.path.endswith("/expire"):
                self._answer(*_expire(state, seen.path.split("/")[-2]))
            else:
                self._answer(404, {"error": {"type": "invalid_request_error"}})

        def do_GET(self) -> None:
            seen = self._seen()
            if seen.path.startswith("/pay/"):
                self._card_page(state.sessions[seen.path.split("/")[-1]])
                return
            found = state.sessions.get(seen.path.split("/")[-1])
            self._answer(*((200, found) if found else (404, _invalid("No such session"))))

        def _card_page(self, session: dict[str, Any]) -> None:
            """Stripe's hosted page, as far as a browser test needs it: the way back."""
            back = session["success_url"].replace(SESSION_ID, session["id"])
            page = (
                '<!doctype html><html lang="en"><title>Fake Stripe Checkout</title>'
                f"<main><h1>Pay {session['amount_total']} {session['currency']}</h1>"
                f'<a href="{html.escape(back)}">Back to the clinic</a></main></html>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _invalid(message: str) -> dict[str, Any]:
    return {"error": {"type": "invalid_request_error", "message": message}}


def _create(state: FakeStripe, seen: Seen) -> tuple[int, dict[str, Any]]:
    if state.refuse:
        return 400, _invalid("Amount must convert to at least 50 cents.")
    key = seen.headers.get("Idempotency-Key", "")
    if key in state.by_key:
        return 200, state.sessions[state.by_key[key]]
    session_id = f"cs_test_local{len(state.sessions) + 1}"
    state.sessions[session_id] = {
        "id": session_id,
        "object": "checkout.session",
        "url": f"{state.base}/pay/{session_id}",
        "status": "open",
        "payment_status": "unpaid",
        "payment_intent": None,
        "amount_total": int(seen.form["line_items[0][price_data][unit_amount]"]),
        "currency": seen.form["line_items[0][price_data][currency]"],
        "success_url": seen.form["success_url"],
        "cancel_url": seen.form["cancel_url"],
    }
    state.by_key[key] = session_id
    return 200, state.sessions[session_id]


def _expire(state: FakeStripe, session_id: str) -> tuple[int, dict[str, Any]]:
    found = state.sessions.get(session_id)
    if found is None or found["status"] != "open":
        return 400, _invalid("Only Checkout Sessions with a status of open can be expired.")
    found["status"] = "expired"
    return 200, found


def serve(settings) -> tuple[FakeStripe, ThreadingHTTPServer]:
    """BILLING_PROVIDER=stripe, its API this local server, webhooks signed with a known
    secret."""
    state = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.base = f"http://127.0.0.1:{server.server_port}"
    settings.BILLING_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = state.base
    return state, server
