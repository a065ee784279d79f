"""Hand-made bad requests, raw bytes for a socket: malformed HTTP, hostile bodies, admin attacks.

bench/attack.py sends them to its own server; tests/test_attack.py sends each as a test.
"""
from __future__ import annotations

import json
import re
import socket

from assistant.config import MAX_PASSAGES_PER_DOCUMENT, bundled_dir

HOST = "127.0.0.1"  # never anything else: these go to our own server only
NO_ANSWER = 0  # the server closed the connection without answering


def raw(head: str, body: bytes = b"") -> bytes:
    """Return a request from its head written with \\n line ends, and its body."""
    return head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body


def json_post(path: str, body: bytes | str, token: str = "", extra: str = "") -> bytes:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    auth = f"Authorization: Bearer {token}\n" if token else ""
    return raw(f"POST {path} HTTP/1.1\nHost: x\n{auth}{extra}Content-Type: application/json\n"
               f"Content-Length: {len(data)}\n", data)


def multipart(path: str, filename: str, data: bytes, token: str) -> bytes:
    body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename.encode() +
            b"\"\r\nContent-Type: text/plain\r\n\r\n" + data + b"\r\n--b0undary--\r\n")
    return raw(f"POST {path} HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\n"
               f"Content-Type: multipart/form-data; boundary=b0undary\nContent-Length: {len(body)}\n", body)


