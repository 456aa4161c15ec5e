"""Real mail servers of a test's own, each a separate process on a free loopback port (issue 15):

- `SmtpServer`: an SMTP server (aiosmtpd) that stores each message it accepts as a file, refuses
  any recipient whose address starts with "refused" (550, echoing the address back, as real
  servers do) and defers any that starts with "busy" (451).
- `NotifyStandIn`: a small HTTP server speaking the part of the GOV.UK Notify API that
  notifications-python-client calls (POST /v2/notifications/email). It checks the client's JWT
  against the API key's secret and the template id, answers 201 with a notification id, 400 with
  Notify's error body for an address starting with "refused", 500 for one starting with "busy",
  and stores what it accepted as JSON files.

    with SmtpServer(tmp_path / "smtp") as smtp:
        ...  # EMAIL_URL = smtp.email_url
        smtp.wait_for_messages(count=2)

Run as `python -m tests.mail_servers smtp|notify --port N --folder DIR [--api-key KEY --template ID]`.
"""
from __future__ import annotations

import argparse
import email
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 20

# A well-formed Notify API key: "<key name>-<service id>-<secret>" (the client splits it so).
NOTIFY_SERVICE_ID = "7f2b4a1e-3c5d-4e6f-8a9b-0c1d2e3f4a5b"
NOTIFY_SECRET = "5e0c9d8b-7a6f-4e3d-9c2b-1a0f9e8d7c6b"
NOTIFY_API_KEY = f"portal_test-{NOTIFY_SERVICE_ID}-{NOTIFY_SECRET}"
NOTIFY_TEMPLATE_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _ServerProcess:
    kind = ""

    def __init__(self, folder: Path, *extra: str):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.extra = extra
        self.process: subprocess.Popen | None = None
        self.log_path = folder.parent / f"{self.kind}-{self.port}.log"

    def start(self) -> None:
        command = [sys.executable, "-m", "tests.mail_servers", self.kind, "--port", str(self.port),
                   "--folder", str(self.folder), *self.extra]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The {self.kind} server exited:\n{self.log_path.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"The {self.kind} server did not listen within {READY_TIMEOUT}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _files(self, pattern: str) -> list[Path]:
        return sorted(self.folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns)

    def _wait(self, read, count: int, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        while True:
            found = read()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


class SmtpServer(_ServerProcess):
    kind = "smtp"

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[email.message.Message]:
        return [email.message_from_bytes(path.read_bytes()) for path in self._files("*.eml")]

    def wait_for_messages(self, *, count: int, timeout: float = 30) -> list[email.message.Message]:
        return self._wait(self.messages, count, timeout)


class NotifyStandIn(_ServerProcess):
    kind = "notify"

    def __init__(self, folder: Path):
        super().__init__(folder, "--api-key", NOTIFY_API_KEY, "--template", NOTIFY_TEMPLATE_ID)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def accepted(self) -> list[dict]:
        return [json.loads(path.read_text()) for path in self._files("*.json")]

    def wait_for_accepted(self, *, count: int, timeout: float = 30) -> list[dict]:
        return self._wait(self.accepted, count, timeout)


# ---------------------------------------------------------------------------------------------
# The server processes
# ---------------------------------------------------------------------------------------------


def _run_smtp(port: int, folder: Path) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("refused"):
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            if address.startswith("busy"):
                return "451 4.3.0 Mailbox busy, try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            (folder / f"{time.time_ns()}-{uuid.uuid4().hex[:6]}.eml").write_bytes(envelope.original_content)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _run_notify(port: int, folder: Path, api_key: str, template_id: str) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

    service_id, secret = api_key[-73:-37], api_key[-36:]

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, kind: str, message: str) -> None:
            self._answer(status, {"errors": [{"error": kind, "message": message}], "status_code": status})

        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            try:
                if get_token_issuer(token) != service_id:
                    raise ValueError("unknown service")
                decode_jwt_token(token, secret)
            except Exception:
                return self._error(403, "AuthError", "Invalid token: API key not found")
            if self.path != "/v2/notifications/email":
                return self._error(404, "NotFound", "Not found")
            if payload.get("template_id") != template_id:
                return self._error(400, "BadRequestError", "Template not found")
            address = payload.get("email_address", "")
            if address.startswith("refused"):
                return self._error(400, "ValidationError", "email_address Not a valid email address")
            if address.startswith("busy"):
                return self._error(500, "Exception", "Internal server error")
            notification_id = str(uuid.uuid4())
            (folder / f"{time.time_ns()}-{notification_id}.json").write_text(json.dumps(payload))
            personalisation = payload.get("personalisation") or {}
            self._answer(201, {
                "id": notification_id,
                "reference": payload.get("reference"),
                "content": {"subject": personalisation.get("subject", ""), "body": personalisation.get("body", ""),
                            "from_email": "portal@notifications.service.gov.uk"},
                "uri": f"http://127.0.0.1:{port}/v2/notifications/{notification_id}",
                "template": {"id": template_id, "version": 1, "uri": ""},
            })

        def log_message(self, format, *args):  # noqa: A002
            sys.stderr.write("notify stand-in: " + format % args + "\n")

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["smtp", "notify"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--api-key", default="")
    parser.add_argument("--template", default="")
    args = parser.parse_args()
    if args.kind == "smtp":
        _run_smtp(args.port, args.folder)
    else:
        _run_notify(args.port, args.folder, args.api_key, args.template)


if __name__ == "__main__":
    main()