def bad_requests(token: str) -> list[tuple[str, bytes, set[int]]]:
    """Return (what, raw request, statuses that are a right answer) for malformed and hostile requests."""
    answer = "/api/answer"
    many_lines = "".join(f"Psoas note {n}.\n" for n in range(MAX_PASSAGES_PER_DOCUMENT + 100))
    protocol = [
        ("header without a colon", raw("GET /api/health HTTP/1.1\nHost: x\nNo colon here\n"), {400}),
        ("obsolete line folding", raw("GET /api/health HTTP/1.1\nHost: x\nX-A: a\n  folded\n"), {200, 400}),
        ("headers over 256 KiB", raw("GET /api/health HTTP/1.1\nHost: x\nX-Big: " + "a" * 300_000 + "\n"), {431}),
        ("bare LF line ends", b"GET /api/health HTTP/1.1\nHost: x\n\n", {NO_ANSWER, 400}),
        ("malformed chunk size", raw(f"POST {answer} HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                     "Transfer-Encoding: chunked\n", b"zz\r\n{}\r\n0\r\n\r\n"), {400}),
        ("chunk without its CRLF", raw(f"POST {answer} HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                       "Transfer-Encoding: chunked\n", b"2\r\n{}XX0\r\n\r\n"), {400}),
        ("Content-Length and chunked (smuggling)", raw(
            f"POST {answer} HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 4\n"
            "Transfer-Encoding: chunked\n", b"0\r\n\r\nGET /api/documents HTTP/1.1\r\nHost: x\r\n\r\n"), {400}),
        ("two Content-Lengths", raw(f"POST {answer} HTTP/1.1\nHost: x\nContent-Length: 2\nContent-Length: 30\n",
                                    b"{}"), {400}),
        ("negative Content-Length", raw(f"POST {answer} HTTP/1.1\nHost: x\nContent-Length: -1\n"), {400}),
        ("Transfer-Encoding gzip", raw(f"POST {answer} HTTP/1.1\nHost: x\nTransfer-Encoding: gzip\n"), {501}),
        ("Content-Length of 1 GB", raw(f"POST {answer} HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                       "Content-Length: 1000000000\n"), {413}),
        ("HTTP/9.9", raw("GET /api/health HTTP/9.9\nHost: x\n"), {200, 400, 505}),
        ("absolute URI to another host", raw("GET http://evil.example/api/health HTTP/1.1\nHost: x\n"), {200, 400}),
        ("path traversal", raw("GET /../../../../etc/passwd HTTP/1.1\nHost: x\n"), {400, 404}),
        ("encoded traversal to a source", raw("GET /api/sources/..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1\nHost: x\n"),
         {400, 404}),
        ("static file traversal", raw("GET /static/..%2F..%2Fpyproject.toml HTTP/1.1\nHost: x\n"), {400, 404}),
        ("NUL in the path", raw("GET /api/sources/a%00.txt HTTP/1.1\nHost: x\n"), {400, 404}),
        ("overlong UTF-8 in the path", raw("GET /api/sources/%C0%AE%C0%AE HTTP/1.1\nHost: x\n"), {400, 404}),
        ("URL of 100 KB", raw("GET /api/" + "a" * 100_000 + " HTTP/1.1\nHost: x\n"), {404, 414, 431}),
        ("TRACE", raw("TRACE /api/health HTTP/1.1\nHost: x\n"), {405}),
        ("PUT on the API", raw(f"PUT {answer} HTTP/1.1\nHost: x\nContent-Length: 0\n"), {405}),
        ("method override header", json_post(answer, '{"question": "psoas"}', extra="X-HTTP-Method-Override: DELETE\n"),
         {200}),
        ("body not JSON", json_post(answer, "{not json"), {400}),
        ("JSON nested 5,000 deep", json_post(answer, "[" * 5000), {400}),
        ("number of 5,000 digits", json_post(answer, '{"question": "psoas", "top_k": ' + "9" * 5000 + "}"), {400}),
        ("question of NUL", json_post(answer, '{"question": "\\u0000"}'), {400}),
        ("question of control characters", json_post(answer, '{"question": "\\u0007\\u001b\\u200b\\u202e"}'), {400}),
        ("lone surrogate in the question", json_post(answer, '{"question": "psoas \\ud800"}'), {200, 400}),
        ("Latin-1 body", json_post(answer, b'{"question": "caf\xe9"}'), {400}),
        ("UTF-16 body", json_post(answer, '{"question": "psoas"}'.encode("utf-16")), {200, 400}),
        ("duplicate keys", json_post(answer, '{"question": "psoas", "question": "   "}'), {400}),
        ("history of 11", json_post(answer, json.dumps({"question": "psoas", "history": ["a"] * 11})), {400}),
        ("top_k of 1e9", json_post(answer, '{"question": "psoas", "top_k": 1000000000}'), {400}),
        ("text/plain body", raw(f"POST {answer} HTTP/1.1\nHost: x\nContent-Type: text/plain\nContent-Length: 2\n",
                                b"{}"), {415}),
        ("HTML in the question", json_post(answer, '{"question": "<script>alert(1)</script> psoas"}'), {200}),
        ("Expect 100-continue over the limit", raw(f"POST {answer} HTTP/1.1\nHost: x\nExpect: 100-continue\n"
                                                   "Content-Type: application/json\nContent-Length: 99999999\n"), {413}),
    ]
    documents, reindex = "/api/documents", "/api/reindex"
    admin = [
        ("no token", json_post(reindex, ""), {401}),
        ("wrong token", json_post(reindex, "", token="wrong"), {401}),
        ("token as Basic", raw(f"POST {reindex} HTTP/1.1\nHost: x\nAuthorization: Basic {token}\n"
                               "Content-Length: 0\n"), {401}),
        ("token in the query string", raw(f"POST {reindex}?token={token} HTTP/1.1\nHost: x\nContent-Length: 0\n"),
         {401}),
        ("token with a NUL", raw(f"POST {reindex} HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\0\n"
                                 "Content-Length: 0\n"), {400, 401}),
        ("a prefix of the token", json_post(reindex, "", token=token[:-1]), {401}),
        ("token twice", json_post(reindex, "", token=f"{token} {token}"), {401}),
        ("upload without a token", json_post(documents, json.dumps({"name": "x.txt", "text": "psoas"})), {401}),
        ("delete without a token", raw("DELETE /api/documents/the-iliopsoas-clinic-handout.txt HTTP/1.1\nHost: x\n"),
         {401}),
    ]
    for name, status in [("../escape.txt", 400), ("/etc/cron.d/x.txt", 400), ("..", 400), (".hidden.txt", 400),
                         ("a\u0000.txt", 400), ("new\nline.txt", 400), ("rtl\u202etxt.exe.txt", 400),
                         ("x" * 300 + ".txt", 400), ("sources.toml", 400), ("index.npz", 400),
                         (".assistant.lock", 400), ("THE-ILIOPSOAS-CLINIC-HANDOUT.txt", 400),
                         ("the-iliopsoas-clinic-handout.txt", 409), (" space.txt", 400), ("a.exe", 400)]:
        admin.append((f"name {name[:40]!r}", json_post(documents, json.dumps({"name": name, "text": "The psoas."}),
                                                       token), {status}))
    copy = (bundled_dir("corpus") / "the-iliopsoas-clinic-handout.txt").read_text()
    for what, text, status in [("empty text", "", 400), ("text of NUL", "\u0000", 400),
                               ("lone surrogate", "psoas \ud800", 400), ("a copy of an article", copy, 409),
                               ("more passages than the cap", many_lines, 400)]:
        admin.append((what, json_post(documents, json.dumps({"name": "new.txt", "text": text}), token), {status}))
    admin += [
        ("replace that is not a boolean", json_post(documents, json.dumps(
            {"name": "the-iliopsoas-clinic-handout.txt", "text": "x", "replace": "yes"}), token), {400}),
        ("upload of 6 MB", json_post(documents, json.dumps({"name": "big.txt", "text": "psoas " * 1_000_000}),
                                     token), {413}),
        ("binary upload", multipart(documents, "photo.txt", b"\x89PNG\r\n\x1a\n\0\0\0", token), {400}),
        ("multipart traversal", multipart(documents, "../../escape.txt", b"The psoas.", token), {400}),
        ("multipart without the file field", raw(
            f"POST {documents} HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\n"
            "Content-Type: multipart/form-data; boundary=b\nContent-Length: 7\n", b"--b--\r\n"), {400}),
        ("delete a traversal", raw(f"DELETE /api/documents/..%2Fcorpus%2Fsources.toml HTTP/1.1\nHost: x\n"
                                   f"Authorization: Bearer {token}\n"), {404}),
        ("delete the synonyms", raw(f"DELETE /api/documents/synonyms.toml HTTP/1.1\nHost: x\n"
                                    f"Authorization: Bearer {token}\n"), {404}),
        ("delete the lock file", raw(f"DELETE /api/documents/.assistant.lock HTTP/1.1\nHost: x\n"
                                     f"Authorization: Bearer {token}\n"), {404}),
    ]
    return [("http: " + what, request, ok) for what, request, ok in protocol] + \
           [("admin: " + what, request, ok) for what, request, ok in admin]


def send_raw(url: str, request: bytes, timeout: float = 60) -> bytes:
    """Send a raw request on its own connection; return everything the server answers before it closes."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    received = b""
    with socket.create_connection((HOST, port), timeout=timeout) as connection:
        try:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # refused midway (413 before the body): read the answer anyway
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return received


def first_response(received: bytes) -> tuple[int, bytes, bytes]:
    """Return (status, head, body) of the first final answer in what the server sent."""
    while received.startswith(b"HTTP/1.1 100 "):  # an interim answer: the final one follows
        received = received.partition(b"\r\n\r\n")[2]
    head, _, rest = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return status, head, rest[:int(length.group(1))] if length else rest


def judge(received: bytes, expected: set[int]) -> tuple[int, bool]:
    """Return the status of what the server answered, and whether it is right: an expected status, our
    security headers, and an error in the API's JSON shape."""
    status, head, body = first_response(received)
    ok = status in expected and (status == NO_ANSWER or b"nosniff" in head.lower())
    if ok and status >= 400 and b"application/json" in head.lower():
        ok = "error" in json.loads(body)
    return status, ok
